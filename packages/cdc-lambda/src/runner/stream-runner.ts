import type { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import { backoffDelayMs, type Logger, MigrationError, noopLogger } from '@ddb-migrate/core';
import type { LambdaStreamRecord } from '../apply/stream-event.js';
import type { StreamHandler } from '../create-handler.js';
import { CheckpointStore } from './checkpoint-store.js';
import { describeAllShards, readyShards, type ShardInfo } from './shard-lineage.js';
import { ShardReader } from './shard-reader.js';
import { toLambdaRecord } from './to-lambda-record.js';

/** Progress reported after every delivered batch. */
export interface RunnerProgress {
  records: number;
  batches: number;
  recordsPerSecond: number;
  /** Now minus the newest delivered record's creation time. */
  lagMs?: number;
  shardsDrained: number;
  shardsKnown: number;
}

export interface StreamRunnerOptions {
  streams: Pick<DynamoDBStreamsClient, 'send'>;
  streamArn: string;
  handler: StreamHandler;
  /** JSON checkpoint file; without it progress is kept in memory only. */
  checkpointFile?: string;
  /** Records per invocation (Lambda's BatchSize). Default 100, at most 10,000. */
  batchSize?: number;
  /** Stop once no open shard has yielded a record for this long. Default: run until aborted or drained. */
  stopAfterIdleSeconds?: number;
  /** Wait between polls of an empty stream. Default 500 ms (Lambda polls 4 times a second). */
  pollIntervalMs?: number;
  /** Re-describe the stream for new shards this often. Default 10 s. */
  describeIntervalMs?: number;
  /** Redeliveries of a failing batch before the runner stops with an error. Default 10. */
  maxBatchRetries?: number;
  /** Remaining time the handler is told it has per invocation. Default 60 s. */
  invocationTimeoutMs?: number;
  signal?: AbortSignal;
  logger?: Logger;
  onProgress?: (progress: RunnerProgress) => void;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
}

/** How a run ended and what it did. */
export interface RunnerSummary {
  stoppedBy: 'idle' | 'aborted' | 'drained';
  records: number;
  batches: number;
  /** Invocations that were redelivered after a batch item failure or a handler error. */
  redeliveries: number;
  shardsDrained: number;
  lagMs?: number;
  checkpoints: Record<string, { sequenceNumber?: string; closed?: boolean }>;
}

/**
 * The Lambda event source mapping, done locally: reads a DynamoDB stream shard by shard (parents
 * drained before children), hands Lambda-shaped events to the same handler, honours
 * `batchItemFailures` by redelivering from the failed record (never skipping it), and persists a
 * checkpoint per shard after every batch so a killed runner resumes where it stopped.
 *
 * @example
 * const summary = await runStream({ streams, streamArn, handler, checkpointFile: '.ddb-migrate/cdc.json', stopAfterIdleSeconds: 30 });
 */
export async function runStream(options: StreamRunnerOptions): Promise<RunnerSummary> {
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? ((ms: number) => abortableSleep(ms, options.signal));
  const logger = options.logger ?? noopLogger;
  const batchSize = Math.min(10_000, Math.max(1, options.batchSize ?? 100));
  const store = await CheckpointStore.open(options.checkpointFile, options.streamArn);
  const drained = new Set(
    Object.entries(store.snapshot())
      .filter(([, c]) => c.closed)
      .map(([id]) => id),
  );
  const readers = new Map<string, ShardReader>();
  const started = now();
  const totals = { records: 0, batches: 0, redeliveries: 0 };
  let lagMs: number | undefined;
  let shards: ShardInfo[] = [];
  let lastDescribe = Number.NEGATIVE_INFINITY;
  let lastActivity = now();
  let stoppedBy: RunnerSummary['stoppedBy'];

  const deliver = async (shardId: string, records: LambdaStreamRecord[]) => {
    let remaining = records;
    for (let attempt = 0; ; attempt += 1) {
      const deadline = now() + (options.invocationTimeoutMs ?? 60_000);
      let failedFrom: number;
      try {
        const response = await options.handler(
          { Records: remaining },
          {
            getRemainingTimeInMillis: () => Math.max(0, deadline - now()),
            awsRequestId: `local-${totals.batches}`,
          },
        );
        const ids = (response?.batchItemFailures ?? []).map((f) => f.itemIdentifier);
        if (ids.length === 0) failedFrom = -1;
        else {
          const lowest = ids.every((id) => typeof id === 'string' && /^\d+$/.test(id))
            ? ids.reduce((a, b) => (BigInt(a) <= BigInt(b) ? a : b))
            : undefined;
          // An identifier that is not in the batch fails the whole batch, as in Lambda.
          failedFrom = Math.max(
            0,
            remaining.findIndex((r) => r.dynamodb?.SequenceNumber === lowest),
          );
        }
      } catch (error) {
        logger.warn('handler threw; redelivering the whole batch', {
          shardId,
          error: (error as Error).message,
        });
        failedFrom = 0;
      }
      const doneUpTo = failedFrom === -1 ? remaining.length : failedFrom;
      const lastDone = remaining[doneUpTo - 1]?.dynamodb?.SequenceNumber;
      if (lastDone !== undefined) await store.update(shardId, { sequenceNumber: lastDone });
      if (failedFrom === -1) return;
      remaining = remaining.slice(failedFrom);
      const failedSeq = remaining[0]?.dynamodb?.SequenceNumber;
      if (attempt >= (options.maxBatchRetries ?? 10)) {
        throw new MigrationError(
          'CDC_RECORD_FAILING',
          `Record ${failedSeq} in shard ${shardId} still fails after ${attempt + 1} deliveries; stopped without skipping it`,
          {
            hint: 'Check the logs for the failing key and the target (throttling, permissions), then run cdc again: it resumes from the checkpoint',
          },
        );
      }
      totals.redeliveries += 1;
      logger.warn('batch item failure; redelivering from the failed record', {
        shardId,
        sequenceNumber: failedSeq,
        attempt: attempt + 1,
      });
      await sleep(backoffDelayMs(attempt + 1, { baseMs: 200, maxMs: 5000 }));
    }
  };

  for (;;) {
    if (options.signal?.aborted) {
      stoppedBy = 'aborted';
      break;
    }
    if (now() - lastDescribe >= (options.describeIntervalMs ?? 10_000)) {
      const description = await describeAllShards(options.streams, options.streamArn, { sleep });
      shards = description.shards;
      lastDescribe = now();
      checkNoUnfinishedShardVanished(shards, store.snapshot());
    }
    const ready = readyShards(shards, drained);
    if (ready.length === 0 && shards.length > 0 && shards.every((s) => drained.has(s.shardId))) {
      stoppedBy = 'drained';
      break;
    }
    let gotRecords = false;
    for (const shard of ready) {
      if (options.signal?.aborted) break;
      let reader = readers.get(shard.shardId);
      if (reader === undefined) {
        const after = store.get(shard.shardId)?.sequenceNumber;
        reader = new ShardReader({
          client: options.streams,
          streamArn: options.streamArn,
          shardId: shard.shardId,
          ...(after === undefined ? {} : { afterSequenceNumber: after }),
          sleep,
        });
        readers.set(shard.shardId, reader);
      }
      const page = await reader.next(batchSize);
      if (page.records.length > 0) {
        gotRecords = true;
        const records = page.records.map((r) => toLambdaRecord(r, options.streamArn));
        await deliver(shard.shardId, records);
        totals.records += records.length;
        totals.batches += 1;
        const newest = Math.max(...records.map((r) => r.dynamodb?.ApproximateCreationDateTime ?? 0));
        if (newest > 0) lagMs = Math.max(0, now() - newest * 1000);
        options.onProgress?.({
          records: totals.records,
          batches: totals.batches,
          recordsPerSecond: totals.records / Math.max(0.001, (now() - started) / 1000),
          ...(lagMs === undefined ? {} : { lagMs }),
          shardsDrained: drained.size,
          shardsKnown: shards.length,
        });
      }
      if (page.ended) {
        drained.add(shard.shardId);
        readers.delete(shard.shardId);
        await store.update(shard.shardId, { closed: true });
        lastDescribe = Number.NEGATIVE_INFINITY; // look for its children now
        logger.info('shard drained', { shardId: shard.shardId });
      }
    }
    if (gotRecords) {
      lastActivity = now();
      continue;
    }
    const idleSeconds = options.stopAfterIdleSeconds;
    if (idleSeconds !== undefined && now() - lastActivity >= idleSeconds * 1000) {
      stoppedBy = 'idle';
      break;
    }
    try {
      await sleep(options.pollIntervalMs ?? 500);
    } catch {
      // aborted while waiting: the loop head records it
    }
  }
  return {
    stoppedBy,
    ...totals,
    shardsDrained: drained.size,
    ...(lagMs === undefined ? {} : { lagMs }),
    checkpoints: store.snapshot(),
  };
}

/**
 * A shard this runner started but did not finish that is no longer listed was trimmed (24-hour
 * retention) with records possibly unapplied: stop rather than carry on with its children.
 */
function checkNoUnfinishedShardVanished(
  shards: readonly ShardInfo[],
  checkpoints: Record<string, { sequenceNumber?: string; closed?: boolean }>,
): void {
  const listed = new Set(shards.map((s) => s.shardId));
  for (const [shardId, checkpoint] of Object.entries(checkpoints)) {
    if (!checkpoint.closed && !listed.has(shardId)) {
      throw new MigrationError(
        'STREAM_TRIMMED',
        `Shard ${shardId} left the stream (24-hour retention) before it was read to the end; records after ${checkpoint.sequenceNumber ?? 'its start'} may be missing from the target`,
        {
          hint: 'Re-sync the target (a new export, or an incremental export from the checkpoint time), then run verify',
        },
      );
    }
  }
}

function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
