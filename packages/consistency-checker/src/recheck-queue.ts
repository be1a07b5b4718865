import { canonicalKey, type Item, itemSizeBytes, sdkErrorName } from '@ddb-migrate/core';
import { callAws, payCapacity } from './aws-call.js';
import { classify, type EngineContext, type Suspect } from './engine-context.js';
import { BATCH_GET_LIMIT, readItems } from './read-items.js';
import { resyncKey } from './resync-key.js';
import type { Difference } from './types.js';

/** Default first re-check delay (`--recheck-delay`); later delays double. */
export const DEFAULT_RECHECK_DELAY_SECONDS = 2;
/** Default consistent re-checks per suspect: 2 + 4 + 8 + 16 + 30 s, about a minute of lag. */
export const DEFAULT_RECHECK_ATTEMPTS = 5;
/** No single wait grows past this (unless the first delay is longer). */
export const MAX_RECHECK_DELAY_MS = 30_000;
/** Default bound on the bytes of suspects held (keys, attribute names, values with showValues). */
export const DEFAULT_RECHECK_BYTES = 32 * 1024 * 1024;
/** Read-write-reread rounds of one repaired key before it is counted as not repaired. */
const REPAIR_ROUNDS = 5;
/** Keys repaired at the same time. */
const REPAIR_CONCURRENCY = 8;

/**
 * The waits before each re-check: `firstDelayMs`, then doubling, each capped at
 * max(firstDelayMs, 30 s). Defaults (2 s, 5 attempts): 2, 4, 8, 16, 30 s, a suspect is reported
 * only after about 60 s of disagreeing, which covers ordinary event source mapping lag.
 */
export function recheckDelaysMs(firstDelayMs: number, attempts: number): number[] {
  const cap = Math.max(firstDelayMs, MAX_RECHECK_DELAY_MS);
  return Array.from({ length: attempts }, (_, i) => Math.min(firstDelayMs * 2 ** i, cap));
}

/** Options of {@link RecheckQueue}. */
export interface RecheckQueueOptions {
  /** Wait before the first re-check; later waits double (see {@link recheckDelaysMs}). */
  delayMs: number;
  /** Consistent re-reads before a suspect is confirmed; 0 confirms suspects as seen. */
  attempts: number;
  repair: boolean;
  /** Suspects held before `add` waits (keeps memory bounded when the tables differ a lot). */
  capacity: number;
  /** Bytes of suspects held (those being re-read included) before `add` waits. Default 32 MiB. */
  capacityBytes?: number;
  onDifference: (difference: Difference) => void | Promise<void>;
  now?: () => number;
}

interface Pending extends Suspect {
  dueAt: number;
  attempt: number;
  bytes: number;
}

/**
 * Suspected differences wait (replication lag), then both sides are re-read with consistent reads
 * (BatchGetItem, ConsistentRead) up to `attempts` times with growing waits; only what still
 * differs is confirmed, optionally repaired, and handed to `onDifference`. One worker, batches of
 * 100. Suspects wait in one FIFO per attempt (each is in due order, since its wait is fixed).
 */
export class RecheckQueue {
  private readonly queues: Pending[][] = [];
  private readonly delays: number[];
  private count = 0;
  private heldBytes = 0;
  private worker?: Promise<void>;
  private failure?: unknown;
  private spaceWaiters: (() => void)[] = [];
  private readonly now: () => number;
  private readonly capacityBytes: number;

  constructor(
    private readonly ctx: EngineContext,
    private readonly options: RecheckQueueOptions,
  ) {
    this.now = options.now ?? Date.now;
    this.capacityBytes = options.capacityBytes ?? DEFAULT_RECHECK_BYTES;
    this.delays = recheckDelaysMs(options.delayMs, options.attempts);
  }

  /** Queues a suspect; waits while the queue is full (by count or bytes). Throws the worker's failure. */
  async add(suspect: Suspect): Promise<void> {
    if (this.failure) throw this.failure;
    const bytes = suspectBytes(suspect);
    // One suspect always gets in, however large, so the queue never waits for itself.
    while (
      this.count >= this.options.capacity ||
      (this.heldBytes > 0 && this.heldBytes + bytes > this.capacityBytes)
    ) {
      await new Promise<void>((resolve) => this.spaceWaiters.push(resolve));
      if (this.failure) throw this.failure;
    }
    this.heldBytes += bytes;
    // Without re-checks a suspect is confirmed as seen (still batched, for repair writes).
    this.push({ ...suspect, dueAt: this.now() + (this.delays[0] ?? 0), attempt: 0, bytes });
    this.worker ??= this.run().finally(() => {
      this.worker = undefined;
    });
  }

