import {
  DescribeExecutionCommand,
  DescribeMapRunCommand,
  ListMapRunsCommand,
  SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import {
  LOAD_SUMMARY_KEY,
  type LoadJob,
  type LoadSummary,
  s3WorkStore,
} from '@ddb-migrate/consistency-checker/worker';
import {
  AwsCallError,
  ConfigError,
  createS3Client,
  MigrationError,
  sideClientConfig,
} from '@ddb-migrate/core';
import type { ResolvedSides } from '../../sides.js';
import { locateStateMachine } from '../verify/engine-stepfunctions.js';
import { createDoneRecorder, type ExportFilesLoader, itemListFor } from './load-engine-files.js';

/** What `migrate --load-engine stepfunctions` needs. */
export interface StepFunctionsLoadEngineOptions {
  sides: ResolvedSides;
  stateMachineArn: string;
  filesPerBatch?: number;
  /** How often the execution and its map run are polled. Default 5 s. */
  pollMs?: number;
}

/**
 * The write-mode load on verify-fanout.yaml's load state machine: the item list (one batch of data
 * files a line) written to the work bucket under `load/<run id>/`, an execution started, each file
 * the workers mark done recorded with the migration as the execution runs (so a re-run resumes from
 * them, and the workers skip their markers), and the merge step's `load/summary.json` returned.
 * `--max-wcu` is split across the definition's MaxConcurrency.
 */
export function stepFunctionsLoadEngine(options: StepFunctionsLoadEngineOptions): ExportFilesLoader {
  return {
    name: '--load-engine stepfunctions',
    async load(request) {
      const { sides } = options;
      const sfn = new SFNClient(sideClientConfig(sides.source));
      const s3 = createS3Client(sides.source);
      try {
        const located = await locateStateMachine({ stateMachineArn: options.stateMachineArn, sides }, sfn);
        const bucket = located.definition.bucket;
        if (!bucket) {
          throw new ConfigError("The load state machine's ItemReader names no bucket", {
            hint: 'Pass the LoadStateMachineArn output of a cfn/verify-fanout.yaml stack',
          });
        }
        const prefix = `load/${request.runId}/`;
        const store = s3WorkStore(s3, bucket, prefix);
        const list = itemListFor(request, options.filesPerBatch ?? 1);
        // The format the deployed ItemReader reads: JSONL (one batch a line), or a JSON array.
        const asJson = located.definition.inputType === 'JSON';
        const itemsKey = asJson ? list.itemsKey.replace(/\.jsonl$/, '.json') : list.itemsKey;
        await store.write(itemsKey, asJson ? JSON.stringify(list.batches) : list.body);
        const workers = Math.max(1, Math.min(located.definition.maxConcurrency, list.batches.length));
        const job: LoadJob = {
          workUrl: `s3://${bucket}/${prefix}`,
          exportBucket: request.bucket,
          target: {
            tableName: request.tableName,
            region: sides.target.region,
            ...(sides.targetRoleArn ? { roleArn: sides.targetRoleArn } : {}),
          },
          keyNames: request.keyNames,
          itemsKey,
          options: {
            concurrency: request.concurrency,
            ...(request.maxWcu === undefined ? {} : { maxWcuPerWorker: request.maxWcu / workers }),
          },
        };
        request.logger.info('load fan-out (Step Functions)', {
          stateMachineArn: located.arn,
          files: request.files.length,
          batches: list.batches.length,
          workers,
          workUrl: job.workUrl,
        });
        let executionArn: string;
        try {
          const out = await sfn.send(
            new StartExecutionCommand({
              stateMachineArn: located.arn,
              input: JSON.stringify({ itemList: { Key: `${prefix}${itemsKey}` }, job }),
            }),
          );
          executionArn = out.executionArn!;
        } catch (error) {
          throw new AwsCallError('StartExecution', error);
        }
        const recorder = createDoneRecorder(store, request);
        for (;;) {
          request.signal?.throwIfAborted();
          const execution = await sfn.send(new DescribeExecutionCommand({ executionArn }));
          await recorder.collect();
          const counts = await mapRunCounts(sfn, executionArn);
          request.logger.debug('load map run', { ...counts });
          if (execution.status === 'SUCCEEDED') break;
          if (execution.status !== 'RUNNING') {
            throw new MigrationError(
              'LOAD_WRITE_FAILED',
              `load execution ${execution.status}: ${execution.error ?? ''} ${execution.cause ?? ''}`.trim(),
              {
                hint: `See ${executionArn} in the Step Functions console; files done are recorded: run migrate again to load the rest`,
              },
            );
          }
          await new Promise((resolve) => setTimeout(resolve, options.pollMs ?? 5_000));
        }
        const text = await store.read(LOAD_SUMMARY_KEY);
        if (text === undefined) {
          throw new AwsCallError(
            'GetObject',
            new Error(`the merge step wrote no ${store.locate(LOAD_SUMMARY_KEY)}`),
          );
        }
        return { ...(JSON.parse(text) as LoadSummary), filesLeft: 0 };
      } finally {
        sfn.destroy();
        s3.destroy();
      }
    },
  };
}

async function mapRunCounts(sfn: SFNClient, executionArn: string) {
  const run = ((await sfn.send(new ListMapRunsCommand({ executionArn }))).mapRuns ?? [])[0];
  if (!run?.mapRunArn) return undefined;
  return (await sfn.send(new DescribeMapRunCommand({ mapRunArn: run.mapRunArn }))).itemCounts;
}
