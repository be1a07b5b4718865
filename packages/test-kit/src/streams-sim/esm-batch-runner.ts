import type { EsmCounters, EsmRecord, EventSourceMappingOptions, OnFailureMessage } from './esm-types.js';
import { onFailureMessage } from './on-failure-message.js';

/** What one invocation came back with. */
type Outcome =
  | { kind: 'success' }
  /** ReportBatchItemFailures: retry from this index (the lowest reported sequence number). */
  | { kind: 'partial'; from: number }
  /** The function threw (or timed out). */
  | { kind: 'error' }
  /** A response Lambda reads as a complete failure (identifier null, empty or not in the batch). */
  | { kind: 'complete-failure' };

/** Settings and shared state of the batches of one mapping. */
export interface BatchContext {
  options: EventSourceMappingOptions;
  counters: EsmCounters;
  now: () => number;
  sleep: (ms: number) => Promise<void>;
  nextRequestId: () => string;
}

/**
 * Delivers one batch of one shard lane with Lambda's stream error handling (Lambda guide, with-ddb
 * "Error handling" and "Reporting batch item failures"; services-dynamodb-errors): retries until
 * success, MaximumRetryAttempts or MaximumRecordAgeInSeconds (-1: until the record expires after
 * the retention period), checkpointing before the lowest reported failure, bisecting on function
 * errors without using up the retry quota, then sending the metadata-only invocation record to the
 * on-failure destination and moving past the batch.
 */
export async function runBatch(ctx: BatchContext, shardId: string, records: EsmRecord[]): Promise<void> {
  const queue: { records: EsmRecord[]; retries: number }[] = [{ records, retries: 0 }];
  while (queue.length > 0) {
    const item = queue.shift() as { records: EsmRecord[]; retries: number };
    let batch = item.records;
    let retries = item.retries;
    let invokeCount = 0;
    let threw = false;
    for (;;) {
      const expired = expiredPrefix(ctx, batch);
      if (expired > 0) {
        await discard(ctx, shardId, batch.slice(0, expired), 'RecordAgeExceeded', invokeCount, threw);
        batch = batch.slice(expired);
        if (batch.length === 0) break;
      }
      invokeCount += 1;
      const outcome = await invoke(ctx, batch);
      threw = outcome.kind === 'error';
      if (outcome.kind === 'success') {
        ctx.counters.recordsProcessed += batch.length;
        break;
      }
      if (outcome.kind === 'partial') {
        ctx.counters.recordsProcessed += outcome.from;
        batch = batch.slice(outcome.from);
      }
      if (outcome.kind === 'error' && ctx.options.bisectBatchOnFunctionError && batch.length > 1) {
        // "Splitting a batch does not count towards the retry quota."
        const half = Math.ceil(batch.length / 2);
        ctx.counters.bisects += 1;
        queue.unshift({ records: batch.slice(0, half), retries }, { records: batch.slice(half), retries });
        break;
      }
      retries += 1;
      const max = ctx.options.maximumRetryAttempts ?? -1;
      if (max !== -1 && retries > max) {
        await discard(ctx, shardId, batch, 'RetryAttemptsExhausted', invokeCount, outcome.kind === 'error');
        break;
      }
      ctx.counters.retries += 1;
      await ctx.sleep((ctx.options.retryDelayMs ?? defaultRetryDelay)(retries));
    }
  }
}

function defaultRetryDelay(retry: number): number {
  return Math.min(100 * 2 ** (retry - 1), 30_000);
}

async function invoke(ctx: BatchContext, batch: EsmRecord[]): Promise<Outcome> {
  ctx.counters.invocations += 1;
  const started = ctx.now();
  const timeoutMs = ctx.options.timeoutMs ?? 60_000;
  const context = {
    awsRequestId: ctx.nextRequestId(),
    functionName: (ctx.options.functionArn ?? DEFAULT_FUNCTION_ARN).split(':').at(-1) ?? 'function',
    getRemainingTimeInMillis: () => Math.max(0, timeoutMs - (ctx.now() - started)),
  };
  let response: Awaited<ReturnType<EventSourceMappingOptions['handler']>>;
  try {
    response = await ctx.options.handler({ Records: batch }, context);
  } catch {
    return { kind: 'error' };
  }
  // Without ReportBatchItemFailures, Lambda ignores the response: a return is a success.
  if (!ctx.options.functionResponseTypes?.includes('ReportBatchItemFailures')) return { kind: 'success' };
  const failures = response?.batchItemFailures ?? [];
  if (failures.length === 0) return { kind: 'success' };
  let from = Number.POSITIVE_INFINITY;
  for (const failure of failures) {
    const id = failure?.itemIdentifier;
    const at =
      typeof id === 'string' && id !== '' ? batch.findIndex((r) => r.dynamodb?.SequenceNumber === id) : -1;
    if (at < 0) return { kind: 'complete-failure' };
    from = Math.min(from, at);
  }
  return { kind: 'partial', from };
}

/** Leading records older than MaximumRecordAgeInSeconds (or the retention period when -1). */
function expiredPrefix(ctx: BatchContext, batch: EsmRecord[]): number {
  const maxAge = ctx.options.maximumRecordAgeInSeconds ?? -1;
  const limitSeconds = maxAge === -1 ? (ctx.options.retentionSeconds ?? 86_400) : maxAge;
  const nowSeconds = ctx.now() / 1000;
  let n = 0;
  while (
    n < batch.length &&
    nowSeconds - (batch[n]?.dynamodb?.ApproximateCreationDateTime ?? nowSeconds) > limitSeconds
  )
    n += 1;
  return n;
}

async function discard(
  ctx: BatchContext,
  shardId: string,
  records: EsmRecord[],
  condition: OnFailureMessage['requestContext']['condition'],
  invokeCount: number,
  functionError: boolean,
): Promise<void> {
  ctx.counters.discardedBatches += 1;
  ctx.counters.discardedRecords += records.length;
  await ctx.options.onFailure?.(
    onFailureMessage({
      records,
      shardId,
      streamArn: ctx.options.streamArn,
      functionArn: ctx.options.functionArn ?? DEFAULT_FUNCTION_ARN,
      requestId: ctx.nextRequestId(),
      condition,
      invokeCount,
      functionError,
      nowMs: ctx.now(),
    }),
  );
}

export const DEFAULT_FUNCTION_ARN = 'arn:aws:lambda:us-east-1:123456789012:function:cdc';
