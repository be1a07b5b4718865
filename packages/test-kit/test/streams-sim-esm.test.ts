import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import { afterEach, describe, expect, it } from 'vitest';
import { createEventSourceMapping } from '../src/streams-sim/event-source-mapping.js';
import type {
  EsmHandler,
  EsmRecord,
  EventSourceMappingOptions,
  OnFailureMessage,
} from '../src/streams-sim/esm-types.js';
import {
  type StreamsSim,
  type StreamsSimOptions,
  startStreamsSim,
} from '../src/streams-sim/streams-sim-server.js';

const sims: StreamsSim[] = [];
afterEach(async () => {
  await Promise.all(sims.splice(0).map((s) => s.close()));
});

async function stand(options: StreamsSimOptions = {}) {
  const sim = await startStreamsSim({ seed: 11, ...options });
  sims.push(sim);
  const streams = new DynamoDBStreamsClient({
    endpoint: sim.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    maxAttempts: 1,
  });
  const esm = (handler: EsmHandler, opts: Partial<EventSourceMappingOptions> = {}) =>
    createEventSourceMapping({
      streams,
      streamArn: sim.streamArn,
      handler,
      startingPosition: 'TRIM_HORIZON',
      now: sim.clock.now,
      sleep: async (ms) => sim.clock.advance(ms),
      ...opts,
    });
  return { sim, streams, esm };
}

const put = (sim: StreamsSim, pk: string, n: number) =>
  sim.append({
    eventName: 'MODIFY',
    keys: { pk: { S: pk } },
    newImage: { pk: { S: pk }, n: { N: String(n) } },
  });

const key = (r: EsmRecord) => (r.dynamodb?.Keys?.pk as { S?: string } | undefined)?.S ?? '';
const rev = (r: EsmRecord) => Number((r.dynamodb?.NewImage?.n as { N?: string } | undefined)?.N);

/** A handler that records what it saw, per key, and succeeds. */
function recorder() {
  const seen = new Map<string, number[]>();
  const batches: EsmRecord[][] = [];
  const handler: EsmHandler = async (event) => {
    batches.push(event.Records);
    for (const r of event.Records) seen.set(key(r), [...(seen.get(key(r)) ?? []), rev(r)]);
    return { batchItemFailures: [] };
  };
  return { seen, batches, handler };
}

