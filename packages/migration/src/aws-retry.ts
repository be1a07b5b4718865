import { type Logger, retryCall, sdkErrorName } from '@ddb-migrate/core';

/** What {@link retryAws} needs from its caller (a StepContext fits). */
export interface RetryHost {
  sleep(ms: number): Promise<void>;
  logger: Logger;
}

/** How {@link retryAws} retries. */
export interface RetryPolicy {
  /** Extra error names that mean "busy, try again later" for this call (beyond throttles/5xx). */
  retryOn?: readonly string[];
  /** Total attempts, the first included (default 8). */
  attempts?: number;
  /** Backoff base and cap in ms (full jitter; defaults 1 s and 15 s). */
  baseMs?: number;
  maxMs?: number;
}

/**
 * Runs one AWS call, retrying throttles, 5xx, timeouts and the call's own "busy" errors (e.g.
 * ResourceInUseException while a table is UPDATING) with jittered exponential backoff. The SDK's
 * own retries (3 attempts) are too short for control-plane calls that stay busy for minutes and
 * for Describe* polling during a throttle storm. Only for calls that are safe to repeat
 * (reads, or writes made idempotent by a ClientToken or by being declarative).
 */
export async function retryAws<T>(
  host: RetryHost,
  operation: string,
  call: () => Promise<T>,
  policy: RetryPolicy = {},
): Promise<T> {
  return retryCall(call, {
    attempts: policy.attempts ?? 8,
    baseMs: policy.baseMs ?? 1000,
    maxMs: policy.maxMs ?? 15_000,
    minDelayMs: 100,
    ...(policy.retryOn ? { retryOn: policy.retryOn } : {}),
    sleep: (ms) => host.sleep(ms),
    onRetry: (error, attempt, delayMs) =>
      host.logger.warn('AWS call will be retried', {
        operation,
        error: sdkErrorName(error) ?? 'Error',
        attempt,
        delayMs,
      }),
  });
}
