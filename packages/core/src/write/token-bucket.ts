import { sleep } from './backoff.js';

/**
 * A token bucket for write capacity: refills `ratePerSecond` tokens a second up to `burst`.
 * `take(n)` waits until the bucket is non-negative, then subtracts `n`; a take larger than the
 * burst is allowed by going into debt (a 400 KB item costs 400 WCU even at `--max-wcu 100`), and
 * later takes wait until the debt is repaid, so the long-run rate holds.
 * Waiters are served in order (FIFO), so a large take is not starved by small ones.
 *
 * @example
 * const bucket = new TokenBucket(500); // 500 WCU/s, burst 500
 * await bucket.take(Math.ceil(itemSizeBytes(item) / 1024), signal);
 */
export class TokenBucket {
  readonly ratePerSecond: number;
  readonly burst: number;
  private tokens: number;
  private last: number;
  private queue: Promise<void> = Promise.resolve();
  private readonly now: () => number;

  constructor(ratePerSecond: number, burst?: number, now: () => number = () => performance.now()) {
    if (!(ratePerSecond > 0)) throw new RangeError(`TokenBucket rate must be > 0, got ${ratePerSecond}`);
    this.ratePerSecond = ratePerSecond;
    this.burst = Math.max(burst ?? ratePerSecond, 1);
    this.tokens = this.burst;
    this.now = now;
    this.last = now();
  }

  /** Tokens available right now (negative while in debt). */
  available(): number {
    this.refill();
    return this.tokens;
  }

  /** Waits for capacity, then consumes `n` tokens. Rejects with the signal's reason on abort. */
  take(n: number, signal?: AbortSignal): Promise<void> {
    const turn = this.queue.then(() => this.takeNow(n, signal));
    // The next waiter starts after this one, whether it succeeded or was aborted.
    this.queue = turn.catch(() => undefined);
    return turn;
  }

  private async takeNow(n: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) throw signal.reason;
    // An oversized take waits for a full bucket, then goes into debt by n - burst.
    const needed = Math.min(n, this.burst);
    for (;;) {
      this.refill();
      if (this.tokens >= needed) {
        this.tokens -= n;
        return;
      }
      const waitMs = Math.max(1, Math.ceil(((needed - this.tokens) / this.ratePerSecond) * 1000));
      await sleep(waitMs, signal);
    }
  }

  private refill(): void {
    const t = this.now();
    const elapsed = (t - this.last) / 1000;
    this.last = t;
    this.tokens = Math.min(this.burst, this.tokens + elapsed * this.ratePerSecond);
  }
}
