import { describe, expect, it } from 'vitest';
import { createHandler, type MetricsSink } from '../src/create-handler.js';
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
