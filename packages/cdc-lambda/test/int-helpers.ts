import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { StreamViewType } from '@aws-sdk/client-dynamodb';
// Brings in the typing of inject('motoEndpoint') that the test kit's global setup provides.
import type {} from '@ddb-migrate/test-kit/global-setup';
import { createQueue, createTable, type GsiSpec, isolatedSides } from '@ddb-migrate/test-kit';
import type { ApplyConfig, ApplyCounters, ApplyResult } from '../src/apply/apply-config.js';

type CounterName = Exclude<keyof ApplyCounters, 'newestCreatedAt'>;
import { emptyApplyCounters } from '../src/apply/apply-stream-batch.js';
import { createHandler } from '../src/create-handler.js';
import { runStream, type StreamRunnerOptions } from '../src/runner/stream-runner.js';

/** Two isolated accounts: a source table with a stream, an empty target table, a DLQ in the source account. */
export async function cdcStand(
  opts: { stream?: StreamViewType; targetGsis?: GsiSpec[]; targetEndpoint?: string } = {},
) {
  const sides = isolatedSides();
  const source = new DynamoDBClient(sides.source);
  const target = new DynamoDBClient(sides.target);
  // maxAttempts 1: throttles and 5xx reach the engine, so its own retries are what the test proves.
  const targetWriter = new DynamoDBClient({
    ...sides.target,
    ...(opts.targetEndpoint ? { endpoint: opts.targetEndpoint, maxAttempts: 1 } : {}),
  });
  const streams = new DynamoDBStreamsClient(sides.source);
  const sqs = new SQSClient(sides.source);
  const src = await createTable(source, { stream: opts.stream ?? 'NEW_AND_OLD_IMAGES' });
  const tgt = await createTable(target, {
    stream: false,
    ...(opts.targetGsis ? { gsis: opts.targetGsis } : {}),
  });
  const queue = await createQueue(sqs);
  const results: ApplyResult[] = [];

  const handlerFor = (config: Partial<ApplyConfig> = {}) =>
    createHandler(
      { targetTableId: tgt.name, ttlDeletes: 'replicate', dlqUrl: queue.url, ...config },
      { target: targetWriter, source, sqs, onResult: (r) => results.push(r) },
    );

  const run = (config: Partial<ApplyConfig> = {}, runner: Partial<StreamRunnerOptions> = {}) =>
    runStream({
      streams,
      streamArn: src.streamArn as string,
      handler: handlerFor(config),
      batchSize: 100,
      stopAfterIdleSeconds: 1,
      pollIntervalMs: 100,
      ...runner,
    });

  const totals = () => {
    const sum: Record<CounterName, number> = emptyApplyCounters();
    for (const r of results)
      for (const name of Object.keys(sum) as CounterName[]) sum[name] += r.counters[name];
    return sum;
  };

  return { sides, source, target, streams, sqs, src, tgt, queue, results, handlerFor, run, totals };
}
