import type { ArgumentsCamelCase, CommandModule } from 'yargs';
import { runAndReport } from '../../context.js';
import {
  dlqUrlOption,
  type GlobalOptions,
  numberOption,
  type SourceTargetOptions,
  withSourceTarget,
} from '../../options.js';

/** Typed options of `ddb-migrate replay-dlq` (numbers as given: run.ts reads them with readNumber). */
export interface ReplayDlqCliOptions extends GlobalOptions, SourceTargetOptions {
  /** `--dlq-url`, also accepted as `--queue-url` (this command's earlier name) and `--queue`. */
  dlqUrl: string;
  maxMessages?: unknown;
  stableAttempts: unknown;
  visibilityTimeout: unknown;
  streamReadSeconds: unknown;
}

/**
 * `ddb-migrate replay-dlq`: re-syncs the keys of dead-lettered CDC records (the engine's
 * whole-record messages and the event source mapping's metadata-only OnFailure batches, re-read
 * from the stream) from the source's current state and deletes each message once its keys are
 * stable in the target.
 */
export const replayDlqCommand: CommandModule<object, ReplayDlqCliOptions> = {
  command: 'replay-dlq',
  describe:
    "Re-sync the keys of the CDC dead-letter queue's records and failed ESM batches from the source's current items",
  builder: (yargs) =>
    withSourceTarget(yargs)
      .option(
        'dlq-url',
        dlqUrlOption(
          "The SQS queue the CDC handler parks failed records in (SQS_QUEUE_URL_FOR_FAILED_EVENTS), also the event source mapping's OnFailure destination",
          true,
        ),
      )
      .option('max-messages', numberOption('Stop after this many messages (default: drain the queue)'))
      .option(
        'stable-attempts',
        numberOption('Read-write-reread rounds per key before giving up on a key that keeps changing', 5),
      )
      .option(
        'visibility-timeout',
        numberOption('Seconds a received message stays hidden while its keys are re-synced', 120),
      )
      .option(
        'stream-read-seconds',
        numberOption(
          "Seconds to re-read an ESM batch from the stream before calling the read partial (GetRecords may return empty pages mid-shard); a partial batch's message is kept",
          60,
        ),
      ) as never,
  handler: async (argv: ArgumentsCamelCase<ReplayDlqCliOptions>) => {
    await runAndReport(argv, (ctx) => import('./run.js').then((m) => m.runReplayDlq(argv, ctx)));
  },
};
