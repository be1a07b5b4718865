import type { WriteOp } from '@ddb-migrate/core';
import { fakeSdkClient } from '@ddb-migrate/test-kit';
import { describe, expect, it } from 'vitest';
import type { ApplyConfig } from '../src/apply/apply-config.js';
import { applyStreamBatch } from '../src/apply/apply-stream-batch.js';
import { fakeSqs, fakeWriteBatch, ledgerOf, STREAM_ARN, streamRecord } from './fixtures.js';

const config: ApplyConfig = {
  targetTableId: 'target',
  ttlDeletes: 'replicate',
  dlqUrl: 'http://127.0.0.1/q',
};
const target = { send: async () => ({}) } as never;

function pkOf(op: WriteOp): string | undefined {
  return (op.type === 'put' ? op.item : op.key).pk?.S;
}

describe('applyStreamBatch', () => {
  it('coalesces insert, modify and remove of one key to the last record', async () => {
    const { writeBatch, calls } = fakeWriteBatch();
    const records = [
      streamRecord('INSERT', 'a', { image: { v: { N: '1' } } }),
      streamRecord('MODIFY', 'a', { image: { v: { N: '2' } } }),
      streamRecord('INSERT', 'b', { image: { v: { N: '1' } } }),
      streamRecord('REMOVE', 'a'),
    ];
    const { batchItemFailures, counters } = await applyStreamBatch(
      records,
      { target, writeBatch },
      config,
      60_000,
    );
    expect(batchItemFailures).toEqual([]);
    expect(calls).toHaveLength(1);
    expect(calls[0]?.map((op) => [op.type, pkOf(op)])).toEqual([
      ['delete', 'a'],
      ['put', 'b'],
    ]);
    expect(counters).toMatchObject({ records: 4, applied: 2, coalesced: 2, skipped: 0 });
  });

  it('orders by sequence number as integers, not by position or string order', async () => {
    const { writeBatch, calls } = fakeWriteBatch();
    // "9..." sorts after "10..." as a string; as integers 10... is newer.
    const records = [
      streamRecord('MODIFY', 'a', { image: { v: { S: 'new' } }, seq: '1000000000000000000010' }),
      streamRecord('MODIFY', 'a', { image: { v: { S: 'old' } }, seq: '999999999999999999999' }),
    ];
    await applyStreamBatch(records, { target, writeBatch }, config, 60_000);
    const op = calls[0]?.[0];
    expect(op?.type === 'put' && op.item.v?.S).toBe('new');
  });

  it('decodes binary at any depth to bytes', async () => {
    const { writeBatch, calls } = fakeWriteBatch();
    const image = { m: { M: { l: { L: [{ B: 'AAH/' }, { BS: ['AQ==', 'AgM='] }] } } } };
    await applyStreamBatch([streamRecord('INSERT', 'a', { image })], { target, writeBatch }, config, 60_000);
    const op = calls[0]?.[0];
    const list = op?.type === 'put' ? op.item.m?.M?.l?.L : undefined;
    expect(list?.[0]?.B).toEqual(new Uint8Array([0, 1, 255]));
    expect(list?.[1]?.BS).toEqual([new Uint8Array([1]), new Uint8Array([2, 3])]);
  });

  it('skips only records strictly older than the cutoff', async () => {
    const { writeBatch, calls } = fakeWriteBatch();
    const records = [
      streamRecord('INSERT', 'old', { createdAt: 999 }),
      streamRecord('INSERT', 'edge', { createdAt: 1000 }),
      streamRecord('INSERT', 'new', { createdAt: 1001 }),
    ];
    const { counters } = await applyStreamBatch(
      records,
      { target, writeBatch },
      { ...config, cutoffEpochSeconds: 1000 },
      60_000,
    );
    expect(calls[0]?.map(pkOf).sort()).toEqual(['edge', 'new']);
    expect(counters).toMatchObject({ skipped: 1, skippedByCutoff: 1, applied: 2, newestCreatedAt: 1001 });
  });

  it('replicates TTL deletes by default and skips them in skip mode', async () => {
    const records = [streamRecord('INSERT', 'a'), streamRecord('REMOVE', 'a', { ttl: true })];
    const replicate = fakeWriteBatch();
    const r1 = await applyStreamBatch(records, { target, writeBatch: replicate.writeBatch }, config, 60_000);
    expect(replicate.calls[0]?.[0]?.type).toBe('delete');
    expect(r1.counters.ttlDeletesReplicated).toBe(1);
    const skip = fakeWriteBatch();
    const r2 = await applyStreamBatch(
      records,
      { target, writeBatch: skip.writeBatch },
      { ...config, ttlDeletes: 'skip' },
      60_000,
    );
    expect(skip.calls[0]?.[0]?.type).toBe('put');
    expect(r2.counters).toMatchObject({ skipped: 1, skippedTtlDeletes: 1, applied: 1 });
  });

  it('reports the lowest sequence number of a key that keeps failing', async () => {
    const { writeBatch } = fakeWriteBatch((op) =>
      pkOf(op) === 'bad' ? { code: 'ProvisionedThroughputExceededException', retryable: true } : undefined,
    );
    const records = [
      streamRecord('INSERT', 'ok', { seq: '500' }),
      streamRecord('INSERT', 'bad', { seq: '501' }),
      streamRecord('MODIFY', 'bad', { seq: '502' }),
    ];
    const { batchItemFailures, counters } = await applyStreamBatch(
      records,
      { target, writeBatch },
      { ...config, maxPasses: 2 },
      60_000,
    );
    expect(batchItemFailures).toEqual([{ itemIdentifier: '501' }]);
    expect(counters).toMatchObject({ applied: 1, failed: 1, coalesced: 1 });
  });

  it('retries a retryable key in a later pass within the budget', async () => {
    const { writeBatch, calls } = fakeWriteBatch((op, call) =>
      pkOf(op) === 'flaky' && call === 1 ? { code: 'InternalServerError', retryable: true } : undefined,
    );
    const records = [streamRecord('INSERT', 'flaky'), streamRecord('INSERT', 'ok')];
    const { batchItemFailures, counters } = await applyStreamBatch(
      records,
      { target, writeBatch },
      config,
      60_000,
    );
    expect(batchItemFailures).toEqual([]);
    expect(calls.map((c) => c.map(pkOf))).toEqual([['flaky', 'ok'], ['flaky']]);
    expect(counters.applied).toBe(2);
  });

  it('parks a poison record in the queue whole and applies the rest', async () => {
    const { writeBatch } = fakeWriteBatch((op) =>
      pkOf(op) === 'poison' ? { code: 'ValidationException', retryable: false } : undefined,
    );
    const { sqs, sent } = fakeSqs();
    const records = [
      streamRecord('INSERT', 'poison', { seq: '700' }),
      streamRecord('INSERT', 'ok', { seq: '701' }),
      streamRecord('MODIFY', 'poison', { seq: '702', image: { x: { B: 'AAE=' } } }),
    ];
    const { batchItemFailures, counters } = await applyStreamBatch(
      records,
      { target, writeBatch, sqs },
      config,
      60_000,
    );
    expect(batchItemFailures).toEqual([]);
    expect(sent).toHaveLength(1);
    const body = JSON.parse(sent[0]?.MessageBody ?? '{}');
    expect(body.record).toEqual(records[2]);
    expect(body).toMatchObject({
      errorCode: 'ValidationException',
      attempts: 1,
      sequenceNumbers: ['700', '702'],
    });
    expect(counters).toMatchObject({ applied: 1, dlq: 2, coalesced: 0, failed: 0 });
  });

  it('blocks instead of dropping when the dead-letter queue fails', async () => {
    const { writeBatch } = fakeWriteBatch((op) =>
      pkOf(op) === 'poison' ? { code: 'ValidationException', retryable: false } : undefined,
    );
    const { sqs } = fakeSqs(true);
    const records = [
      streamRecord('INSERT', 'ok', { seq: '801' }),
      streamRecord('INSERT', 'poison', { seq: '802' }),
    ];
    const { batchItemFailures, counters } = await applyStreamBatch(
      records,
      { target, writeBatch, sqs },
      config,
      60_000,
    );
    expect(batchItemFailures).toEqual([{ itemIdentifier: '802' }]);
    expect(counters).toMatchObject({ applied: 1, failed: 1, dlq: 0 });
  });

  it('keeps blocking on non-validation client errors such as a missing table', async () => {
    const { writeBatch } = fakeWriteBatch(() => ({ code: 'ResourceNotFoundException', retryable: false }));
    const { sqs, sent } = fakeSqs();
    const records = [streamRecord('INSERT', 'a', { seq: '901' })];
    const { batchItemFailures } = await applyStreamBatch(
      records,
      { target, writeBatch, sqs },
      config,
      60_000,
    );
    expect(batchItemFailures).toEqual([{ itemIdentifier: '901' }]);
    expect(sent).toHaveLength(0);
  });

  it('fetches the current source item for KEYS_ONLY records and deletes keys that are gone', async () => {
    const { writeBatch, calls } = fakeWriteBatch();
    const reads: unknown[] = [];
    const source = fakeSdkClient({
      BatchGetItem: (input: {
        RequestItems: Record<string, { Keys: unknown[]; ConsistentRead: boolean }>;
      }) => {
        reads.push(input);
        const [table, request] = Object.entries(input.RequestItems)[0] ?? [];
        expect(request?.ConsistentRead).toBe(true);
        return { Responses: { [table as string]: [{ pk: { S: 'live' }, v: { N: '7' } }] } };
      },
    }) as never;
    const records = [
      streamRecord('INSERT', 'live', { viewType: 'KEYS_ONLY' }),
      streamRecord('MODIFY', 'gone', { viewType: 'KEYS_ONLY' }),
    ];
    const { counters } = await applyStreamBatch(records, { target, writeBatch, source }, config, 60_000);
    expect(reads).toHaveLength(1);
    expect(Object.keys((reads[0] as { RequestItems: object }).RequestItems)).toEqual([
      STREAM_ARN.slice(0, STREAM_ARN.indexOf('/stream/')),
    ]);
    const ops = calls[0] ?? [];
    expect(ops.find((op) => pkOf(op) === 'live')).toMatchObject({ type: 'put', item: { v: { N: '7' } } });
    expect(ops.find((op) => pkOf(op) === 'gone')?.type).toBe('delete');
    expect(counters).toMatchObject({ fetched: 2, applied: 2 });
  });

  it('parks an undecodable record and keeps every counter consistent', async () => {
    const { writeBatch } = fakeWriteBatch();
    const { sqs, sent } = fakeSqs();
    const bad = streamRecord('INSERT', 'x', { seq: '42' });
    (bad.dynamodb as { NewImage: unknown }).NewImage = { a: { Q: 'nope' } };
    const records = [bad, streamRecord('INSERT', 'ok')];
    const { counters, batchItemFailures } = await applyStreamBatch(
      records,
      { target, writeBatch, sqs },
      config,
      60_000,
    );
    expect(batchItemFailures).toEqual([]);
    expect(sent).toHaveLength(1);
    const c = counters;
    expect(c.skipped + c.coalesced + c.applied + c.failed + c.dlq).toBe(c.records);
  });
});

