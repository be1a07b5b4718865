import { readdir } from 'node:fs/promises';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Item, itemSizeBytes } from '@ddb-migrate/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { UnmatchedBuffer } from '../src/unmatched-buffer.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'buf-test-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const item = (i: number): Item => ({
  pk: { S: `k${i}` },
  n: { N: '1.50' },
  b: { B: new Uint8Array([0, i % 256, 255]) },
  m: { M: { bs: { BS: [new Uint8Array([1]), new Uint8Array([2, 3])] } } },
});

async function collect(buffer: UnmatchedBuffer, chunk: number): Promise<Item[][]> {
  const chunks: Item[][] = [];
  for await (const c of buffer.drain(chunk)) chunks.push(c);
  return chunks;
}

describe('UnmatchedBuffer', () => {
  it('takes an item out by key exactly once', () => {
    const buffer = new UnmatchedBuffer(dir);
    buffer.add('a', item(1));
    expect(buffer.take('a')).toEqual(item(1));
    expect(buffer.take('a')).toBeUndefined();
    expect(buffer.size).toBe(0);
  });

  it('spills the oldest items to disk and drains memory and spill file in chunks, binary intact', async () => {
    const buffer = new UnmatchedBuffer(dir);
    for (let i = 0; i < 10; i++) buffer.add(`k${i}`, item(i));
    expect(await buffer.spillOldest(4)).toBe(4);
    expect(buffer.size).toBe(6);
    expect(buffer.spilled).toBe(4);
    expect(buffer.take('k0')).toBeUndefined(); // spilled items no longer match in memory
    expect(buffer.take('k5')).toEqual(item(5));

    const chunks = await collect(buffer, 3);
    expect(chunks.map((c) => c.length)).toEqual([3, 3, 3]);
    const keys = chunks.flat().map((i) => i.pk?.S);
    expect(keys.sort()).toEqual(['k0', 'k1', 'k2', 'k3', 'k4', 'k6', 'k7', 'k8', 'k9']);
    const restored = chunks.flat().find((i) => i.pk?.S === 'k2');
    expect(restored).toEqual(item(2));
    expect(restored?.b?.B).toBeInstanceOf(Uint8Array);
  });

  it('removes its spill file after draining', async () => {
    const buffer = new UnmatchedBuffer(dir);
    buffer.add('a', item(1));
    await buffer.spillOldest(1);
    expect(await readdir(dir)).toHaveLength(1);
    await collect(buffer, 100);
    expect(await readdir(dir)).toHaveLength(0);
  });

  it('counts the DynamoDB size of the items it holds in memory and frees it as they leave', async () => {
    const buffer = new UnmatchedBuffer(dir);
    const big = { pk: { S: 'big' }, pad: { S: 'x'.repeat(300_000) } };
    buffer.add('big', big);
    buffer.add('k1', item(1));
    expect(buffer.bytes).toBe(itemSizeBytes(big) + itemSizeBytes(item(1)));
    buffer.take('k1');
    expect(buffer.bytes).toBe(itemSizeBytes(big));
    await buffer.spillOldest(1);
    expect(buffer.bytes).toBe(0);
    await buffer.dispose();
  });
});