describe('event source mapping emulator', () => {
  it('delivers every record once, in order per key, through rollovers, splits and late child listing', async () => {
    const { sim, esm } = await stand({
      rolloverEveryRecords: 15,
      splitChance: 0.5,
      childListingDelayMs: 2000,
    });
    for (let n = 0; n < 120; n += 1) put(sim, `k${n % 7}`, n);
    const { seen, batches, handler } = recorder();
    const mapping = esm(handler, { batchSize: 10 });
    await mapping.runUntilIdle();
    sim.clock.advance(10_000);
    const counters = await mapping.runUntilIdle({ idlePolls: 3 });
    expect(batches.every((b) => b.length <= 10)).toBe(true);
    expect([...seen.values()].flat().sort((a, b) => a - b)).toEqual(Array.from({ length: 120 }, (_, n) => n));
    for (const revs of seen.values()) expect(revs).toEqual([...revs].sort((a, b) => a - b));
    expect(counters.shardsFinished).toBeGreaterThan(3);
    expect(counters.invocations).toBe(batches.length);
  });

  it('keeps one key on one concurrent lane with ParallelizationFactor and runs lanes at once', async () => {
    const { sim, esm } = await stand();
    for (let n = 0; n < 200; n += 1) put(sim, `k${n % 23}`, n);
    const active = new Set<string>();
    let overlaps = 0;
    let inFlight = 0;
    let maxInFlight = 0;
    const seen = new Map<string, number[]>();
    const handler: EsmHandler = async (event) => {
      const keys = new Set(event.Records.map(key));
      for (const k of keys) if (active.has(k)) overlaps += 1;
      for (const k of keys) active.add(k);
      inFlight += 1;
      maxInFlight = Math.max(maxInFlight, inFlight);
      for (const r of event.Records) seen.set(key(r), [...(seen.get(key(r)) ?? []), rev(r)]);
      await new Promise((r) => setImmediate(r));
      inFlight -= 1;
      for (const k of keys) active.delete(k);
      return { batchItemFailures: [] };
    };
    await esm(handler, { batchSize: 20, parallelizationFactor: 4 }).runUntilIdle();
    expect(maxInFlight).toBeGreaterThan(1);
    expect(overlaps).toBe(0);
    for (const revs of seen.values()) expect(revs).toEqual([...revs].sort((a, b) => a - b));
    expect([...seen.values()].flat()).toHaveLength(200);
  });

  it('retries from the lowest reported sequence number and fails the whole batch on an unknown identifier', async () => {
    const { sim, esm } = await stand();
    for (let n = 0; n < 6; n += 1) put(sim, `k${n}`, n);
    const calls: number[][] = [];
    const handler: EsmHandler = async (event) => {
      calls.push(event.Records.map(rev));
      const seqs = event.Records.map((r) => r.dynamodb?.SequenceNumber as string);
      if (calls.length === 1)
        return { batchItemFailures: [{ itemIdentifier: seqs[4] }, { itemIdentifier: seqs[2] }] };
      if (calls.length === 2) return { batchItemFailures: [{ itemIdentifier: '999' }] };
      return { batchItemFailures: [] };
    };
    const counters = await esm(handler, {
      functionResponseTypes: ['ReportBatchItemFailures'],
    }).runUntilIdle();
    expect(calls).toEqual([
      [0, 1, 2, 3, 4, 5],
      [2, 3, 4, 5],
      [2, 3, 4, 5],
    ]);
    expect(counters.retries).toBe(2);
  });

  it('ignores reported failures without ReportBatchItemFailures', async () => {
    const { sim, esm } = await stand();
    put(sim, 'a', 1);
    const handler: EsmHandler = async (event) => ({
      batchItemFailures: [{ itemIdentifier: event.Records[0]?.dynamodb?.SequenceNumber ?? '' }],
    });
    const counters = await esm(handler).runUntilIdle();
    expect(counters).toMatchObject({ invocations: 1, retries: 0 });
  });

  it('bisects a failing batch, discards the poison record after MaximumRetryAttempts and sends the on-failure record', async () => {
    const { sim, esm } = await stand();
    const appended = [];
    for (let n = 0; n < 8; n += 1) appended.push(put(sim, `k${n}`, n));
    const processed: number[] = [];
    const handler: EsmHandler = async (event) => {
      if (event.Records.some((r) => rev(r) === 5)) throw new Error('poison');
      processed.push(...event.Records.map(rev));
      return { batchItemFailures: [] };
    };
    const failures: OnFailureMessage[] = [];
    const counters = await esm(handler, {
      bisectBatchOnFunctionError: true,
      maximumRetryAttempts: 2,
      onFailure: (m) => {
        failures.push(m);
      },
      functionArn: 'arn:aws:lambda:us-east-1:123456789012:function:cdc',
    }).runUntilIdle();
    expect(processed.sort()).toEqual([0, 1, 2, 3, 4, 6, 7]);
    expect(counters.bisects).toBe(3);
    expect(counters).toMatchObject({ discardedBatches: 1, discardedRecords: 1, retries: 2 });
    expect(failures).toHaveLength(1);
    const message = failures[0] as OnFailureMessage;
    expect(Object.keys(message)).toEqual([
      'requestContext',
      'responseContext',
      'version',
      'timestamp',
      'DDBStreamBatchInfo',
    ]);
    expect(message.requestContext).toMatchObject({
      condition: 'RetryAttemptsExhausted',
      approximateInvokeCount: 3,
    });
    expect(message.responseContext).toEqual({
      statusCode: 200,
      executedVersion: '$LATEST',
      functionError: 'Unhandled',
    });
    expect(message.DDBStreamBatchInfo).toEqual({
      shardId: appended[5]?.shardId,
      startSequenceNumber: appended[5]?.sequenceNumber,
      endSequenceNumber: appended[5]?.sequenceNumber,
      approximateArrivalOfFirstRecord: '2023-11-14T22:13:20Z',
      approximateArrivalOfLastRecord: '2023-11-14T22:13:20Z',
      batchSize: 1,
      streamArn: sim.streamArn,
    });
  });

  it('discards records older than MaximumRecordAgeInSeconds with RecordAgeExceeded and moves on', async () => {
    const { sim, esm } = await stand();
    put(sim, 'old', 1);
    let calls = 0;
    const handler: EsmHandler = async () => {
      calls += 1;
      if (calls === 1) throw new Error('target down');
      return { batchItemFailures: [] };
    };
    const failures: OnFailureMessage[] = [];
    const mapping = esm(handler, {
      maximumRecordAgeInSeconds: 60,
      retryDelayMs: () => 61_000,
      onFailure: (m) => {
        failures.push(m);
      },
    });
    const counters = await mapping.runUntilIdle();
    expect(calls).toBe(1);
    expect(counters).toMatchObject({ discardedBatches: 1, retries: 1 });
    expect(failures[0]?.requestContext.condition).toBe('RecordAgeExceeded');
  });

  it('starts at LATEST: records written before the mapping are not delivered', async () => {
    const { sim, esm } = await stand();
    put(sim, 'before', 1);
    const { seen, handler } = recorder();
    const mapping = esm(handler, { startingPosition: 'LATEST' });
    await mapping.runUntilIdle();
    put(sim, 'after', 2);
    await mapping.runUntilIdle();
    expect([...seen.keys()]).toEqual(['after']);
  });

  it('waits up to MaximumBatchingWindowInSeconds to fill a batch', async () => {
    const { sim, streams } = await stand();
    put(sim, 'a', 1);
    const { batches, handler } = recorder();
    let extra = 0;
    const mapping = createEventSourceMapping({
      streams,
      streamArn: sim.streamArn,
      handler,
      startingPosition: 'TRIM_HORIZON',
      batchSize: 5,
      maximumBatchingWindowInSeconds: 2,
      now: sim.clock.now,
      sleep: async (ms) => {
        if (extra < 4) put(sim, `w${extra}`, 10 + extra++);
        sim.clock.advance(ms);
      },
    });
    await mapping.runUntilIdle();
    expect(batches[0]?.length).toBeGreaterThan(1);
    expect(batches.flat()).toHaveLength(5);
  });

  it('re-acquires an expired iterator after a long invocation without losing or repeating records', async () => {
    const { sim, esm } = await stand();
    for (let n = 0; n < 30; n += 1) put(sim, `k${n}`, n);
    const revs: number[] = [];
    const handler: EsmHandler = async (event) => {
      revs.push(...event.Records.map(rev));
      if (revs.length === 10) sim.clock.advance(16 * 60_000);
      return { batchItemFailures: [] };
    };
    const counters = await esm(handler, { batchSize: 10 }).runUntilIdle();
    expect(revs).toEqual(Array.from({ length: 30 }, (_, n) => n));
    expect(counters.expiredIterators).toBe(1);
  });
});
