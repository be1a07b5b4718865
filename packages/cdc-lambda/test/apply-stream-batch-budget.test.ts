import { describe, expect, it } from 'vitest';
import type { ApplyConfig } from '../src/apply/apply-config.js';
import { applyStreamBatch } from '../src/apply/apply-stream-batch.js';
import { ledgerOf, streamRecord } from './fixtures.js';

// Real core batchWrite over a fake target client, real timers, short budgets: 3 s left, 0.5 s
// margin, 1 s request timeout. So the engine must finish by t0 + 2.5 s and start no call after
// t0 + 1.5 s.
const REMAINING_MS = 3000;
const config: ApplyConfig = {
  targetTableId: 'target',
  ttlDeletes: 'replicate',
  safetyMarginMs: 500,
  requestTimeoutMs: 1000,
};
const LAST_START_MS = REMAINING_MS - 500 - 1000;
/** Timer slack on a shared 2-core machine. */
const SLACK_MS = 300;

type Send = (command: unknown, options?: { abortSignal?: AbortSignal }) => Promise<unknown>;

/** Applies the batch; resolves 'timed out' if the engine has not returned when the invocation would end. */
async function applyWithin(records: ReturnType<typeof streamRecord>[], send: Send) {
  const t0 = Date.now();
  const outcome = await Promise.race([
    applyStreamBatch(records, { target: { send } as never }, config, REMAINING_MS),
    new Promise<'timed out'>((r) => setTimeout(() => r('timed out'), REMAINING_MS)),
  ]);
  return { outcome, elapsed: Date.now() - t0, t0 };
}

describe('applyStreamBatch time budget', () => {
  it('returns before the deadline, reporting the keys, when a target send hangs', async () => {
    const aborted: boolean[] = [];
    const hang: Send = (_command, options) =>
      new Promise(() => {
        options?.abortSignal?.addEventListener('abort', () => aborted.push(true));
      });
    const records = [
      streamRecord('INSERT', 'a', { seq: '301' }),
      streamRecord('INSERT', 'b', { seq: '302' }),
    ];

    const { outcome, elapsed } = await applyWithin(records, hang);

    expect(outcome).not.toBe('timed out');
    if (outcome === 'timed out') return;
    expect(elapsed).toBeLessThanOrEqual(REMAINING_MS - 500 + SLACK_MS);
    expect(outcome.batchItemFailures).toEqual([{ itemIdentifier: '301' }, { itemIdentifier: '302' }]);
    expect(outcome.counters).toMatchObject({ failed: 2, applied: 0 });
    expect(ledgerOf(outcome.counters)).toEqual({ sum: 2, records: 2 });
    // Every hung request was cancelled, so none is still in flight after the invocation.
    expect(aborted.length).toBeGreaterThan(0);
  });

  it('starts no send after deadline - requestTimeout while the target keeps throttling', async () => {
    const starts: number[] = [];
    let t0 = 0;
    const throttled: Send = async (command) => {
      starts.push(Date.now() - t0);
      await new Promise((r) => setTimeout(r, 200));
      const { RequestItems } = (command as { input: { RequestItems: Record<string, unknown> } }).input;
      return { UnprocessedItems: RequestItems };
    };
    const records = [streamRecord('INSERT', 'a', { seq: '401' })];

    t0 = Date.now();
    const { outcome, elapsed } = await applyWithin(records, throttled);

    expect(outcome).not.toBe('timed out');
    if (outcome === 'timed out') return;
    expect(starts.length).toBeGreaterThan(0);
    expect(Math.max(...starts)).toBeLessThanOrEqual(LAST_START_MS + SLACK_MS);
    expect(elapsed).toBeLessThanOrEqual(REMAINING_MS - 500 + SLACK_MS);
    expect(outcome.batchItemFailures).toEqual([{ itemIdentifier: '401' }]);
  });

  it('starts no call at all when less than requestTimeout + margin is left', async () => {
    const starts: number[] = [];
    const send: Send = async () => {
      starts.push(Date.now());
      return {};
    };
    const { batchItemFailures, counters } = await applyStreamBatch(
      [streamRecord('INSERT', 'a', { seq: '501' })],
      { target: { send } as never },
      config,
      1400,
    );
    expect(starts).toEqual([]);
    expect(batchItemFailures).toEqual([{ itemIdentifier: '501' }]);
    expect(counters).toMatchObject({ failed: 1, writeCalls: 0 });
  });

  it('bounds fetch-on-change reads by the same budget', async () => {
    const hang: Send = () => new Promise(() => {});
    const records = [streamRecord('MODIFY', 'k', { seq: '601', viewType: 'KEYS_ONLY' })];
    const t0 = Date.now();
    const outcome = await Promise.race([
      applyStreamBatch(
        records,
        { target: { send: async () => ({}) } as never, source: { send: hang } as never },
        config,
        REMAINING_MS,
      ),
      new Promise<'timed out'>((r) => setTimeout(() => r('timed out'), REMAINING_MS)),
    ]);
    expect(outcome).not.toBe('timed out');
    if (outcome === 'timed out') return;
    expect(Date.now() - t0).toBeLessThanOrEqual(REMAINING_MS - 500 + SLACK_MS);
    expect(outcome.batchItemFailures).toEqual([{ itemIdentifier: '601' }]);
  });
});
