import type { ArgumentsCamelCase, CommandModule } from 'yargs';
import { runAndReport } from '../../context.js';
import { type GlobalOptions, type SourceTargetOptions, withSourceTarget } from '../../options.js';

/** Typed options of `ddb-migrate replay-dlq`. */
export interface ReplayDlqCliOptions extends GlobalOptions, SourceTargetOptions {
  queueUrl: string;
  maxMessages?: number;
  stableAttempts: number;
  visibilityTimeout: number;
  streamReadSeconds: number;
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
      .option('queue-url', {
        type: 'string',
        demandOption: true,
        describe:
          "The SQS queue the CDC handler parks failed records in (SQS_QUEUE_URL_FOR_FAILED_EVENTS), also the event source mapping's OnFailure destination",
      })
      .option('max-messages', {
        type: 'number',
        describe: 'Stop after this many messages (default: drain the queue)',
      })
      .option('stable-attempts', {
        type: 'number',
        default: 5,
        describe: 'Read-write-reread rounds per key before giving up on a key that keeps changing',
      })
      .option('visibility-timeout', {
        type: 'number',
        default: 120,
        describe: 'Seconds a received message stays hidden while its keys are re-synced',
      })
      .option('stream-read-seconds', {
        type: 'number',
        default: 60,
        describe:
          "Seconds to re-read an ESM batch from the stream before calling the read partial (GetRecords may return empty pages mid-shard); a partial batch's message is kept",
      }) as never,
  handler: async (argv: ArgumentsCamelCase<ReplayDlqCliOptions>) => {
    await runAndReport(argv, (ctx) => import('./run.js').then((m) => m.runReplayDlq(argv, ctx)));
  },
};
