import { sdkErrorName } from '../sdk-error.js';
import { backoffDelayMs, isRetryableError, sleep as defaultSleep } from './backoff.js';

/** Options of {@link retryCall}. */
export interface RetryCallOptions {
  /** Total attempts, the first included. */
  attempts: number;
  /** Full-jitter backoff: cap of the first retry's delay, and of any delay. */
  baseMs: number;
  maxMs: number;
  /** Lower bound of a delay (jitter may otherwise pick ~0). Default 0. */
  minDelayMs?: number;
  /** Error names retried besides throttles, 5xx and network errors (e.g. ResourceInUseException). */
  retryOn?: readonly string[];
  /** Injectable for tests; default a real timer. */
  sleep?: (ms: number) => Promise<void>;
  /** Checked before every attempt. */
  signal?: AbortSignal;
  /** Called before each retry's delay. */
  onRetry?: (error: unknown, attempt: number, delayMs: number) => void;
}

/**
 * Runs `call`, retrying throttles, transient faults and the `retryOn` errors with full-jitter
 * backoff. Throws the last error unchanged once it is not retryable or the attempts are spent,
 * so callers wrap it as they need. Only for calls that are safe to repeat.
 *
 * @example
 * const page = await retryCall(() => streams.send(cmd), { attempts: 12, baseMs: 200, maxMs: 5000, retryOn: ['LimitExceededException'] });
 */
export async function retryCall<T>(call: () => Promise<T>, opts: RetryCallOptions): Promise<T> {
  const sleep = opts.sleep ?? ((ms: number) => defaultSleep(ms));
  for (let attempt = 1; ; attempt += 1) {
    opts.signal?.throwIfAborted();
    try {
      return await call();
    } catch (error) {
      if (attempt >= opts.attempts || !isRetryableCallError(error, opts.retryOn)) throw error;
      const delay = Math.max(
        opts.minDelayMs ?? 0,
        backoffDelayMs(attempt, { baseMs: opts.baseMs, maxMs: opts.maxMs }),
      );
      opts.onRetry?.(error, attempt, delay);
      await sleep(delay);
    }
  }
}

/** True when {@link retryCall} would retry `error` (given the same `retryOn`). */
export function isRetryableCallError(error: unknown, retryOn: readonly string[] = []): boolean {
  const name = sdkErrorName(error);
  return (name !== undefined && retryOn.includes(name)) || isRetryableError(error);
}
