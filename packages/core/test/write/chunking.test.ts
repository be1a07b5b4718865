import { describe, expect, it } from 'vitest';
import { chunkEntries, dedupeOps, MAX_BATCH_OPS } from '../../src/write/chunking.js';
import type { WriteOp } from '../../src/write/write-op.js';

const names = { partitionKey: 'pk', sortKey: 'sk' };
const put = (pk: string, sk: number, v: string): WriteOp => ({
  type: 'put',
  item: { pk: { S: pk }, sk: { N: String(sk) }, v: { S: v } },
});

describe('dedupeOps', () => {
  it('keeps only the last op for each key', () => {
    const ops: WriteOp[] = [
      put('a', 1, 'first'),
      put('b', 1, 'b'),
      put('a', 1, 'second'),
      { type: 'delete', key: { pk: { S: 'b' }, sk: { N: '1' } } },
      put('a', 1, 'third'),
    ];
    const { entries, invalid, duplicates } = dedupeOps(ops, names);
    expect(invalid).toEqual([]);
    expect(duplicates).toBe(3);
    expect(entries.map((e) => e.op)).toEqual([ops[4], ops[3]]);
  });

  it('treats numerically equal keys (1 and 1.0) as the same key', () => {
    const ops: WriteOp[] = [
      { type: 'put', item: { pk: { S: 'x' }, sk: { N: '1.0' }, v: { S: 'old' } } },
      { type: 'put', item: { pk: { S: 'x' }, sk: { N: '1' }, v: { S: 'new' } } },
    ];
    const { entries } = dedupeOps(ops, names);
    expect(entries).toHaveLength(1);
    expect(entries[0]!.op).toBe(ops[1]);
  });

  it('reports ops without a usable key as non-retryable failures instead of sending them', () => {
    const missing: WriteOp = { type: 'put', item: { pk: { S: 'x' } } };
    const wrongType: WriteOp = { type: 'put', item: { pk: { BOOL: true }, sk: { N: '1' } } };
    const { entries, invalid } = dedupeOps([missing, wrongType, put('ok', 1, 'v')], names);
    expect(entries).toHaveLength(1);
    expect(invalid.map((f) => [f.op, f.retryable, f.code])).toEqual([
      [missing, false, 'InvalidKey'],
      [wrongType, false, 'InvalidKey'],
    ]);
  });
});

describe('chunkEntries', () => {
  it('cuts chunks of at most 25 entries', () => {
    const { entries } = dedupeOps(
      Array.from({ length: 60 }, (_, i) => put('p', i, 'v')),
      names,
    );
    expect(chunkEntries(entries).map((c) => c.length)).toEqual([25, 25, 10]);
  });

  it('cuts a chunk early when the byte limit would be exceeded, and gives an oversized entry its own chunk', () => {
    const sizes = [400, 400, 300, 900, 100];
    const entries = sizes.map((sizeBytes, i) => ({ key: String(i), op: put('p', i, 'v'), sizeBytes }));
    expect(chunkEntries(entries, MAX_BATCH_OPS, 1000).map((c) => c.map((e) => e.sizeBytes))).toEqual([
      [400, 400],
      [300],
      [900, 100],
    ]);
    expect(chunkEntries([{ key: 'big', op: put('p', 0, 'v'), sizeBytes: 5000 }], 25, 1000)).toHaveLength(1);
  });
});
