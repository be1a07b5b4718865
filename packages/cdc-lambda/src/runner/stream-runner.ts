import type { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import { backoffDelayMs, type Logger, MigrationError, noopLogger } from '@ddb-migrate/core';
import type { LambdaStreamRecord } from '../apply/stream-event.js';
import type { StreamHandler } from '../create-handler.js';
import { CheckpointStore, type ShardCheckpoint } from './checkpoint-store.js';
import { assertAllAcknowledged } from './runner-invariant.js';
import {
  checkNoUnfinishedShardTrimmed,
  describeAllShards,
  drainedWithoutChildren,
  readyShards,
  type ShardInfo,
} from './shard-lineage.js';
import { redeliveryPoint } from './redelivery-point.js';
import { acquireRunnerLease, DEFAULT_LEASE_TTL_MS, type RunnerLease } from './runner-lease.js';
import { ShardReader } from './shard-reader.js';
import { streamTrimmedError } from './stream-trimmed.js';
import { toLambdaRecord } from './to-lambda-record.js';

/** Progress reported after every delivered batch. */
export interface RunnerProgress {
  records: number;
  batches: number;
  recordsPerSecond: number;
  /**
   * Now minus the newest delivered record's creation time; 0 once a poll of every readable shard
   * came back empty (caught up with the stream, as far as the reads show).
   */
  lagMs?: number;
  shardsDrained: number;
  shardsKnown: number;
}

/** DynamoDB Streams keep records 24 hours ("DynamoDB Streams low-level API: Java example"). */
export const STREAM_RETENTION_MS = 24 * 3_600_000;

/**
 * How long an idle stop waits for the children of a just-drained shard to be listed: the Kinesis
 * adapter for DynamoDB Streams re-describes a closed leaf for "a little more than 60 seconds".
 */
export const DEFAULT_LINEAGE_WAIT_MS = 60_000;

/** First re-describe delay while a drained shard has no listed children; doubles up to the describe interval. */
const LINEAGE_BACKOFF_BASE_MS = 1000;

/** Options of {@link runStream}: the stream, the handler to feed and how the run stops. */
export interface StreamRunnerOptions {
  /** The Streams client of the source side (GetRecords, DescribeStream, GetShardIterator). */
  streams: Pick<DynamoDBStreamsClient, 'send'>;
  streamArn: string;
  /** What each batch goes to: the Lambda's handler, e.g. from `createHandler`. */
  handler: StreamHandler;
  /** JSON checkpoint file; without it progress is kept in memory only. */
  checkpointFile?: string;
  /** Records per invocation (Lambda's BatchSize). Default 100, at most 10,000. */
  batchSize?: number;
  /**
   * Stop (`stoppedBy: 'idle'`) once the open leaf shards have yielded no record for this long,
   * every record read is acknowledged, and no shard drained in the last `lineageWaitMs` is still
   * without listed children. Reaching a shard's end counts as activity. Default: run until
   * aborted or drained (stream DISABLED and every shard read to its end).
   */
  stopAfterIdleSeconds?: number;
  /**
   * How long an idle stop waits for the children of a just-drained shard to be listed. Default
   * 60 s: the Kinesis adapter for DynamoDB Streams re-describes a closed leaf for that long.
   */
  lineageWaitMs?: number;
  /** Wait between polls of an empty stream. Default 500 ms (Lambda polls 4 times a second). */
  pollIntervalMs?: number;
  /** Re-describe the stream for new shards this often. Default 10 s. */
  describeIntervalMs?: number;
  /** Redeliveries of a failing batch before the runner stops with an error. Default 10. */
  maxBatchRetries?: number;
  /** Remaining time the handler is told it has per invocation. Default 60 s. */
  invocationTimeoutMs?: number;
  /**
   * The lease that keeps this runner the stream's only consumer (`<checkpointFile>.lease`, see
   * {@link acquireRunnerLease}). On by default with a checkpoint file; `false` turns it off.
   */
  lease?: false | { ttlMs?: number; heartbeatMs?: number };
  /** Stops the run (`stoppedBy: 'aborted'`) before the next batch; waits end at once. */
  signal?: AbortSignal;
  logger?: Logger;
  /** Called after every delivered batch, and when the run catches up (`lagMs` 0). */
  onProgress?: (progress: RunnerProgress) => void;
  /** Test seams: the clock and the waits between polls. */
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
}

/** How a run ended and what it did. */
export interface RunnerSummary {
  /**
   * `drained`: the stream is DISABLED and every shard was read to its end (nothing will ever
   * arrive); `idle`: see `stopAfterIdleSeconds`; `aborted`: the signal fired.
   */
  stoppedBy: 'idle' | 'aborted' | 'drained';
  records: number;
  batches: number;
  /** Invocations that were redelivered after a batch item failure or a handler error. */
  redeliveries: number;
  shardsDrained: number;
  /** As in {@link RunnerProgress}: 0 when the run stopped caught up (`idle`, `drained`). */
  lagMs?: number;
  /** StreamStatus of the last DescribeStream. */
  streamStatus?: string;
  /** How long the start waited for a predecessor's unreleased lease to lapse. */
  leaseWaitedMs?: number;
  /** The predecessor whose lease lapsed without a release (it crashed or was killed). */
  leaseTakenOverFrom?: { pid: number; host: string; heartbeatAt: string };
  /** Drained shards whose children were not listed yet when the run stopped (read on the next run). */
  awaitingChildrenOf?: string[];
  checkpoints: Record<string, ShardCheckpoint>;
}

/**
 * The Lambda event source mapping, done locally: reads a DynamoDB stream shard by shard (parents
 * drained before children), hands Lambda-shaped events to the same handler, honours
 * `batchItemFailures` by redelivering from the failed record (never skipping it), and persists a
 * checkpoint per shard after every batch so a killed runner resumes where it stopped.
 *
 * When it stops:
 * - `drained` only when StreamStatus is DISABLED and every listed shard is read to its end. A
 *   closed shard without listed children on an ENABLED stream is not the end: its children show
 *   up later, so the runner describes again soon (backing off from 1 s to `describeIntervalMs`).
 * - `idle` (with `stopAfterIdleSeconds`) once no record arrived for that long, everything read is
 *   acknowledged, and every shard drained without listed children was drained at least
 *   `lineageWaitMs` (60 s) ago: `--stop-after-idle 3` never ends the run right after a parent
 *   was drained, which is exactly when records wait in children that are not listed yet.
 *
 * On start and after every DescribeStream, every listed shard is recorded in the checkpoint with
 * its parent; a recorded shard that is not read to its end and no longer listed, a checkpoint
 * position that was trimmed, or a shard waiting at TRIM_HORIZON since longer than the 24-hour
 * retention stops the run with `STREAM_TRIMMED` (records still needed may be gone).
 *
 * @example
 * const summary = await runStream({ streams, streamArn, handler, checkpointFile: '.ddb-migrate/cdc.json', stopAfterIdleSeconds: 30 });
 */
export async function runStream(options: StreamRunnerOptions): Promise<RunnerSummary> {
  const logger = options.logger ?? noopLogger;
  // The lease first: the checkpoint is read only once no other runner can still be writing.
  const lease =
    options.checkpointFile === undefined || options.lease === false
      ? undefined
      : await acquireRunnerLease({
          path: `${options.checkpointFile}.lease`,
          ...(options.lease ?? {}),
          sleep: (ms) => abortableSleep(ms, options.signal),
        });
  if (lease?.tookOver !== undefined) {
    logger.warn(
      'took over the lease of a runner that stopped without releasing it; waited for its writes to settle',
      {
        pid: lease.tookOver.pid,
        host: lease.tookOver.host,
        waitedMs: lease.waitedMs,
      },
    );
  }
  const heartbeat = lease === undefined ? undefined : startHeartbeat(lease, options.lease);
  try {
    return await consume(options, lease, heartbeat);
  } finally {
    heartbeat?.stop();
    await lease?.release();
  }
}

async function consume(
  options: StreamRunnerOptions,
  lease: RunnerLease | undefined,
  heartbeat: Heartbeat | undefined,
): Promise<RunnerSummary> {
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? ((ms: number) => abortableSleep(ms, options.signal));
  const logger = options.logger ?? noopLogger;
  const batchSize = Math.min(10_000, Math.max(1, options.batchSize ?? 100));
  const describeIntervalMs = options.describeIntervalMs ?? 10_000;
  const lineageWaitMs = options.lineageWaitMs ?? DEFAULT_LINEAGE_WAIT_MS;
  const store = await CheckpointStore.open(options.checkpointFile, options.streamArn);
  const drained = new Set(
    Object.entries(store.snapshot())
      .filter(([, c]) => c.closed)
      .map(([id]) => id),
  );
  const readers = new Map<string, ShardReader>();
  /** Records read from a shard and not yet acknowledged. */
  const unacknowledged = new Map<string, number>();
  const started = now();
  /** When each shard was drained in this run (earlier runs count from this run's start). */
  const drainedAt = new Map<string, number>();
  const totals = { records: 0, batches: 0, redeliveries: 0 };
  let lagMs: number | undefined;
  let shards: ShardInfo[] = [];
  let streamStatus: string | undefined;
  let describedAt = Number.NEGATIVE_INFINITY;
  let nextDescribeAt = Number.NEGATIVE_INFINITY;
  let lineageRetries = 0;
  let waitingForChildren: string[] = [];
  let lastActivity = now();
  let stoppedBy: RunnerSummary['stoppedBy'];

  const deliver = async (shardId: string, records: LambdaStreamRecord[]) => {
    let remaining = records;
    unacknowledged.set(shardId, remaining.length);
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
        failedFrom = redeliveryPoint(remaining, response?.batchItemFailures ?? []);
      } catch (error) {
        logger.warn('handler threw; redelivering the whole batch', {
          shardId,
          error: (error as Error).message,
        });
        failedFrom = 0;
      }
      const doneUpTo = failedFrom === -1 ? remaining.length : failedFrom;
      const lastDone = remaining[doneUpTo - 1]?.dynamodb;
      if (lastDone?.SequenceNumber !== undefined) {
        await store.update(shardId, {
          sequenceNumber: lastDone.SequenceNumber,
          ...raisedPendingSince(
            store.get(shardId)?.pendingSince,
            (lastDone.ApproximateCreationDateTime ?? 0) * 1000,
          ),
        });
      }
      if (failedFrom === -1) {
        unacknowledged.set(shardId, 0);
        return;
      }
      remaining = remaining.slice(failedFrom);
      unacknowledged.set(shardId, remaining.length);
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

  try {
    for (let round = 0; ; round += 1) {
      if (options.signal?.aborted) {
        stoppedBy = 'aborted';
        break;
      }
      if (now() >= nextDescribeAt) {
        const askedAt = now();
        const description = await describeAllShards(options.streams, options.streamArn, { sleep });
        shards = description.shards;
        streamStatus = description.status;
        describedAt = askedAt;
        checkNoUnfinishedShardTrimmed(shards, store.snapshot());
        if (round === 0) checkNoShardWaitedPastRetention(shards, store.snapshot(), askedAt);
        recordNewShards(shards, store, askedAt);
        await store.flush();
        waitingForChildren = streamStatus === 'DISABLED' ? [] : drainedWithoutChildren(shards, drained);
        if (waitingForChildren.length > 0) {
          // Inconsistent shard graph: ask again soon, backing off, but never call it done.
          lineageRetries += 1;
          nextDescribeAt =
            now() + Math.min(describeIntervalMs, LINEAGE_BACKOFF_BASE_MS * 2 ** (lineageRetries - 1));
          logger.debug('drained shards without listed children; describing again', {
            shardIds: waitingForChildren,
            attempt: lineageRetries,
          });
        } else {
          lineageRetries = 0;
          nextDescribeAt = now() + describeIntervalMs;
        }
      }
      const ready = readyShards(shards, drained);
      if (streamStatus === 'DISABLED' && shards.length > 0 && shards.every((s) => drained.has(s.shardId))) {
        store.markStreamFinished(new Date(now()));
        stoppedBy = 'drained';
        lagMs = 0; // nothing left to read
        break;
      }
      let gotRecords = false;
      let endedThisRound = false;
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
          heartbeat?.throwIfLost();
          lease?.assertHeld();
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
        } else if (!page.ended && !shard.closed) {
          // Caught up on a shard that was open at the last DescribeStream: anything still to come
          // (here or in its children) is created after that call. Written with the next flush.
          const raised = raisedPendingSince(store.get(shard.shardId)?.pendingSince, describedAt);
          if (raised.pendingSince !== undefined) store.set(shard.shardId, raised);
        }
        if (page.ended) {
          endedThisRound = true;
          drained.add(shard.shardId);
          drainedAt.set(shard.shardId, now());
          readers.delete(shard.shardId);
          await store.update(shard.shardId, { closed: true });
          nextDescribeAt = Number.NEGATIVE_INFINITY; // look for its children now
          lastActivity = now(); // the end of a shard is progress: its children may hold records
          logger.info('shard drained', { shardId: shard.shardId });
        }
      }
      if (gotRecords) {
        lastActivity = now();
        continue;
      }
      if (ready.length > 0 && !endedThisRound && waitingForChildren.length === 0 && lagMs !== 0) {
        // Every readable shard answered with nothing new: caught up. The last record's age would
        // keep growing on a quiet stream and read as lag that is not there.
        lagMs = 0;
        options.onProgress?.({
          records: totals.records,
          batches: totals.batches,
          recordsPerSecond: totals.records / Math.max(0.001, (now() - started) / 1000),
          lagMs,
          shardsDrained: drained.size,
          shardsKnown: shards.length,
        });
      }
      const idleSeconds = options.stopAfterIdleSeconds;
      if (
        idleSeconds !== undefined &&
        now() - lastActivity >= idleSeconds * 1000 &&
        waitingForChildren.every((id) => now() - (drainedAt.get(id) ?? started) >= lineageWaitMs)
      ) {
        assertAllAcknowledged(unacknowledged);
        stoppedBy = 'idle';
        lagMs = 0; // nothing arrived for the idle time: caught up
        break;
      }
      try {
        await sleep(options.pollIntervalMs ?? 500);
      } catch (error) {
        // aborted while waiting: the loop head records it
        if (!options.signal?.aborted) throw error;
      }
    }
  } finally {
    await store.flush();
  }
  return {
    stoppedBy,
    ...totals,
    shardsDrained: drained.size,
    ...(lagMs === undefined ? {} : { lagMs }),
    ...(streamStatus === undefined ? {} : { streamStatus }),
    ...(lease === undefined ? {} : { leaseWaitedMs: lease.waitedMs }),
    ...(lease?.tookOver === undefined
      ? {}
      : {
          leaseTakenOverFrom: {
            pid: lease.tookOver.pid,
            host: lease.tookOver.host,
            heartbeatAt: new Date(lease.tookOver.heartbeatAt).toISOString(),
          },
        }),
    ...(stoppedBy === 'drained' || waitingForChildren.length === 0
      ? {}
      : { awaitingChildrenOf: [...waitingForChildren] }),
    checkpoints: store.snapshot(),
  };
}

