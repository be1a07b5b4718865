import { copyFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import { type LambdaStreamEvent, runStream } from '@ddb-migrate/cdc-lambda';
import { type Logger, sdkErrorName } from '@ddb-migrate/core';

/** What local CDC still has to deliver, as its checkpoint and the stream say. */
export interface LocalBacklog {
  records: number;
  /** Creation time (epoch ms) of the oldest record not delivered yet; undefined when there is none. */
  oldestMs?: number;
}

/**
 * Reads (and only reads) the stream from local CDC's checkpoint, to count what it has not
 * delivered yet: the runner over a copy of the checkpoint file (no lease: nothing is applied and
 * the real checkpoint is not touched) with a handler that only counts, stopping once idle. The age
 * of the oldest pending record is local CDC's lag; a stopped runner with nothing pending has none.
 */
export async function localBacklog(input: {
  streams: Pick<DynamoDBStreamsClient, 'send'>;
  streamArn: string;
  checkpointFile: string;
  logger: Logger;
  idleSeconds?: number;
  /** Records created before this (epoch ms) are not pending: the handler's cut-off skips them. */
  sinceMs?: number;
  /**
   * How long to read at most (default 10 s): a stream that is still written to is never idle, and
   * the oldest pending record heads its shard's first page, which a few rounds of reads reach.
   */
  maxSeconds?: number;
}): Promise<LocalBacklog> {
  const dir = await mkdtemp(join(tmpdir(), 'ddb-migrate-backlog-'));
  const copy = join(dir, 'checkpoint.json');
  try {
    try {
      await copyFile(input.checkpointFile, copy);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    const backlog: LocalBacklog = { records: 0 };
    const stop = new AbortController();
    const timer = setTimeout(() => stop.abort(), (input.maxSeconds ?? 10) * 1000);
    await runStream({
      signal: stop.signal,
      streams: input.streams,
      streamArn: input.streamArn,
      checkpointFile: copy,
      lease: false,
      stopAfterIdleSeconds: input.idleSeconds ?? 1,
      lineageWaitMs: 5_000,
      logger: { ...input.logger, info: input.logger.debug },
      handler: async (event: LambdaStreamEvent) => {
        for (const record of event.Records) {
          const created = (record.dynamodb?.ApproximateCreationDateTime ?? 0) * 1000;
          if (input.sinceMs !== undefined && created < input.sinceMs) continue;
          backlog.records += 1;
          if (created > 0 && (backlog.oldestMs === undefined || created < backlog.oldestMs))
            backlog.oldestMs = created;
        }
        return { batchItemFailures: [] };
      },
    }).finally(() => clearTimeout(timer));
    return backlog;
  } catch (error) {
    // A trimmed position is the 24-hour limit: reported by the caller.
    if (
      sdkErrorName(error) === 'TrimmedDataAccessException' ||
      (error as { code?: string }).code === 'STREAM_TRIMMED'
    ) {
      return { records: Number.POSITIVE_INFINITY, oldestMs: 0 };
    }
    throw error;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
