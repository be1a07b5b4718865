import { batchWrite, canonicalKey, type Item, type WriteOp } from '@ddb-migrate/core';
import { classify, type EngineContext, type Suspect } from './engine-context.js';
import { BATCH_GET_LIMIT, readItems } from './read-items.js';
import type { Difference } from './types.js';

/** Options of {@link RecheckQueue}. */
export interface RecheckQueueOptions {
  delayMs: number;
  /** Consistent re-reads before a suspect is confirmed; 0 confirms suspects as seen. */
  attempts: number;
  repair: boolean;
  /** Suspects held before `add` waits (keeps memory bounded when the tables differ a lot). */
  capacity: number;
  onDifference: (difference: Difference) => void | Promise<void>;
  now?: () => number;
}

interface Pending extends Suspect {
  dueAt: number;
  attempt: number;
}

/**
 * Suspected differences wait `delayMs` (replication lag), then both sides are re-read with
 * consistent reads (BatchGetItem, ConsistentRead) up to `attempts` times; only what still differs
 * is confirmed, optionally repaired, and handed to `onDifference`. One worker, batches of 100.
 */
export class RecheckQueue {
  private readonly pending: Pending[] = [];
  private worker?: Promise<void>;
  private failure?: unknown;
  private spaceWaiters: (() => void)[] = [];
  private readonly now: () => number;

  constructor(
    private readonly ctx: EngineContext,
    private readonly options: RecheckQueueOptions,
  ) {
    this.now = options.now ?? Date.now;
  }

  /** Queues a suspect; waits while the queue is full. Throws the worker's failure, if any. */
  async add(suspect: Suspect): Promise<void> {
    if (this.failure) throw this.failure;
    while (this.pending.length >= this.options.capacity) {
      await new Promise<void>((resolve) => this.spaceWaiters.push(resolve));
      if (this.failure) throw this.failure;
    }
    // Without re-checks a suspect is confirmed as seen (still batched, for repair writes).
    const delay = this.options.attempts > 0 ? this.options.delayMs : 0;
    this.pending.push({ ...suspect, dueAt: this.now() + delay, attempt: 0 });
    this.worker ??= this.run().finally(() => {
      this.worker = undefined;
    });
  }

  /** Waits until every queued suspect is confirmed or cleared. */
  async drain(): Promise<void> {
    while (this.worker) await this.worker;
    if (this.failure) throw this.failure;
  }

  private async run(): Promise<void> {
    try {
      while (this.pending.length > 0) {
        const wait = this.pending[0]!.dueAt - this.now();
        if (wait > 0) await this.ctx.policy.sleep(wait);
        const now = this.now();
        const batch: Pending[] = [];
        while (batch.length < BATCH_GET_LIMIT && this.pending.length > 0 && this.pending[0]!.dueAt <= now) {
          batch.push(this.pending.shift()!);
        }
        this.wakeAdders();
        if (batch.length === 0) continue;
        if (this.options.attempts > 0) await this.recheck(batch);
        else await this.confirm(batch);
      }
    } catch (error) {
      this.failure = error;
      this.wakeAdders();
    }
  }

  private wakeAdders(): void {
    const waiters = this.spaceWaiters;
    this.spaceWaiters = [];
    for (const wake of waiters) wake();
  }

  private async recheck(batch: Pending[]): Promise<void> {
    const { ctx } = this;
    const current = await this.readBoth(batch.map((s) => s.key));
    const confirmed: Suspect[] = [];
    for (const suspect of batch) {
      if (suspect.attempt === 0) ctx.counts.rechecked++;
      const canonical = canonicalKey(suspect.key, ctx.keyNames);
      const source = current.source.get(canonical);
      const target = current.target.get(canonical);
      const still = classify(suspect.key, source, target, ctx.showValues);
      if (still === undefined) {
        ctx.counts.resolvedByRecheck++;
        if (source !== undefined) ctx.counts.matched++;
        continue;
      }
      if (suspect.attempt + 1 < this.options.attempts) {
        this.pending.push({
          ...still,
          dueAt: this.now() + this.options.delayMs,
          attempt: suspect.attempt + 1,
        });
      } else {
        confirmed.push(still);
      }
    }
    if (confirmed.length > 0) await this.confirm(confirmed);
  }

  private async readBoth(keys: Item[]) {
    const { ctx } = this;
    const opts = { consistent: true, policy: ctx.policy };
    const [source, target] = await Promise.all([
      readItems(ctx.source, keys, ctx.keyNames, opts),
      readItems(ctx.target, keys, ctx.keyNames, opts),
    ]);
    ctx.consumed.source += source.consumedRcu;
    ctx.consumed.target += target.consumedRcu;
    return { source: source.items, target: target.items };
  }

  /** Counts, optionally repairs, and emits confirmed differences. */
  private async confirm(suspects: Suspect[]): Promise<void> {
    const { ctx } = this;
    for (const s of suspects) {
      if (s.kind === 'missing_in_target') ctx.counts.missingInTarget++;
      else if (s.kind === 'extra_in_target') ctx.counts.extraInTarget++;
      else ctx.counts.different++;
    }
    const repaired = this.options.repair ? await this.repair(suspects) : undefined;
    for (const s of suspects) {
      const difference: Difference = { kind: s.kind, key: s.key, attributes: s.attributes };
      if (ctx.showValues) {
        if (s.source) difference.source = s.source;
        if (s.target) difference.target = s.target;
      }
      if (repaired) difference.repaired = repaired.has(canonicalKey(s.key, ctx.keyNames));
      await this.options.onDifference(difference);
    }
  }

  /**
   * Writes the source's current item (consistent read) to the target, or deletes the target's
   * item when the source has none, then re-reads both sides; returns the keys that now agree.
   */
  private async repair(suspects: Suspect[]): Promise<Set<string>> {
    const { ctx } = this;
    const keys = suspects.map((s) => s.key);
    const fixed = new Set<string>();
    for (let i = 0; i < keys.length; i += BATCH_GET_LIMIT) {
      const chunk = keys.slice(i, i + BATCH_GET_LIMIT);
      const read = await readItems(ctx.source, chunk, ctx.keyNames, { consistent: true, policy: ctx.policy });
      ctx.consumed.source += read.consumedRcu;
      const ops: WriteOp[] = chunk.map((key) => {
        const item = read.items.get(canonicalKey(key, ctx.keyNames));
        return item ? { type: 'put', item } : { type: 'delete', key };
      });
      const result = await batchWrite(ctx.target.client, ops, {
        tableName: ctx.target.tableName,
        keyNames: ctx.keyNames,
        logger: ctx.policy.logger,
        signal: ctx.policy.signal,
      });
      if (result.failed.length > 0) {
        ctx.policy.logger.warn('repair writes failed', { failed: result.failed.length });
      }
      const after = await this.readBoth(chunk);
      for (const key of chunk) {
        const canonical = canonicalKey(key, ctx.keyNames);
        if (classify(key, after.source.get(canonical), after.target.get(canonical), false) === undefined) {
          fixed.add(canonical);
          ctx.counts.repaired++;
        } else {
          ctx.counts.repairFailed++;
        }
      }
    }
    return fixed;
  }
}
