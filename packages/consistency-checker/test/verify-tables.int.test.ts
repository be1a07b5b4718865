import { UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { extractKey, type Item, type TokenBucket } from '@ddb-migrate/core';
import { compareTables, generateItems } from '@ddb-migrate/test-kit';
import { describe, expect, it } from 'vitest';
import { type Difference, mergeSummaries, type TableSide, verifyTables } from '../src/index.js';
import {
  createSides,
  describeDifference,
  KEY_NAMES,
  putAll,
  seedWithDifferences,
  withProbes,
} from './fixtures.js';

async function run(
  source: TableSide,
  target: TableSide,
  options: Partial<Parameters<typeof verifyTables>[0]> = {},
) {
  const differences: Difference[] = [];
  const summary = await verifyTables({
    source,
    target,
    totalSegments: 4,
    recheckDelaySeconds: 0,
    recheckAttempts: 1,
    onDifference: (d) => {
      differences.push(d);
    },
    ...options,
  });
  return { summary, found: differences.map(describeDifference).sort(), differences };
}

/** Makes a client's Scan read segment (i + 1) % N when asked for i: keys no longer share segment numbers. */
function misalignSegments(side: TableSide): TableSide {
  side.client.middlewareStack.add(
    (next) => async (args) => {
      const input = args.input as { Segment?: number; TotalSegments?: number };
      if (input.Segment !== undefined && input.TotalSegments !== undefined) {
        args.input = { ...input, Segment: (input.Segment + 1) % input.TotalSegments };
      }
      return next(args);
    },
    { step: 'initialize', name: 'misalignSegments' },
  );
  return side;
}

describe('verifyTables', () => {
  it('finds every injected difference exactly, and none of the DynamoDB-equal variants', async () => {
    const { source, target } = await createSides();
    const seeded = await seedWithDifferences(source, target);

    const { summary, found } = await run(source, target);

    expect(found).toEqual(seeded.expected);
    expect(summary).toMatchObject({
      sourceScanned: seeded.sourceCount,
      targetScanned: seeded.targetCount,
      matched: seeded.equalKeys,
      missingInTarget: 2,
      extraInTarget: 2,
      different: 5,
      differences: 9,
      identical: false,
      complete: true,
    });
    // moto puts a key in the same segment of both tables: only one-sided keys need point reads.
    expect(summary.pointReads).toBe(4);
  });

  it('stays exact when keys fall in different segments in the two tables, with a tiny spill window', async () => {
    const { source, target } = await createSides();
    const seeded = await seedWithDifferences(source, target);

    const { summary, found } = await run(source, misalignSegments(target), { windowItems: 8 });

    expect(found).toEqual(seeded.expected);
    expect(summary.matched).toBe(seeded.equalKeys);
    expect(summary.pointReads).toBeGreaterThan(seeded.sourceCount); // everything was confirmed by point reads
    expect(summary.spilled).toBeGreaterThan(0);
  });

  it('reports identical tables as identical', async () => {
    const { source, target } = await createSides();
    const items = generateItems(60, { seed: 2, sk: 'sk' });
    await Promise.all([putAll(source, items), putAll(target, items)]);

    const { summary, found } = await run(source, target);

    expect(found).toEqual([]);
    expect(summary).toMatchObject({ identical: true, matched: 60, differences: 0, rechecked: 0 });
  });

  it('tolerates replication lag with a re-check delay, and reports the lag without re-checks', async () => {
    const { source, target } = await createSides();
    const items = generateItems(90, { seed: 3, sk: 'sk' }).map(withProbes);
    await Promise.all([putAll(source, items), putAll(target, items)]);
    const lagMs = 3_000;

    // A background "CDC": each change lands on the source now and on the target lagMs later.
    const startWriter = (round: number) => {
      const applied: Promise<unknown>[] = [];
      const changed = items.slice(0, 20).map((item) => extractKey(item, KEY_NAMES));
      const write = (side: TableSide, key: Item) =>
        side.client.send(
          new UpdateItemCommand({
            TableName: side.tableName,
            Key: key,
            UpdateExpression: 'SET score = :v',
            ExpressionAttributeValues: { ':v': { N: String(100 + round) } },
          }),
        );
      const done = (async () => {
        for (const key of changed) {
          await write(source, key);
          applied.push(new Promise((r) => setTimeout(r, lagMs)).then(() => write(target, key)));
        }
      })();
      return { changed, settled: () => done.then(() => Promise.all(applied)) };
    };

    const lagging = startWriter(1);
    const withoutRecheck = await run(source, target, { recheckAttempts: 0 });
    await lagging.settled();
    expect(withoutRecheck.summary.different).toBeGreaterThan(0);
    const changedKeys = new Set(lagging.changed.map((k) => JSON.stringify(k)));
    for (const d of withoutRecheck.differences) {
      expect(d.kind).toBe('different');
      expect(d.attributes).toEqual(['score']);
      expect(changedKeys.has(JSON.stringify(d.key))).toBe(true);
    }

    const laggingAgain = startWriter(2);
    const withRecheck = await run(source, target, { recheckDelaySeconds: 4, recheckAttempts: 2 });
    await laggingAgain.settled();
    expect(withRecheck.found).toEqual([]);
    expect(withRecheck.summary.rechecked).toBeGreaterThan(0);
    expect(withRecheck.summary.resolvedByRecheck).toBe(withRecheck.summary.rechecked);
    expect(withRecheck.summary.identical).toBe(true);
  });

  it('repairs every difference so that the tables end identical', async () => {
    const { source, target, sourceClient, targetClient } = await createSides();
    await seedWithDifferences(source, target);

    const { summary, differences } = await run(source, target, { repair: true });

    expect(summary).toMatchObject({ differences: 9, repaired: 9, repairFailed: 0, remaining: 0 });
    expect(differences.every((d) => d.repaired === true)).toBe(true);
    const diff = await compareTables(sourceClient, source.tableName, targetClient, target.tableName);
    expect(diff).toMatchObject({ missingInTarget: [], extraInTarget: [], different: [] });
    expect((await run(source, target)).summary.identical).toBe(true);
  });

  it('gives the same result split into segment ranges and merged as in one run', async () => {
    const { source, target } = await createSides();
    await seedWithDifferences(source, target);

    const single = await run(source, target, { totalSegments: 6 });
    const parts = [];
    const found: string[] = [];
    for (const [first, last] of [
      [0, 1],
      [2, 4],
      [5, 5],
    ] as const) {
      const part = await run(source, target, { totalSegments: 6, segmentRange: { first, last } });
      expect(part.summary.complete).toBe(false);
      parts.push(part.summary);
      found.push(...part.found);
    }
    const merged = mergeSummaries(parts);

    const counts = (s: typeof merged) => ({
      sourceScanned: s.sourceScanned,
      targetScanned: s.targetScanned,
      matched: s.matched,
      missingInTarget: s.missingInTarget,
      extraInTarget: s.extraInTarget,
      different: s.different,
      complete: s.complete,
    });
    expect(counts(merged)).toEqual(counts(single.summary));
    expect(found.sort()).toEqual(single.found);
  });

  it("scans only a sample of the segments, and pays each side's reads into its own RCU cap", async () => {
    const { source, target } = await createSides();
    const items = generateItems(80, { seed: 4, sk: 'sk' });
    await Promise.all([putAll(source, items), putAll(target, items)]);
    const paid = { source: 0, target: 0 };
    const bucket = (side: 'source' | 'target') =>
      ({
        take: async (n: number) => {
          paid[side] += n;
        },
      }) as unknown as TokenBucket;

    const { summary } = await run(
      { ...source, rcuBucket: bucket('source') },
      { ...target, rcuBucket: bucket('target') },
      { sample: 0.5 },
    );

    expect(summary.segments).toEqual([0, 2]);
    expect(summary.complete).toBe(false);
    expect(summary.sourceScanned).toBeGreaterThan(0);
    expect(summary.sourceScanned).toBeLessThan(80);
    expect(summary.matched).toBe(summary.sourceScanned);
    expect(paid.source).toBeGreaterThan(0);
    expect(paid.target).toBeGreaterThan(0);
    expect(summary.consumedRcu.source).toBeGreaterThan(0); // moto reports (made-up) consumed capacity
  });

  it('refuses unknown tables and different key schemas before scanning', async () => {
    const { source, target } = await createSides();
    await expect(run(source, { ...target, tableName: 'no-such-table' })).rejects.toMatchObject({
      name: 'PreflightError',
      code: 'TABLE_NOT_FOUND',
    });
    const { createTable } = await import('@ddb-migrate/test-kit');
    const other = await createTable(target.client, { partitionKey: { name: 'pk', type: 'N' } });
    await expect(run(source, { ...target, tableName: other.name })).rejects.toMatchObject({
      code: 'KEY_SCHEMA_MISMATCH',
    });
  });
});
