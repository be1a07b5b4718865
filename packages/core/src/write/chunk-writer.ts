import { BatchWriteItemCommand, type WriteRequest } from '@aws-sdk/client-dynamodb';
import { noopLogger } from '../logger.js';
import { describeSdkError, sdkErrorName } from '../sdk-error.js';
import { backoffDelayMs, isRetryableError, isThrottlingError, sleep } from './backoff.js';
import {
  type BatchWriteClient,
  type BatchWriteOptions,
  type BatchWriteResult,
  type FailedWrite,
  fromWriteRequest,
  toWriteEntry,
  toWriteRequest,
  type WriteEntry,
  wcuOf,
} from './write-op.js';

/** Defaults of the retry loop. */
export const WRITE_DEFAULTS = { concurrency: 8, maxAttempts: 15, baseDelayMs: 50, maxDelayMs: 5000 } as const;

interface LastError {
  error: string;
  code?: string;
}

/**
 * Sends chunks of distinct-key entries with BatchWriteItem and owns the retry policy:
 * UnprocessedItems and retryable errors are retried with full-jitter backoff up to `maxAttempts`
 * or `deadline`; a ValidationException on a multi-op call is split into single-op calls so the
 * poison op fails alone; any other client error (missing table, access denied) is fatal for
 * every chunk that follows, so a misconfigured run fails fast instead of retrying per chunk.
 */
export class ChunkWriter {
  readonly stats: BatchWriteResult = { written: 0, calls: 0, retries: 0, throttles: 0, failed: [] };
  private fatal: LastError | undefined;
  private readonly opts: Required<Pick<BatchWriteOptions, 'maxAttempts' | 'baseDelayMs' | 'maxDelayMs'>> &
    BatchWriteOptions;

  constructor(
    private readonly client: BatchWriteClient,
    options: BatchWriteOptions,
  ) {
    this.opts = {
      ...options,
      maxAttempts: Math.max(1, options.maxAttempts ?? WRITE_DEFAULTS.maxAttempts),
      baseDelayMs: options.baseDelayMs ?? WRITE_DEFAULTS.baseDelayMs,
      maxDelayMs: options.maxDelayMs ?? WRITE_DEFAULTS.maxDelayMs,
    };
  }

  /** Takes and resets the counters (the streaming writer reports per flush). */
  drainStats(): BatchWriteResult {
    const snapshot = { ...this.stats, failed: [...this.stats.failed] };
    Object.assign(this.stats, { written: 0, calls: 0, retries: 0, throttles: 0, failed: [] });
    return snapshot;
  }

  /** Writes one chunk (<= 25 distinct keys). Resolves when every op landed or failed; rejects only on abort. */
  async write(entries: readonly WriteEntry[], resend = false): Promise<void> {
    const { tableName, signal, logger = noopLogger } = this.opts;
    let pending = [...entries];
    for (let attempt = 1; ; attempt += 1) {
      if (this.fatal !== undefined) {
        this.fail(pending, this.fatal, false);
        return;
      }
      signal?.throwIfAborted();
      if (this.opts.wcuBucket !== undefined) {
        await this.opts.wcuBucket.take(
          pending.reduce((sum, e) => sum + wcuOf(e), 0),
          signal,
        );
      }
      this.stats.calls += 1;
      if (attempt > 1 || resend) this.stats.retries += 1;
      let lastError: LastError;
      try {
        const out = await this.client.send(
          new BatchWriteItemCommand({
            RequestItems: { [tableName]: pending.map((e) => toWriteRequest(e.op)) },
          }),
          signal === undefined ? {} : { abortSignal: signal },
        );
        const unprocessed = this.matchUnprocessed(unprocessedFor(out.UnprocessedItems, tableName), pending);
        this.stats.written += pending.length - unprocessed.length;
        if (unprocessed.length === 0) return;
        this.stats.throttles += 1;
        pending = unprocessed;
        lastError = { error: 'still in UnprocessedItems', code: 'UnprocessedItems' };
      } catch (err) {
        if (signal?.aborted) throw signal.reason;
        const code = sdkErrorName(err);
        lastError = { error: describeSdkError(err), ...(code === undefined ? {} : { code }) };
        if (isRetryableError(err)) {
          if (isThrottlingError(err)) this.stats.throttles += 1;
        } else if (code === 'ValidationException') {
          if (pending.length === 1) {
            this.fail(pending, lastError, false);
            return;
          }
          logger.warn('BatchWriteItem rejected a batch; isolating the invalid op', {
            table: tableName,
            ops: pending.length,
            code,
          });
          for (const entry of pending) await this.write([entry], true);
          return;
        } else {
          this.fatal = lastError;
          logger.error('BatchWriteItem failed with a non-retryable error; failing the remaining writes', {
            table: tableName,
            code,
          });
          this.fail(pending, lastError, false);
          return;
        }
      }
      if (attempt >= this.opts.maxAttempts) {
        this.fail(
          pending,
          { ...lastError, error: `gave up after ${attempt} attempts: ${lastError.error}` },
          true,
        );
        return;
      }
      const delay = backoffDelayMs(attempt, { baseMs: this.opts.baseDelayMs, maxMs: this.opts.maxDelayMs });
      if (this.opts.deadline !== undefined && Date.now() + delay > this.opts.deadline) {
        this.fail(
          pending,
          { ...lastError, error: `deadline reached after ${attempt} attempts: ${lastError.error}` },
          true,
        );
        return;
      }
      logger.debug('retrying BatchWriteItem', {
        table: tableName,
        ops: pending.length,
        attempt,
        delayMs: delay,
        code: lastError.code,
      });
      await sleep(delay, signal);
    }
  }

  /** Records ops as failed without sending them (invalid keys found before any call). */
  addFailures(failures: readonly FailedWrite[]): void {
    this.stats.failed.push(...failures);
  }

  private fail(entries: readonly WriteEntry[], why: LastError, retryable: boolean): void {
    for (const entry of entries) {
      this.stats.failed.push({
        op: entry.op,
        error: why.error,
        ...(why.code === undefined ? {} : { code: why.code }),
        retryable,
      });
    }
  }

  private matchUnprocessed(requests: WriteRequest[] | undefined, sent: readonly WriteEntry[]): WriteEntry[] {
    if (requests === undefined || requests.length === 0) return [];
    const byKey = new Map(sent.map((e) => [e.key, e]));
    const out: WriteEntry[] = [];
    for (const request of requests) {
      const op = fromWriteRequest(request);
      if (op === undefined) continue;
      try {
        const entry = toWriteEntry(op, this.opts.keyNames);
        // Keep the caller's op object (reported on failure), not the deserialized copy.
        out.push(byKey.get(entry.key) ?? entry);
      } catch {
        // An unprocessed request we cannot key: resend it as returned.
        out.push({ key: `unkeyed:${out.length}`, op, sizeBytes: 0 });
      }
    }
    return out;
  }
}

/**
 * The one table's UnprocessedItems. The request names the table by name or by ARN (resource-policy
 * mode); should the service key its answer by the other form, the single entry is still ours, so a
 * write it did not process is never counted as written.
 */
export function unprocessedFor(
  unprocessed: Record<string, WriteRequest[]> | undefined,
  tableName: string,
): WriteRequest[] | undefined {
  if (unprocessed === undefined) return undefined;
  const direct = unprocessed[tableName];
  if (direct !== undefined) return direct;
  const entries = Object.values(unprocessed);
  return entries.length === 1 ? entries[0] : undefined;
}
