import { describe, expect, it } from 'vitest';
import { defaultCallPolicy } from '../src/aws-call.js';
import { type EngineContext, emptyCounts, type Suspect } from '../src/engine-context.js';
import {
  DEFAULT_RECHECK_ATTEMPTS,
  DEFAULT_RECHECK_DELAY_SECONDS,
  RecheckQueue,
  recheckDelaysMs,
} from '../src/recheck-queue.js';
import type { Difference } from '../src/types.js';
import { fakeTable } from './fake-table.js';

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

  it('makes producers wait once the suspects it holds reach capacityBytes (values of 400 KB items), whatever their count', async () => {
    const ctx = { ...context(), showValues: true } as EngineContext;
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const confirmed: Difference[] = [];
    const queue = new RecheckQueue(ctx, {
      delayMs: 0,
      attempts: 0,
      repair: false,
      capacity: 5_000,
      capacityBytes: 1_000_000,
      onDifference: async (d) => {
        await gate;
        confirmed.push(d);
      },
    });
    const big = (i: number): Suspect => ({
      kind: 'missing_in_target',
      key: { pk: { S: `k${i}` } },
      attributes: ['pad', 'pk'],
      source: { pk: { S: `k${i}` }, pad: { S: 'x'.repeat(300_000) } },
    });

    let accepted = 0;
    const adds = Array.from({ length: 50 }, (_, i) =>
      queue.add(big(i)).then(() => {
        accepted++;
      }),
    );
    await new Promise((resolve) => setTimeout(resolve, 50));

    // 1 MB holds three 300 KB suspects, including the batch being confirmed.
    expect(accepted).toBeGreaterThanOrEqual(1);
    expect(accepted).toBeLessThanOrEqual(4);

    release();
    await Promise.all(adds);
    await queue.drain();
    expect(confirmed).toHaveLength(50);
  });
});

describe('RecheckQueue schedule (replication lag)', () => {
  it('re-checks over about a minute by default, with growing delays, so ordinary event source mapping lag is not reported', () => {
    const delays = recheckDelaysMs(DEFAULT_RECHECK_DELAY_SECONDS * 1000, DEFAULT_RECHECK_ATTEMPTS);
    const total = delays.reduce((sum, d) => sum + d, 0);

    expect(total).toBeGreaterThanOrEqual(30_000);
    expect(total).toBeLessThanOrEqual(90_000);
    for (let i = 1; i < delays.length; i++) expect(delays[i]).toBeGreaterThanOrEqual(delays[i - 1]!);
  });

  it('clears a suspect whose target catches up after 25 s of lag with the default schedule', async () => {
    let now = 0;
    const lagged = (pk: string) => ({ pk: { S: pk }, v: { S: now >= 25_000 ? 'new' : 'old' } });
    const source = fakeTable('source', [{ pk: { S: 'k' }, v: { S: 'new' } }]);
    const target = fakeTable('target', [], { read: (pk) => lagged(pk) });
    const ctx = {
      ...context(),
      source: source.side,
      target: target.side,
      policy: defaultCallPolicy({
        sleep: async (ms: number) => {
          now += ms;
        },
      }),
    } as EngineContext;
    const confirmed: Difference[] = [];
    const queue = new RecheckQueue(ctx, {
      delayMs: DEFAULT_RECHECK_DELAY_SECONDS * 1000,
      attempts: DEFAULT_RECHECK_ATTEMPTS,
      repair: false,
      capacity: 10,
      onDifference: (d) => {
        confirmed.push(d);
      },
      now: () => now,
    });

    await queue.add({ kind: 'different', key: { pk: { S: 'k' } }, attributes: ['v'] });
    await queue.drain();

    expect(confirmed).toEqual([]);
    expect(ctx.counts).toMatchObject({ rechecked: 1, resolvedByRecheck: 1, different: 0 });
  });

  it('keeps --recheck-delay as the first delay, and still reports a difference that outlasts every re-check', async () => {
    let now = 0;
    const source = fakeTable('source', [{ pk: { S: 'k' }, v: { S: 'new' } }]);
    const target = fakeTable('target', [{ pk: { S: 'k' }, v: { S: 'old' } }]);
    const checkedAt: number[] = [];
    const ctx = {
      ...context(),
      source: {
        ...source.side,
        client: {
          send: (c: unknown) => {
            checkedAt.push(now);
            return source.side.client.send(c as never);
          },
        },
      },
      target: target.side,
      policy: defaultCallPolicy({
        sleep: async (ms: number) => {
          now += ms;
        },
      }),
    } as EngineContext;
    const confirmed: Difference[] = [];
    const queue = new RecheckQueue(ctx, {
      delayMs: 7_000,
      attempts: 3,
      repair: false,
      capacity: 10,
      onDifference: (d) => {
        confirmed.push(d);
      },
      now: () => now,
    });

    await queue.add({ kind: 'different', key: { pk: { S: 'k' } }, attributes: ['v'] });
    await queue.drain();

    expect(checkedAt).toEqual(
      recheckDelaysMs(7_000, 3).map((_, i, all) => all.slice(0, i + 1).reduce((a, b) => a + b, 0)),
    );
    expect(checkedAt[0]).toBe(7_000);
    expect(confirmed).toHaveLength(1);
  });
});
