import { type Item, itemSizeBytes, TokenBucket } from '@ddb-migrate/core';
import { generateItems } from '@ddb-migrate/test-kit';
import { describe, expect, it } from 'vitest';
import { type TableSide, verifyTables } from '../src/index.js';
import { createSides, putAll } from './fixtures.js';

/** A real TokenBucket that records what the engine pays into it and when each payment was granted. */
class RecordingBucket extends TokenBucket {
  readonly created = performance.now();
  readonly grants: { units: number; at: number }[] = [];

  override async take(n: number, signal?: AbortSignal): Promise<void> {
    await super.take(n, signal);
    // Measured after the grant, so never earlier than it: the bounds below only get looser.
    this.grants.push({ units: n, at: performance.now() });
  }

  get paid(): number {
    return this.grants.reduce((sum, g) => sum + g.units, 0);
  }
}

/** Scans return at most `limit` items a page: many small payments instead of one per segment. */
function smallPages(side: TableSide, limit: number): TableSide {
  side.client.middlewareStack.add(
    (next) => async (args) => {
      if ((args as { input: { TotalSegments?: number } }).input.TotalSegments !== undefined) {
        args.input = { ...(args.input as object), Limit: limit };
      }
      return next(args);
    },
    { step: 'initialize', name: 'smallPages' },
  );
  return side;
}

describe('verifyTables --max-rcu pacing', () => {
  it("keeps each side's read rate (the capacity the engine charges per page) under its RCU cap", async () => {
    const { source, target } = await createSides();
    // 160 items of ~2 KB: each 10-item page is estimated at ceil(20 KB / 4 KB) / 2 = 2.5 RCU,
    // above the 1.0 moto reports, so the engine charges ~40 RCU per side.
    const items: Item[] = generateItems(160, { seed: 21, sk: 'sk' }).map((item, i) => ({
      pk: item.pk!,
      sk: item.sk!,
      body: { S: `${i}:`.padEnd(2_000, 'x') },
    }));
    await Promise.all([putAll(source, items), putAll(target, items)]);
    const rate = 8;
    const burst = 8;
    const buckets = { source: new RecordingBucket(rate, burst), target: new RecordingBucket(rate, burst) };

    const summary = await verifyTables({
      source: { ...smallPages(source, 10), rcuBucket: buckets.source },
      target: { ...smallPages(target, 10), rcuBucket: buckets.target },
      totalSegments: 2,
      recheckDelaySeconds: 0,
      concurrency: 2,
    });
    const finished = performance.now();

    expect(summary).toMatchObject({ identical: true, matched: 160, sourceScanned: 160, targetScanned: 160 });
    // What the engine charges: the larger of reported (moto: 1.0 a page) and estimated from sizes.
    const bytes = items.reduce((sum, item) => sum + itemSizeBytes(item), 0);
    for (const side of ['source', 'target'] as const) {
      const bucket = buckets[side];
      expect(bucket.grants.length).toBeGreaterThanOrEqual(16); // one payment per page, >= 16 pages
      expect(bucket.paid).toBeGreaterThanOrEqual(bytes / 8192); // at least the estimate of 0.5 RCU / 4 KB
      expect(bucket.paid).toBeGreaterThanOrEqual(summary.consumedRcu[side]); // never below what was reported
      expect(bucket.paid).toBeGreaterThan(3 * burst); // so the cap must have made the scan wait

      // Token bucket invariant from the start: by any grant, at most burst + rate x elapsed was paid
      // before it. Grant times are measured late, never early, so load cannot make this fail.
      let before = 0;
      for (const grant of bucket.grants) {
        const elapsed = (grant.at - bucket.created) / 1000;
        expect(before).toBeLessThanOrEqual(burst + rate * elapsed + 1e-6);
        before += grant.units;
      }
      // The engine waits for its payments: the verify cannot finish before the cap allows.
      const last = bucket.grants.at(-1)!.units;
      const minimumSeconds = (bucket.paid - last - burst) / rate;
      expect(minimumSeconds).toBeGreaterThan(2);
      expect((finished - bucket.created) / 1000).toBeGreaterThanOrEqual(minimumSeconds);
    }
  });
});