describe('applyStreamBatch record validation', () => {
  it('parks a record whose NewImage lacks its key instead of failing the batch', async () => {
    const { writeBatch, calls } = fakeWriteBatch();
    const { sqs, sent } = fakeSqs();
    const bad = streamRecord('INSERT', 'bad', { seq: '31' });
    (bad.dynamodb as { NewImage: unknown }).NewImage = { v: { S: 'no key' } };
    const { batchItemFailures, counters } = await applyStreamBatch(
      [bad, streamRecord('INSERT', 'ok', { seq: '32' })],
      { target, writeBatch, sqs },
      config,
      60_000,
    );
    expect(batchItemFailures).toEqual([]);
    expect(calls[0]?.map(pkOf)).toEqual(['ok']);
    expect(JSON.parse(sent[0]?.MessageBody ?? '{}')).toMatchObject({ errorCode: 'InvalidRecordImage' });
    expect(counters).toMatchObject({ applied: 1, dlq: 1 });
  });
});

describe('applyStreamBatch export cutoff', () => {
  const cutoff = { ...config, cutoffEpochSeconds: 1000 };

  it('ends a key whose records straddle the cutoff at its newest image, even when an older record looks later', async () => {
    const { writeBatch, calls } = fakeWriteBatch();
    // ApproximateCreationDateTime is rounded and not a sequence: the newer record of each key
    // carries the earlier-looking time.
    const records = [
      streamRecord('MODIFY', 'a', { seq: '11', createdAt: 1000, image: { v: { S: 'older' } } }),
      streamRecord('MODIFY', 'a', { seq: '12', createdAt: 999, image: { v: { S: 'newest' } } }),
      streamRecord('INSERT', 'b', { seq: '13', createdAt: 1001 }),
      streamRecord('REMOVE', 'b', { seq: '14', createdAt: 999 }),
    ];
    const { counters } = await applyStreamBatch(records, { target, writeBatch }, cutoff, 60_000);
    const ops = calls.flat();
    expect(ops.find((op) => pkOf(op) === 'a')).toMatchObject({ type: 'put', item: { v: { S: 'newest' } } });
    expect(ops.find((op) => pkOf(op) === 'b')?.type).toBe('delete');
    expect(counters).toMatchObject({ applied: 2, coalesced: 2, skipped: 0, skippedByCutoff: 0 });
    expect(ledgerOf(counters)).toEqual({ sum: 4, records: 4 });
  });

  it('skips a key only when every record of it is older than the cutoff, counting each record', async () => {
    const { writeBatch, calls } = fakeWriteBatch();
    const records = [
      streamRecord('INSERT', 'old', { createdAt: 998 }),
      streamRecord('MODIFY', 'old', { createdAt: 999 }),
      streamRecord('REMOVE', 'old', { createdAt: 999 }),
      streamRecord('MODIFY', 'mixed', { createdAt: 999, image: { v: { N: '1' } } }),
      streamRecord('MODIFY', 'mixed', { createdAt: 1000, image: { v: { N: '2' } } }),
    ];
    const { counters } = await applyStreamBatch(records, { target, writeBatch }, cutoff, 60_000);
    expect(calls.flat().map((op) => [op.type, pkOf(op)])).toEqual([['put', 'mixed']]);
    expect(counters).toMatchObject({ skipped: 3, skippedByCutoff: 3, coalesced: 1, applied: 1 });
    expect(ledgerOf(counters)).toEqual({ sum: 5, records: 5 });
  });

  it('keeps the counters adding up when a key straddling the cutoff fails or is parked', async () => {
    const { writeBatch } = fakeWriteBatch((op) =>
      pkOf(op) === 'slow'
        ? { code: 'ProvisionedThroughputExceededException', retryable: true }
        : pkOf(op) === 'poison'
          ? { code: 'ValidationException', retryable: false }
          : undefined,
    );
    const { sqs, sent } = fakeSqs();
    const records = [
      streamRecord('INSERT', 'slow', { seq: '21', createdAt: 998 }),
      streamRecord('MODIFY', 'slow', { seq: '22', createdAt: 1002 }),
      streamRecord('INSERT', 'poison', { seq: '23', createdAt: 998 }),
      streamRecord('MODIFY', 'poison', { seq: '24', createdAt: 1002 }),
    ];
    const { batchItemFailures, counters } = await applyStreamBatch(
      records,
      { target, writeBatch, sqs },
      { ...cutoff, maxPasses: 1 },
      60_000,
    );
    expect(batchItemFailures).toEqual([{ itemIdentifier: '21' }]);
    expect(JSON.parse(sent[0]?.MessageBody ?? '{}').sequenceNumbers).toEqual(['23', '24']);
    expect(counters).toMatchObject({ failed: 1, dlq: 2, coalesced: 1, skippedByCutoff: 0 });
    expect(ledgerOf(counters)).toEqual({ sum: 4, records: 4 });
  });
});
