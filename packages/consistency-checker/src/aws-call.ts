import {
  AwsCallError,
  isRetryableError,
  isThrottlingError,
  type Logger,
  noopLogger,
  retryCall,
  sdkErrorName,
  type TokenBucket,
} from '@ddb-migrate/core';

/** How calls are retried; shared by scans, point reads and re-checks. */
export interface CallPolicy {
  maxAttempts: number;
  logger: Logger;
  signal?: AbortSignal;
  sleep: (ms: number) => Promise<void>;
  /**
   * Called before each retry, `throttled` when the failure was a throttle. Only failures that reach
   * the engine are seen: give the SDK client `maxAttempts: 1` to make these counts complete.
   */
  onRetry?: (throttled: boolean) => void;
  /** Called with the number of keys a BatchGetItem returned unprocessed (asked for again). */
  onUnprocessed?: (keys: number) => void;
}

export const defaultSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export function defaultCallPolicy(partial: Partial<CallPolicy> = {}): CallPolicy {
  return { maxAttempts: 8, logger: noopLogger, sleep: defaultSleep, ...partial };
}

/**
 * Runs one AWS call, retrying throttles and transient faults with full-jitter backoff; other
 * errors (and the last retryable one) become an {@link AwsCallError}.
 */
export async function callAws<T>(operation: string, policy: CallPolicy, call: () => Promise<T>): Promise<T> {
  try {
    return await retryCall(call, {
      attempts: policy.maxAttempts,
      baseMs: 100,
      maxMs: 10_000,
      sleep: policy.sleep,
      ...(policy.signal ? { signal: policy.signal } : {}),
      onRetry: (error, attempt, delayMs) => {
        policy.onRetry?.(isThrottlingError(error));
        policy.logger.debug('retrying AWS call', { operation, attempt, delayMs: Math.round(delayMs) });
      },
    });
  } catch (error) {
    if (policy.signal?.aborted && error === policy.signal.reason) throw error;
    if (isRetryableError(error)) {
      throw new AwsCallError(operation, error, {
        hint: `AWS kept failing after ${policy.maxAttempts} attempts; check the table, the network and the account's limits, then run verify again`,
      });
    }
    const gone = sdkErrorName(error) === 'ResourceNotFoundException';
    throw new AwsCallError(
      operation,
      error,
      gone
        ? { hint: 'A table was deleted or renamed while verify ran; nothing was compared to the end' }
        : {},
    );
  }
}

/**
 * Pays `units` of read capacity into a side's rate cap. Paid after each call with what it consumed
 * (the bucket goes into debt for a large page), so the cap holds on average.
 */
export async function payCapacity(bucket: TokenBucket | undefined, units: number, signal?: AbortSignal) {
  if (!bucket || !(units > 0)) return;
  await bucket.take(units, signal);
}

/** Sums `CapacityUnits` of a ConsumedCapacity field (an object or a list, or absent). */
export function capacityUnits(
  consumed: { CapacityUnits?: number } | { CapacityUnits?: number }[] | undefined,
) {
  if (!consumed) return 0;
  const list = Array.isArray(consumed) ? consumed : [consumed];
  return list.reduce((sum, c) => sum + (c.CapacityUnits ?? 0), 0);
}

/** Read units of an eventually consistent read of `bytes` (4 KB units, halved). */
export function estimatedReadUnits(bytes: number, consistent = false): number {
  const units = Math.max(1, Math.ceil(bytes / 4096));
  return consistent ? units : units / 2;
}
