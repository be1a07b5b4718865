import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { S3Client } from '@aws-sdk/client-s3';
import {
  type AwsSideConfig,
  assumeRoleCredentials,
  ConfigError,
  createDynamoDbClient,
  createS3Client,
} from '@ddb-migrate/core';
import { MERGED_SUMMARY_KEY, mergeWork } from './merge-work.js';
import { type InvocationContext, runVerifyRange, type WorkerDeps } from './run-range.js';
import { openWorkStore } from './work-store.js';
import { parseWorkerEvent, type VerifyJob, type WorkerResult, type WorkerSide } from './worker-event.js';

/** The verify worker as a Lambda handler: event in (validated), {@link WorkerResult} out. */
export type VerifyWorkerHandler = (event: unknown, context: InvocationContext) => Promise<WorkerResult>;

/** What the merge step returns to the state machine (counts only; the summary is in S3). */
export interface MergeResult {
  summaryUrl: string;
  ranges: number;
  identical: boolean;
  complete: boolean;
  differences: number;
  remaining: number;
  sourceScanned: number;
  targetScanned: number;
}

/**
 * The worker handler over `deps` (clients and store come from the host, so tests and the local
 * engine run exactly this code).
 */
export function createVerifyWorker(deps: WorkerDeps): VerifyWorkerHandler {
  return async (event, context) => runVerifyRange(parseWorkerEvent(event), deps, context);
}

/**
 * The merge step: merges the range summaries under the job's work URL into `summary.json` (see
 * {@link mergeWork}). Event: `{ job: { workUrl } }`, anything else is ignored.
 */
export function createMergeHandler(
  deps: Pick<WorkerDeps, 'store'>,
): (event: unknown) => Promise<MergeResult> {
  return async (event) => {
    const job = (event as { job?: Partial<VerifyJob> } | undefined)?.job;
    if (typeof job?.workUrl !== 'string') {
      throw new ConfigError('Invalid merge event: job.workUrl is missing');
    }
    const store = deps.store(job.workUrl);
    const { summary, ranges } = await mergeWork(store);
    return {
      summaryUrl: store.locate(MERGED_SUMMARY_KEY),
      ranges,
      identical: summary.identical,
      complete: summary.complete,
      differences: summary.differences,
      remaining: summary.remaining,
      sourceScanned: summary.sourceScanned,
      targetScanned: summary.targetScanned,
    };
  };
}

/**
 * Worker deps for a host that reaches the tables itself (the Lambda): a side with `roleArn` is read
 * through that role, assumed with the host's credentials; a side without one with the host's own.
 * Clients are cached per side, so a warm Lambda reuses them (and their sockets and sessions).
 *
 * @param base Region, endpoint and credentials of the host (credentials absent: the default chain).
 */
export function awsWorkerDeps(base: AwsSideConfig): Pick<WorkerDeps, 'clientFor' | 'store'> {
  const clients = new Map<string, DynamoDBClient>();
  let s3: S3Client | undefined;
  return {
    clientFor(side: WorkerSide) {
      const cacheKey = JSON.stringify([side.region, side.roleArn ?? '', side.externalId ?? '']);
      let client = clients.get(cacheKey);
      if (!client) {
        const config: AwsSideConfig = { ...base, region: side.region };
        // maxAttempts 1: the engine retries itself and counts throttles for the summary.
        client = createDynamoDbClient({
          ...config,
          maxAttempts: 1,
          ...(side.roleArn
            ? {
                credentials: assumeRoleCredentials(base, {
                  roleArn: side.roleArn,
                  sessionName: 'ddb-migrate-verify',
                  ...(side.externalId ? { externalId: side.externalId } : {}),
                }),
              }
            : {}),
        });
        clients.set(cacheKey, client);
      }
      return client;
    },
    store(workUrl) {
      return openWorkStore(workUrl, () => {
        s3 ??= createS3Client(base);
        return s3;
      });
    },
  };
}
