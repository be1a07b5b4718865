import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Item } from '@ddb-migrate/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SegmentWindow, type SideName } from '../src/segment-window.js';
import type { UnmatchedBuffer } from '../src/unmatched-buffer.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'window-test-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const item = (i: number, side: SideName): Item => ({
  pk: { S: `k${i}` },
  side: { S: side },
  bin: { B: new Uint8Array([i % 256, 0, 255]) },
  nested: { L: [{ M: { n: { N: `${i}.50` } } }] },
});

async function drainAll(buffer: UnmatchedBuffer): Promise<Item[]> {
  const out: Item[] = [];
  for await (const chunk of buffer.drain(100)) {
    expect(chunk.length).toBeLessThanOrEqual(100);
    out.push(...chunk);
  }
  return out;
}

describe('SegmentWindow', () => {
  it('keeps at most windowItems unmatched items in memory, spills the rest to disk and reads every one back', async () => {
    const windowItems = 50;
    const page = 20;
    const window = new SegmentWindow(windowItems, dir);
    // Source k0..k399 in order, target k200..k599 backwards: 200 keys in common, met late.
    const source = Array.from({ length: 400 }, (_, i) => item(i, 'source'));
    const target = Array.from({ length: 400 }, (_, i) => item(599 - i, 'target'));
    const matched: string[] = [];
    let maxAfterBound = 0;
    let maxAnytime = 0;
    let spillFileSeen = false;

    for (let p = 0; p < 400; p += page) {
      for (const [side, items] of [
        ['source', source],
        ['target', target],
      ] as const) {
        for (const it of items.slice(p, p + page)) {
          const key = it.pk!.S!;
          const counterpart = window.match(side, key, it);
          if (counterpart !== undefined) {
            expect(counterpart.pk).toEqual(it.pk);
            expect(counterpart.side?.S).not.toBe(side);
            matched.push(key);
          }
          maxAnytime = Math.max(maxAnytime, window.held);
        }
        await window.bound();
        maxAfterBound = Math.max(maxAfterBound, window.held);
        for (const file of [window.source.spillFile, window.target.spillFile]) {
          if (file !== undefined) {
            expect(existsSync(file)).toBe(true);
            expect(file.startsWith(dir)).toBe(true);
            spillFileSeen = true;
          }
        }
      }
    }

    expect(maxAfterBound).toBeLessThanOrEqual(windowItems);
    expect(maxAnytime).toBeLessThanOrEqual(windowItems + page);
    expect(spillFileSeen).toBe(true);
    expect(window.spilled).toBeGreaterThan(400); // far more than the window went to disk
    const spillFile = window.source.spillFile!;
    const lines = (await readFile(spillFile, 'utf8')).trim().split('\n');
    expect(lines.length).toBe(window.source.spilled);
    expect(JSON.parse(lines[0]!).bin).toEqual({ B: expect.any(String) }); // DynamoDB JSON, binary as base64

    const sourceLeft = await drainAll(window.source);
    const targetLeft = await drainAll(window.target);

    // Every item comes out exactly once: matched in the window, or left over (memory or disk).
    const sourceKeys = [...matched, ...sourceLeft.map((i) => i.pk!.S!)].sort();
    const targetKeys = [...matched, ...targetLeft.map((i) => i.pk!.S!)].sort();
    expect(sourceKeys).toEqual(source.map((i) => i.pk!.S!).sort());
    expect(targetKeys).toEqual(target.map((i) => i.pk!.S!).sort());
    expect(new Set(sourceKeys).size).toBe(400);
    // Read back from disk with every type intact.
    const k3 = sourceLeft.find((i) => i.pk!.S === 'k3');
    expect(k3).toEqual(item(3, 'source'));
    expect(k3?.bin?.B).toBeInstanceOf(Uint8Array);
    expect(window.held).toBe(0);
    expect(existsSync(spillFile)).toBe(false);
    expect(await readdir(dir)).toEqual([]);
  });

  it('does not spill while the window holds fewer than windowItems', async () => {
    const window = new SegmentWindow(100, dir);
    for (let i = 0; i < 100; i++) window.match('source', `k${i}`, item(i, 'source'));
    await window.bound();
    expect(window.held).toBe(100);
    expect(window.spilled).toBe(0);
    expect(window.source.spillFile).toBeUndefined();
    await window.dispose();
  });

  it('removes its spill files on dispose, even when never drained (a failed segment)', async () => {
    const window = new SegmentWindow(5, dir);
    for (let i = 0; i < 30; i++) window.match('target', `k${i}`, item(i, 'target'));
    await window.bound();
    expect(window.target.spillFile && existsSync(window.target.spillFile)).toBe(true);
    await window.dispose();
    expect(await readdir(dir)).toEqual([]);
  });

  it('keeps at most windowBytes of unmatched items in memory, however few they are (400 KB items)', async () => {
    const windowBytes = 1_000_000;
    const window = new SegmentWindow(20_000, dir, windowBytes);
    const big = (i: number): Item => ({ pk: { S: `k${i}` }, pad: { S: 'x'.repeat(390_000) } });

    for (let i = 0; i < 10; i++) {
      window.match('source', `k${i}`, big(i));
      await window.bound();
      expect(window.heldBytes).toBeLessThanOrEqual(windowBytes);
    }

    expect(window.held).toBeLessThanOrEqual(2);
    expect(window.spilled).toBeGreaterThanOrEqual(8);
    const left = await drainAll(window.source);
    expect(left.map((i) => i.pk!.S).sort()).toEqual(Array.from({ length: 10 }, (_, i) => `k${i}`).sort());
    await window.dispose();
  });
});