/** Records every shard listed for the first time, with its parent and a TRIM_HORIZON start. */
function recordNewShards(shards: readonly ShardInfo[], store: CheckpointStore, seenAt: number): void {
  for (const shard of shards) {
    if (store.get(shard.shardId) !== undefined) continue;
    // A child's records were all created after its parent closed, so after the parent's bound.
    const inherited =
      shard.parentShardId === undefined ? undefined : store.get(shard.parentShardId)?.pendingSince;
    store.set(shard.shardId, {
      ...(shard.parentShardId === undefined ? {} : { parentShardId: shard.parentShardId }),
      fromTrimHorizon: true,
      firstSeenAt: new Date(seenAt).toISOString(),
      ...(inherited === undefined ? {} : { pendingSince: inherited }),
    });
  }
}

/**
 * On resume: a listed shard recorded at TRIM_HORIZON with no acknowledged record whose pending
 * records may be older than the retention may have lost some (TRIM_HORIZON would silently start
 * after them; a checkpointed position gets TrimmedDataAccessException from AWS instead).
 */
function checkNoShardWaitedPastRetention(
  shards: readonly ShardInfo[],
  checkpoints: Readonly<Record<string, ShardCheckpoint>>,
  at: number,
): void {
  for (const shard of shards) {
    const checkpoint = checkpoints[shard.shardId];
    if (!checkpoint || checkpoint.closed || checkpoint.sequenceNumber !== undefined) continue;
    const since = checkpoint.pendingSince === undefined ? Number.NaN : Date.parse(checkpoint.pendingSince);
    if (at - since > STREAM_RETENTION_MS) {
      throw streamTrimmedError(
        `Shard ${shard.shardId} has waited to be read from TRIM_HORIZON since ${checkpoint.pendingSince}, longer than the 24-hour retention; its oldest records may be missing from the target`,
      );
    }
  }
}

