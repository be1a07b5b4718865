import { noopLogger } from '../logger.js';
import { ChunkWriter, WRITE_DEFAULTS } from './chunk-writer.js';
import { chunkEntries, dedupeOps, MAX_BATCH_BYTES, MAX_BATCH_OPS } from './chunking.js';
import {
  type BatchWriteClient,
  type BatchWriteOptions,
  type BatchWriteResult,
  toWriteEntry,
  type WriteEntry,
  type WriteOp,
} from './write-op.js';

/**
 * Writes `ops` with parallel BatchWriteItem calls. Duplicates of a key: the LAST op wins and the
 * earlier ones are dropped. At most 25 distinct keys (and well under 16 MB) per call, up to
 * `concurrency` calls in flight. Throttles, 5xx, network errors and UnprocessedItems are retried
 * with full-jitter backoff; a batch rejected with ValidationException is retried op by op, so only
 * the invalid op fails (`retryable: false`). An op still failing after `maxAttempts` or past
 * `deadline` fails with `retryable: true`; a missing table or denied access fails every op at once.
 * Resolves with counts and the failed ops; rejects only when `signal` aborts.
 *
 * @example
 * const result = await batchWrite(client, items.map((item) => ({ type: 'put', item })), {
 *   tableName: 'orders', keyNames: { partitionKey: 'pk', sortKey: 'sk' }, wcuBucket: new TokenBucket(1000),
 * });
 * if (result.failed.length > 0) ...
 */
export async function batchWrite(
  client: BatchWriteClient,
  ops: readonly WriteOp[],
  opts: BatchWriteOptions,
): Promise<BatchWriteResult> {
  const writer = new ChunkWriter(client, opts);
  const { entries, invalid, duplicates } = dedupeOps(ops, opts.keyNames);
  writer.addFailures(invalid);
  const chunks = chunkEntries(entries);
  const concurrency = Math.max(1, opts.concurrency ?? WRITE_DEFAULTS.concurrency);
  let next = 0;
  const worker = async () => {
    while (next < chunks.length) {
      const chunk = chunks[next++]!;
      await writer.write(chunk);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, chunks.length) }, worker));
  const result = writer.drainStats();
  (opts.logger ?? noopLogger).debug('batch write done', {
    table: opts.tableName,
    ops: ops.length,
    duplicates,
    written: result.written,
    calls: result.calls,
    retries: result.retries,
    throttles: result.throttles,
    failed: result.failed.length,
  });
  return result;
}

/** A streaming batch writer; see {@link createBatchWriter}. */
export interface BatchWriter {
  /** Buffers an op. Resolves once buffered; waits (backpressure) while the buffer is full. */
  write(op: WriteOp): Promise<void>;
  /** Sends everything buffered, waits for all calls, and returns the counts since the last flush. */
  flush(): Promise<BatchWriteResult>;
}

/**
 * A streaming variant of {@link batchWrite} for loaders that read ops one by one (an export data
 * file). Full chunks of 25 are sent as soon as they form, `concurrency` at a time; `flush()` sends
 * the rest. Per-key order holds: a buffered op for a key that is not yet sent is replaced by a
 * later op for the same key, and an op whose key is in flight waits until that call finished, so
 * a later op never lands before an earlier one.
 *
 * @example
 * const writer = createBatchWriter(client, { tableName, keyNames });
 * for await (const item of readExportItems(s3, bucket, key)) await writer.write({ type: 'put', item });
 * const result = await writer.flush();
 */
export function createBatchWriter(client: BatchWriteClient, opts: BatchWriteOptions): BatchWriter {
  return new StreamingBatchWriter(client, opts);
}

class StreamingBatchWriter implements BatchWriter {
  private readonly chunkWriter: ChunkWriter;
  private readonly concurrency: number;
  private readonly maxBuffered: number;
  /** Ops not yet sent, one per key, in arrival order of the key. */
  private readonly buffer = new Map<string, WriteEntry>();
  private readonly inFlight = new Set<string>();
  private running = 0;
  private flushing = 0;
  private error: unknown;
  private wakeups: (() => void)[] = [];

  constructor(
    client: BatchWriteClient,
    private readonly opts: BatchWriteOptions,
  ) {
    this.chunkWriter = new ChunkWriter(client, opts);
    this.concurrency = Math.max(1, opts.concurrency ?? WRITE_DEFAULTS.concurrency);
    // Keys in flight can block at most concurrency * 25 buffered ops; the extra 2 chunks
    // guarantee a full dispatchable chunk whenever a slot is free (no deadlock).
    this.maxBuffered = (this.concurrency + 2) * MAX_BATCH_OPS;
  }

  async write(op: WriteOp): Promise<void> {
    this.throwIfBroken();
    let entry: WriteEntry;
    try {
      entry = toWriteEntry(op, this.opts.keyNames);
    } catch (err) {
      this.chunkWriter.addFailures([
        { op, error: (err as Error).message, code: 'InvalidKey', retryable: false },
      ]);
      return;
    }
    // Delete first so a replaced op takes the key's newest position.
    this.buffer.delete(entry.key);
    this.buffer.set(entry.key, entry);
    this.pump();
    while (this.buffer.size >= this.maxBuffered) {
      await this.waitForProgress();
      this.throwIfBroken();
    }
  }

  async flush(): Promise<BatchWriteResult> {
    this.flushing += 1;
    try {
      this.pump();
      while (this.buffer.size > 0 || this.running > 0) {
        this.throwIfBroken();
        await this.waitForProgress();
        this.pump();
      }
      this.throwIfBroken();
    } finally {
      this.flushing -= 1;
    }
    return this.chunkWriter.drainStats();
  }

  private throwIfBroken(): void {
    if (this.error !== undefined) throw this.error;
    this.opts.signal?.throwIfAborted();
  }

  private waitForProgress(): Promise<void> {
    return new Promise((resolve) => this.wakeups.push(resolve));
  }

  private wake(): void {
    const wakeups = this.wakeups;
    this.wakeups = [];
    for (const w of wakeups) w();
  }

  private pump(): void {
    while (this.running < this.concurrency && this.error === undefined) {
      const chunk = this.takeChunk(this.flushing > 0);
      if (chunk === undefined) return;
      this.running += 1;
      for (const e of chunk) this.inFlight.add(e.key);
      this.chunkWriter
        .write(chunk)
        .catch((err: unknown) => {
          this.error ??= err;
        })
        .finally(() => {
          this.running -= 1;
          for (const e of chunk) this.inFlight.delete(e.key);
          this.pump();
          this.wake();
        });
    }
  }

  /** Up to 25 buffered ops whose keys are not in flight; a partial chunk only when flushing. */
  private takeChunk(allowPartial: boolean): WriteEntry[] | undefined {
    const chunk: WriteEntry[] = [];
    let bytes = 0;
    let full = false;
    for (const entry of this.buffer.values()) {
      if (this.inFlight.has(entry.key)) continue;
      if (chunk.length > 0 && bytes + entry.sizeBytes > MAX_BATCH_BYTES) {
        full = true;
        break;
      }
      chunk.push(entry);
      bytes += entry.sizeBytes;
      if (chunk.length === MAX_BATCH_OPS) {
        full = true;
        break;
      }
    }
    if (chunk.length === 0 || (!full && !allowPartial)) return undefined;
    for (const e of chunk) this.buffer.delete(e.key);
    return chunk;
  }
}
