import { describe, expect, it } from 'vitest';
import { readCdcLambdaConfig } from '../src/config/cdc-config.js';
import { createHandler, type MetricsSink } from '../src/create-handler.js';
import { createLambdaClients, LAMBDA_REQUEST_TIMEOUT_MS, toApplyConfig } from '../src/lambda-clients.js';
import { fakeWriteBatch, streamRecord } from './fixtures.js';

describe('createHandler', () => {
  it('returns only batchItemFailures and publishes lag and record counts', async () => {
    const metrics: [string, string, number][] = [];
    let published = 0;
    const sink: MetricsSink = {
      addMetric: (name, unit, value) => metrics.push([name, unit, value]),
      publishStoredMetrics: () => {
        published += 1;
      },
    };
    const { writeBatch } = fakeWriteBatch();
    const handler = createHandler(
      { targetTableId: 't', ttlDeletes: 'replicate', cutoffEpochSeconds: 1000 },
      { target: { send: async () => ({}) } as never, writeBatch, metrics: sink, now: () => 2_000_500 },
    );
    const response = await handler(
      {
        Records: [
          streamRecord('INSERT', 'a', { createdAt: 999 }),
          streamRecord('INSERT', 'b', { createdAt: 2000 }),
        ],
      },
      { getRemainingTimeInMillis: () => 30_000 },
    );
    expect(response).toEqual({ batchItemFailures: [] });
    expect(metrics).toEqual([
      ['ReplicationLagMs', 'Milliseconds', 500],
      ['RecordsApplied', 'Count', 1],
      ['RecordsSkipped', 'Count', 1],
      ['RecordsCoalesced', 'Count', 0],
      ['RecordsFailed', 'Count', 0],
    ]);
    expect(published).toBe(1);
  });
});

describe('createHandler time budget', () => {
  it('returns before the Lambda deadline with the keys as batch item failures when the target hangs', async () => {
    let sends = 0;
    const hang = () => {
      sends += 1;
      return new Promise(() => {});
    };
    const handler = createHandler(
      { targetTableId: 't', ttlDeletes: 'replicate', requestTimeoutMs: 1000 },
      { target: { send: hang } as never },
    );
    const lambdaDeadline = Date.now() + 4000;
    const response = await Promise.race([
      handler(
        { Records: [streamRecord('INSERT', 'a', { seq: '71' }), streamRecord('INSERT', 'b', { seq: '72' })] },
        { getRemainingTimeInMillis: () => lambdaDeadline - Date.now() },
      ),
      new Promise<'timed out'>((r) => setTimeout(() => r('timed out'), 4000)),
    ]);
    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: '71' }, { itemIdentifier: '72' }] });
    expect(Date.now()).toBeLessThan(lambdaDeadline);
    expect(sends).toBeGreaterThan(0);
  });
});

describe('Lambda clients', () => {
  const env = {
    TARGET_DYNAMODB_TABLE_NAME: 'orders',
    TARGET_REGION: 'eu-west-1',
    TARGET_AWS_ACCOUNT_NUMBER: '222222222222',
    SQS_QUEUE_URL_FOR_FAILED_EVENTS: 'https://sqs.eu-west-1.amazonaws.com/111111111111/dlq',
    EXPORT_TIME: '1700000000',
    AWS_REGION: 'eu-west-1',
  };

  it('leave retries to the engine (one attempt per send) and hand it their request timeout', async () => {
    const config = readCdcLambdaConfig(env);
    const clients = createLambdaClients(config, env);
    expect(await clients.target.config.maxAttempts()).toBe(1);
    expect(await clients.source.config.maxAttempts()).toBe(1);
    expect(toApplyConfig(config).requestTimeoutMs).toBe(LAMBDA_REQUEST_TIMEOUT_MS);
  });
});