/** `{ pendingSince }` raised to `candidateMs` when that is later (it never moves back), else nothing. */
function raisedPendingSince(current: string | undefined, candidateMs: number): { pendingSince?: string } {
  if (!Number.isFinite(candidateMs) || candidateMs <= 0) return {};
  if (current !== undefined && Date.parse(current) >= candidateMs) return {};
  return { pendingSince: new Date(candidateMs).toISOString() };
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

interface Heartbeat {
  stop(): void;
  /** Rethrows a renewal failure (another runner took the lease). */
  throwIfLost(): void;
}

/** Renews the lease on a wall-clock timer, also while a long invocation runs. */
function startHeartbeat(lease: RunnerLease, config: StreamRunnerOptions['lease']): Heartbeat {
  const ttlMs = (config === false ? undefined : config?.ttlMs) ?? DEFAULT_LEASE_TTL_MS;
  const every = (config === false ? undefined : config?.heartbeatMs) ?? Math.max(1, Math.floor(ttlMs / 5));
  let lost: unknown;
  let renewing = false;
  const timer = setInterval(() => {
    if (renewing) return; // a slow disk: never two writes of the lease file at once
    renewing = true;
    lease
      .renew()
      .catch((error: unknown) => {
        lost ??= error;
      })
      .finally(() => {
        renewing = false;
      });
  }, every);
  timer.unref();
  return {
    stop: () => clearInterval(timer),
    throwIfLost: () => {
      if (lost !== undefined) throw lost;
    },
  };
}
