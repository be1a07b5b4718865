import type { WriteOp } from '@ddb-migrate/core';
import { describe, expect, it } from 'vitest';
import type { ApplyConfig } from '../src/apply/apply-config.js';
import { applyStreamBatch } from '../src/apply/apply-stream-batch.js';
import { fakeSource, fakeWriteBatch, ledgerOf, streamRecord } from './fixtures.js';

// TTL_DELETES=skip: the target keeps an item the TTL process deleted (in the state it had when it
// expired, where the stream can tell), and a later user write of the key still replicates. This
// holds whatever the stream view type, and whether the TTL delete is in the batch or still ahead.
const skip: ApplyConfig = { targetTableId: 'target', ttlDeletes: 'skip', dlqUrl: 'http://127.0.0.1/q' };
const replicate: ApplyConfig = { ...skip, ttlDeletes: 'replicate' };
const target = { send: async () => ({}) } as never;

function opsByKey(calls: (readonly WriteOp[])[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const op of calls.flat()) {
    const pk = (op.type === 'put' ? op.item : op.key).pk?.S ?? '';
    out[pk] = op.type === 'put' ? `put ${op.item.v?.S ?? ''}` : 'delete';
  }
  return out;
}

describe('applyStreamBatch TTL deletes in skip mode, KEYS_ONLY (fetch-on-change)', () => {
  const keysOnly = { viewType: 'KEYS_ONLY' as const };

  it('keeps the item when a user write and its TTL delete coalesce and the source item is gone', async () => {
    const { writeBatch, calls } = fakeWriteBatch();
    const { source } = fakeSource({});
    const records = [
      streamRecord('MODIFY', 'a', keysOnly),
      streamRecord('REMOVE', 'a', { ...keysOnly, ttl: true }),
    ];
    const { counters, batchItemFailures } = await applyStreamBatch(
      records,
      { target, source, writeBatch },
      skip,
      60_000,
    );
    expect(batchItemFailures).toEqual([]);
    expect(opsByKey(calls)).toEqual({});
    expect(counters).toMatchObject({ skippedTtlDeletes: 1 });
    expect(ledgerOf(counters)).toEqual({ sum: 2, records: 2 });
  });

  it('keeps the item when the fetch finds it gone though its TTL delete is still ahead in the stream', async () => {
    const { writeBatch, calls } = fakeWriteBatch();
    const { source } = fakeSource({ live: { v: { S: 'now' } } });
    const records = [
      streamRecord('MODIFY', 'expired-later', keysOnly),
      streamRecord('INSERT', 'live', keysOnly),
    ];
    const { counters } = await applyStreamBatch(records, { target, source, writeBatch }, skip, 60_000);
    expect(opsByKey(calls)).toEqual({ live: 'put now' });
    expect(counters).toMatchObject({ applied: 1, skipped: 1, fetched: 2 });
    expect(ledgerOf(counters)).toEqual({ sum: 2, records: 2 });
  });

  it('still replicates user deletes and a user write after the TTL delete', async () => {
    const { writeBatch, calls } = fakeWriteBatch();
    const { source } = fakeSource({ back: { v: { S: 're-created' } } });
    const records = [
      streamRecord('REMOVE', 'back', { ...keysOnly, ttl: true }),
      streamRecord('INSERT', 'back', keysOnly),
      streamRecord('MODIFY', 'user-deleted', keysOnly),
      streamRecord('REMOVE', 'user-deleted', keysOnly),
    ];
    const { counters } = await applyStreamBatch(records, { target, source, writeBatch }, skip, 60_000);
    expect(opsByKey(calls)).toEqual({ back: 'put re-created', 'user-deleted': 'delete' });
    expect(ledgerOf(counters)).toEqual({ sum: 4, records: 4 });
  });

  it('deletes in replicate mode', async () => {
    const { writeBatch, calls } = fakeWriteBatch();
    const { source } = fakeSource({});
    const records = [
      streamRecord('MODIFY', 'a', keysOnly),
      streamRecord('REMOVE', 'a', { ...keysOnly, ttl: true }),
      streamRecord('MODIFY', 'b', keysOnly),
    ];
    const { counters } = await applyStreamBatch(records, { target, source, writeBatch }, replicate, 60_000);
    expect(opsByKey(calls)).toEqual({ a: 'delete', b: 'delete' });
    expect(counters).toMatchObject({ ttlDeletesReplicated: 1, applied: 2, coalesced: 1 });
  });
});

describe('applyStreamBatch TTL deletes in skip mode, other view types', () => {
  it('OLD_IMAGE: puts the image the item had when it expired instead of deleting it', async () => {
    const { writeBatch, calls } = fakeWriteBatch();
    const { source } = fakeSource({});
    const old = { viewType: 'OLD_IMAGE' as const };
    const records = [
      streamRecord('MODIFY', 'a', { ...old, oldImage: { v: { S: 'v0' } } }),
      streamRecord('REMOVE', 'a', { ...old, oldImage: { v: { S: 'v1' } }, ttl: true }),
    ];
    const { counters } = await applyStreamBatch(records, { target, source, writeBatch }, skip, 60_000);
    expect(opsByKey(calls)).toEqual({ a: 'put v1' });
    expect(counters).toMatchObject({ applied: 1, skippedTtlDeletes: 1 });
    expect(ledgerOf(counters)).toEqual({ sum: 2, records: 2 });
  });

  it('NEW_IMAGE: a key whose only record is a TTL delete is left alone', async () => {
    const { writeBatch, calls } = fakeWriteBatch();
    const records = [
      streamRecord('REMOVE', 'a', { viewType: 'NEW_IMAGE', ttl: true }),
      streamRecord('INSERT', 'b', { viewType: 'NEW_IMAGE', image: { v: { S: 'x' } } }),
      streamRecord('REMOVE', 'b', { viewType: 'NEW_IMAGE', ttl: true }),
    ];
    const { counters } = await applyStreamBatch(records, { target, writeBatch }, skip, 60_000);
    expect(opsByKey(calls)).toEqual({ b: 'put x' });
    expect(counters).toMatchObject({ skipped: 2, skippedTtlDeletes: 2, applied: 1 });
    expect(ledgerOf(counters)).toEqual({ sum: 3, records: 3 });
  });

  it('applies a write before the cutoff when the TTL delete that follows it is after the cutoff', async () => {
    const { writeBatch, calls } = fakeWriteBatch();
    const records = [
      streamRecord('MODIFY', 'a', { createdAt: 999, image: { v: { S: 'last' } } }),
      streamRecord('REMOVE', 'a', { createdAt: 1001, ttl: true }),
    ];
    const { counters } = await applyStreamBatch(
      records,
      { target, writeBatch },
      { ...skip, cutoffEpochSeconds: 1000 },
      60_000,
    );
    expect(opsByKey(calls)).toEqual({ a: 'put last' });
    expect(counters).toMatchObject({ applied: 1, skippedTtlDeletes: 1, skippedByCutoff: 0 });
    expect(ledgerOf(counters)).toEqual({ sum: 2, records: 2 });
  });
});