  /** Waits until every queued suspect is confirmed or cleared. */
  async drain(): Promise<void> {
    while (this.worker) await this.worker;
    if (this.failure) throw this.failure;
  }

  private push(pending: Pending): void {
    const queue = this.queues[pending.attempt] ?? [];
    this.queues[pending.attempt] = queue;
    queue.push(pending);
    this.count++;
  }

  /** The queue whose head is due first. */
  private nextQueue(): Pending[] | undefined {
    let best: Pending[] | undefined;
    for (const queue of this.queues) {
      if (queue && queue.length > 0 && (!best || queue[0]!.dueAt < best[0]!.dueAt)) best = queue;
    }
    return best;
  }

  private async run(): Promise<void> {
    try {
      for (let queue = this.nextQueue(); queue; queue = this.nextQueue()) {
        const wait = queue[0]!.dueAt - this.now();
        if (wait > 0) await this.ctx.policy.sleep(wait);
        const now = this.now();
        const batch: Pending[] = [];
        for (let q = this.nextQueue(); q && batch.length < BATCH_GET_LIMIT; q = this.nextQueue()) {
          if (q[0]!.dueAt > now) break;
          batch.push(q.shift()!);
          this.count--;
        }
        this.wakeAdders();
        if (batch.length === 0) continue;
        try {
          if (this.options.attempts > 0) await this.recheck(batch);
          else await this.confirm(batch);
        } finally {
          // Bytes are held until the batch is done with (re-queued suspects carry theirs again).
          for (const suspect of batch) this.heldBytes -= suspect.bytes;
          this.wakeAdders();
        }
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
      const attempt = suspect.attempt + 1;
      if (attempt < this.options.attempts) {
        const bytes = suspectBytes(still);
        this.heldBytes += bytes;
        this.push({ ...still, dueAt: this.now() + this.delays[attempt]!, attempt, bytes });
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
   * Re-syncs each key from the source's current state the way `replay-dlq` does ({@link resyncKey}:
   * consistent read, write, consistent re-read until both reads agree), so a key CDC updated during
   * the repair is never left with the older image. A key that keeps changing, or whose write the
   * target refuses, is counted in `repairFailed` and left to CDC; returns the keys repaired.
   */
  private async repair(suspects: Suspect[]): Promise<Set<string>> {
    const { ctx } = this;
    const { policy } = ctx;
    const fixed = new Set<string>();
    const call = <T>(operation: string, send: () => Promise<T>) => callAws(operation, policy, send);
    const onSourceRead = async (units: number) => {
      ctx.consumed.source += units;
      await payCapacity(ctx.source.rcuBucket, Math.max(units, 1), policy.signal);
    };
    let next = 0;
    const worker = async () => {
      while (next < suspects.length) {
        const { key } = suspects[next++]!;
        try {
          await resyncKey(ctx.source, ctx.target, key, { rounds: REPAIR_ROUNDS, call, onSourceRead });
          fixed.add(canonicalKey(key, ctx.keyNames));
          ctx.counts.repaired++;
        } catch (error) {
          if (policy.signal?.aborted) throw error;
          ctx.counts.repairFailed++;
          policy.logger.warn('repair of a key failed; left to CDC and a later verify', {
            error: sdkErrorName(error) ?? (error as Error).name,
            message: (error as Error).message,
          });
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(REPAIR_CONCURRENCY, suspects.length) }, worker));
    return fixed;
  }
}

/** Memory a suspect holds, by DynamoDB's item size (keys, attribute names, values if kept). */
function suspectBytes(suspect: Suspect): number {
  let bytes = 64 + itemSizeBytes(suspect.key);
  for (const name of suspect.attributes) bytes += name.length;
  if (suspect.source) bytes += itemSizeBytes(suspect.source);
  if (suspect.target) bytes += itemSizeBytes(suspect.target);
  return bytes;
}
