import { ConfigError } from '@ddb-migrate/core';
import type { EsmBatchInfo } from './commands/replay-dlq/parse-message.js';

/** The hint of every {@link UsageError}. */
export const USAGE_HINT = 'Run ddb-migrate <command> --help for the flags';

/**
 * A command line yargs cannot parse: an unknown flag or command, a missing argument, a bad choice.
 * Bad input (exit 2); nothing ran.
 */
export class UsageError extends ConfigError {
  constructor(message: string) {
    super(message, { code: 'USAGE', hint: USAGE_HINT });
  }
}

/**
 * replay-dlq: the records of a failed ESM batch are no longer in the stream (trimmed after 24 h,
 * or the shard expired). Not user-facing: the command catches it, keeps the message and names
 * `verify --repair` as the remedy.
 */
export class BatchTrimmedError extends Error {
  constructor(
    readonly batch: EsmBatchInfo,
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(
      `records ${batch.startSequenceNumber}..${batch.endSequenceNumber} of ${batch.shardId} are no longer in the stream (${reason})`,
      options,
    );
    this.name = 'BatchTrimmedError';
  }
}
