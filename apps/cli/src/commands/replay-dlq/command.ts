import type { ArgumentsCamelCase, CommandModule } from 'yargs';
import { type CliContext, runAndReport } from '../../context.js';
import { dlqUrlOption, numberOption, withSourceTarget } from '../../options.js';
import type { ReplayDlqCliOptions } from './run.js';

/**
 * `ddb-migrate replay-dlq`: re-syncs the keys of dead-lettered CDC records (the engine's
 * whole-record messages and the event source mapping's metadata-only OnFailure batches, re-read
 * from the stream) from the source's current state and deletes each message once its keys are
 * stable in the target.
 */
export function replayDlqCommand(ctx: CliContext): CommandModule<object, ReplayDlqCliOptions> {
  return {
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
        .option('cdc-account', {
          type: 'string',
          describe:
            'The account of the queue: source or target (migrate --cdc-account target); default: target when the queue URL names the target account, else source',
        })
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
      await runAndReport(ctx, argv, (ctx) => import('./run.js').then((m) => m.runReplayDlq(argv, ctx)));
    },
  };
}
