import { createHandler, runStream, type RunnerSummary } from '@ddb-migrate/cdc-lambda';
import type { DynamoDBClient, KeySchemaElement } from '@aws-sdk/client-dynamodb';
import type { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { isMigrationError, keyNamesFromSchema, type Logger } from '@ddb-migrate/core';
import { abortableSleep } from '../step-context.js';

/** One direction of replication run by the local stream runner: a stream into a table. */
export interface LocalLane {
  streams: Pick<DynamoDBStreamsClient, 'send'>;
  streamArn: string;
  /** The table the stream belongs to (fetch-on-change reads it). */
  fromDdb: Pick<DynamoDBClient, 'send'>;
  fromTableName: string;
  keySchema: readonly KeySchemaElement[];
  toDdb: Pick<DynamoDBClient, 'send'>;
  toTableName: string;
  checkpointFile: string;
  /** Records created before this (epoch seconds, margin applied) are skipped. */
  cutoffEpochSeconds?: number;
  fetchOnChange: boolean;
  sqs?: Pick<SQSClient, 'send'>;
  dlqUrl?: string;
}

/** How long {@link replicateLocally} runs. */
export interface ReplicateOptions {
  /** Polled every `pollMs` while the runner runs; the run stops once it returns true. */
  until?: () => Promise<boolean>;
  pollMs: number;
  /** Without `until`: stop once the stream was idle this long (else run until `signal`). */
  stopAfterIdleSeconds?: number;
  /** Give up waiting for `until` after this long (the result says `reached: false`). */
  timeoutMs?: number;
  signal?: AbortSignal;
  logger: Logger;
  onProgress?: (records: number, lagMs: number | undefined) => void;
}

/** What a local replication run did. */
export interface ReplicateResult {
  /** Undefined when another process holds the checkpoint's lease (it replicates; this run only polled). */
  summary?: RunnerSummary;
  /** `until` held before the run stopped. */
  reached: boolean;
  /** Another runner (migrate, `cdc run`) holds the lease on this checkpoint: it does the replicating. */
  replicatedElsewhere: boolean;
}

/**
 * Runs the CDC handler over `lane`'s stream in this process, from its checkpoint, until `until`
 * holds (then stops the runner at its next batch) or the stream is idle. When another process
 * already runs the same checkpoint (RUNNER_LEASE_HELD: never two consumers of a shard at once),
 * only `until` is polled: that process delivers the records.
 */
export async function replicateLocally(lane: LocalLane, options: ReplicateOptions): Promise<ReplicateResult> {
  const stop = new AbortController();
  const onOuterAbort = () => stop.abort(options.signal?.reason);
  options.signal?.addEventListener('abort', onOuterAbort, { once: true });
  const handler = createHandler(
    {
      targetTableId: lane.toTableName,
      ttlDeletes: 'replicate',
      ...(lane.cutoffEpochSeconds === undefined ? {} : { cutoffEpochSeconds: lane.cutoffEpochSeconds }),
      ...(lane.fetchOnChange ? { sourceTableArn: lane.fromTableName } : {}),
      ...(lane.dlqUrl ? { dlqUrl: lane.dlqUrl } : {}),
      keyNames: keyNamesFromSchema([...lane.keySchema]),
    },
    {
      target: lane.toDdb,
      source: lane.fromDdb,
      ...(lane.sqs ? { sqs: lane.sqs } : {}),
      logger: { ...options.logger, info: options.logger.debug },
    },
  );
  let reached = false;
  let runnerDone = false;
  const started = Date.now();
  const runner = runStream({
    streams: lane.streams,
    streamArn: lane.streamArn,
    handler,
    checkpointFile: lane.checkpointFile,
    ...(options.until === undefined && options.stopAfterIdleSeconds !== undefined
      ? { stopAfterIdleSeconds: options.stopAfterIdleSeconds }
      : {}),
    signal: stop.signal,
    logger: options.logger,
    ...(options.onProgress ? { onProgress: (p) => options.onProgress?.(p.records, p.lagMs) } : {}),
  }).finally(() => {
    runnerDone = true;
  });
  const poll = async (): Promise<void> => {
    if (options.until === undefined) return;
    while (!runnerDone && !stop.signal.aborted) {
      if (await options.until()) {
        reached = true;
        stop.abort();
        return;
      }
      if (options.timeoutMs !== undefined && Date.now() - started > options.timeoutMs) {
        stop.abort();
        return;
      }
      await abortableSleep(options.pollMs, stop.signal).catch(() => undefined);
    }
  };
  try {
    const [summary] = await Promise.all([runner, poll()]);
    options.signal?.throwIfAborted();
    return { summary, reached, replicatedElsewhere: false };
  } catch (error) {
    options.signal?.throwIfAborted();
    if (!(isMigrationError(error) && error.code === 'RUNNER_LEASE_HELD') || options.until === undefined)
      throw error;
    options.logger.info('another process runs CDC on this checkpoint; waiting for it to deliver', {
      checkpointFile: lane.checkpointFile,
    });
    reached = await pollUntil(options.until, options.pollMs, options.timeoutMs, options.signal);
    return { reached, replicatedElsewhere: true };
  } finally {
    options.signal?.removeEventListener('abort', onOuterAbort);
  }
}

/** Polls `until` until it holds or `timeoutMs` passes. */
export async function pollUntil(
  until: () => Promise<boolean>,
  pollMs: number,
  timeoutMs: number | undefined,
  signal?: AbortSignal,
): Promise<boolean> {
  const started = Date.now();
  for (;;) {
    if (await until()) return true;
    if (timeoutMs !== undefined && Date.now() - started > timeoutMs) return false;
    await abortableSleep(pollMs, signal);
  }
}
