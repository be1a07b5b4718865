import { describe, expect, it } from 'vitest';
import { defaultCallPolicy } from '../src/aws-call.js';
import { type EngineContext, emptyCounts, type Suspect } from '../src/engine-context.js';
import { RecheckQueue } from '../src/recheck-queue.js';
import type { Difference } from '../src/types.js';

/** A context for a queue that confirms without reading (attempts 0, no repair): no AWS at all. */
function context(): EngineContext {
  return {
    keyNames: { partitionKey: 'pk' },
    policy: defaultCallPolicy(),
    counts: emptyCounts(),
    consumed: { source: 0, target: 0 },
    showValues: false,
  } as unknown as EngineContext;
}

const suspect = (i: number): Suspect => ({
  kind: i % 2 ? 'missing_in_target' : 'extra_in_target',
  key: { pk: { S: `k${i}` } },
  attributes: ['pk'],
});

describe('RecheckQueue', () => {
  it('makes producers wait while it holds `capacity` suspects, then confirms every one', async () => {
    const ctx = context();
    const capacity = 10;
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const confirmed: Difference[] = [];
    const queue = new RecheckQueue(ctx, {
      delayMs: 0,
      attempts: 0,
      repair: false,
      capacity,
      onDifference: async (d) => {
        await gate; // a slow report writer
        confirmed.push(d);
      },
    });

    let accepted = 0;
    const adds = Array.from({ length: 500 }, (_, i) =>
      queue.add(suspect(i)).then(() => {
        accepted++;
      }),
    );
    await new Promise((resolve) => setTimeout(resolve, 50));

    // Held: at most `capacity` waiting plus the one batch (<= 100) being confirmed; the rest wait.
    expect(accepted).toBeGreaterThanOrEqual(capacity);
    expect(accepted).toBeLessThanOrEqual(capacity + 100);
    expect(confirmed).toHaveLength(0);

    release();
    await Promise.all(adds);
    await queue.drain();
    expect(accepted).toBe(500);
    expect(confirmed).toHaveLength(500);
    expect(new Set(confirmed.map((d) => d.key.pk!.S)).size).toBe(500);
    expect(ctx.counts.missingInTarget + ctx.counts.extraInTarget).toBe(500);
  });
});
