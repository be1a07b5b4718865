import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { S3Client } from '@aws-sdk/client-s3';
import {
  type AwsSideConfig,
  assumeRoleCredentials,
  ConfigError,
  createDynamoDbClient,
  createS3Client,
} from '@ddb-migrate/core';
import { LOAD_SUMMARY_KEY, type LoadJob, type LoadResult, parseLoadEvent } from './load-event.js';
import { type LoadSummary, mergeLoadWork } from './merge-load.js';
import { MERGED_SUMMARY_KEY, mergeWork } from './merge-work.js';
import { type LoadWorkerDeps, runLoadBatch } from './run-load.js';
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

/** The load worker as a Lambda handler: event in (validated), {@link LoadResult} out. */
export type LoadWorkerHandler = (event: unknown, context: InvocationContext) => Promise<LoadResult>;

/** The load worker handler over `deps` (the Lambda, the local engine's children and tests run this). */
export function createLoadWorker(deps: LoadWorkerDeps): LoadWorkerHandler {
  return async (event, context) => runLoadBatch(parseLoadEvent(event), deps, context);
}

/** What the load's merge step returns to the state machine (the summary is in S3 too). */
export interface LoadMergeResult extends Omit<LoadSummary, 'failedFiles'> {
  summaryUrl: string;
  failedFiles: number;
}

/**
 * The load's merge step: adds up the batch summaries of `job.itemsKey`'s batches into
 * `load/summary.json` (see {@link mergeLoadWork}). Event: `{ job: { workUrl, itemsKey } }`.
 */
export function createLoadMergeHandler(
  deps: Pick<WorkerDeps, 'store'>,
): (event: unknown) => Promise<LoadMergeResult> {
  return async (event) => {
    const job = (event as { job?: Partial<LoadJob> } | undefined)?.job;
    if (typeof job?.workUrl !== 'string') {
      throw new ConfigError('Invalid load merge event: job.workUrl is missing');
    }
    const store = deps.store(job.workUrl);
    const summary = await mergeLoadWork(store, job.itemsKey);
    return {
      ...summary,
      failedFiles: summary.failedFiles.length,
      summaryUrl: store.locate(LOAD_SUMMARY_KEY),
    };
  };
}

/**
 * Worker deps for a host that reaches the tables itself (the Lambda): a side with `roleArn` is read
 * through that role, assumed with the host's credentials; a side without one with the host's own.
 * Clients are cached per side, so a warm Lambda reuses them (and their sockets and sessions).
 * `exportS3For` (the load worker's) reads the export bucket with the same access as the side.
 *
 * @param base Region, endpoint and credentials of the host (credentials absent: the default chain).
 */
export function awsWorkerDeps(
  base: AwsSideConfig,
): Pick<WorkerDeps, 'clientFor' | 'store'> & Pick<LoadWorkerDeps, 'exportS3For'> {
  const clients = new Map<string, DynamoDBClient>();
  const exportClients = new Map<string, S3Client>();
  let s3: S3Client | undefined;
  const cached = <C>(cache: Map<string, C>, side: WorkerSide, create: (config: AwsSideConfig) => C): C => {
    const cacheKey = JSON.stringify([side.region, side.roleArn ?? '', side.externalId ?? '']);
    let client = cache.get(cacheKey);
    if (!client) {
      client = create({
        ...base,
        region: side.region,
        ...(side.roleArn
          ? {
              credentials: assumeRoleCredentials(base, {
                roleArn: side.roleArn,
                sessionName: 'ddb-migrate-worker',
                ...(side.externalId ? { externalId: side.externalId } : {}),
              }),
            }
          : {}),
      });
      cache.set(cacheKey, client);
    }
    return client;
  };
  return {
    // maxAttempts 1: the engine retries itself and counts throttles for the summary.
    clientFor: (side: WorkerSide) =>
      cached(clients, side, (config) => createDynamoDbClient({ ...config, maxAttempts: 1 })),
    exportS3For: (side: WorkerSide) => cached(exportClients, side, (config) => createS3Client(config)),
    store(workUrl) {
      return openWorkStore(workUrl, () => {
        s3 ??= createS3Client(base);
        return s3;
      });
    },
  };
}
