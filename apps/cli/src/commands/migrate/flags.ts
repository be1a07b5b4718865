import type { Argv } from 'yargs';
import { dlqUrlOption, numberOption, withSourceTarget } from '../../options.js';
import { withLoadEngineFlags } from './load-engine.js';

/** The choices of --load-mode and --cdc-mode (validated by toMigrateOptions, one line naming them). */
export const LOAD_MODES = ['auto', 'import', 'write'] as const;
export const CDC_MODES = ['lambda', 'local', 'none'] as const;
export const CATCH_UP_MODES = ['incremental', 'refuse'] as const;
export const CDC_ACCOUNTS = ['source', 'target'] as const;

/** How yargs renders choices, for flags whose choices toMigrateOptions checks itself. */
const choicesNote = (choices: readonly string[]) => `[choices: ${choices.map((c) => `"${c}"`).join(', ')}]`;

/**
 * The flags migrate and plan share: the seed's names and defaults, plus the new ones.
 *
 * @param command `plan` hides the flags that only change how a migration runs (--yes, --dry-run,
 *   --stop-after-idle, --poll-seconds, --write-concurrency) from its help; they are still
 *   accepted, so a migrate command line works as a plan one.
 */
export function withMigrateFlags<T>(yargs: Argv<T>, command: 'migrate' | 'plan' = 'migrate') {
  const applyOnly = command === 'plan';
  return withLoadEngineFlags(
    withSourceTarget(yargs, { tableRequired: false })
      // Validated by toMigrateOptions (one message naming the flag and the fix), not by yargs.
      .option('source-table-name', { type: 'string', demandOption: false, describe: 'Source table name' })
      .option('file', {
        type: 'string',
        describe:
          'A migration plan file (YAML or JSON): the sides once, then the tables (instead of --source-table-name)',
      })
      .option('target-s3-bucket-name', {
        type: 'string',
        describe:
          'Bucket in the target account for the export (default: dynamodb-export-to-s3-<target-region>-<target-account-id>)',
      })
      .option(
        'target-table-read-capacity',
        numberOption('Provisioned RCU of the target table (default: copy the source)'),
      )
      .option(
        'target-table-write-capacity',
        numberOption('Provisioned WCU of the target table (default: copy the source)'),
      )
      .option('target-gsi-read-capacity', numberOption('Provisioned RCU of each target GSI'))
      .option('target-gsi-write-capacity', numberOption('Provisioned WCU of each target GSI'))
      .option('cdc-lambda-function-name', {
        type: 'string',
        default: 'dynamodb-cross-account-cdc-lambda-function',
        describe: 'CDC Lambda function (lambda mode), in the account --cdc-account names',
      })
      .option('cdc-account', {
        type: 'string',
        describe: `Lambda mode: the account of the CDC function, its queue and mapping; source (the seed's layout, default) or target (reads the source stream through a stream resource policy migrate puts, writes locally) ${choicesNote(CDC_ACCOUNTS)}`,
      })
      .option('lambda-event-source-batch-size', numberOption('Records per Lambda batch', 100))
      .option('parallelization-factor', numberOption('Concurrent Lambda batches per shard (1-10)', 1))
      .option(
        'max-retry-attempts',
        numberOption(
          'Lambda retries of a failing batch (-1: until the record expires; a bounded count discards batches under a long throttle, sending only their metadata to the DLQ)',
          -1,
        ),
      )
      .option(
        'dlq-url',
        dlqUrlOption(
          "SQS queue for records CDC cannot apply (default: the function's SQS_QUEUE_URL_FOR_FAILED_EVENTS)",
        ),
      )
      .option('load-mode', {
        type: 'string',
        default: 'auto',
        describe: `auto: import unless the source has LSIs or the target table exists; import: ImportTable; write: BatchWriteItem into a created or existing table ${choicesNote(LOAD_MODES)}`,
      })
      .option('cdc-mode', {
        type: 'string',
        default: 'lambda',
        describe: `lambda: event source mapping on the CDC function (keeps the target in sync); local: run CDC in this process (in sync while it runs); none ${choicesNote(CDC_MODES)}`,
      })
      .option('catch-up', {
        type: 'string',
        default: 'incremental',
        describe: `When the load ends too late for the stream's 24 h: incremental (bridge the gap with incremental exports, then start CDC) or refuse (stop with STREAM_WINDOW_EXCEEDED) ${choicesNote(CATCH_UP_MODES)}`,
      })
      .option('stop-after-idle', {
        ...numberOption(
          'Local CDC: exit 0 once the stream is drained and idle this many seconds (the target is then no longer kept in sync)',
        ),
        hidden: applyOnly,
      })
      .option('dry-run', {
        type: 'boolean',
        default: false,
        describe: 'Preflight only: print the plan, change nothing',
        hidden: applyOnly,
      })
      .option('yes', {
        type: 'boolean',
        default: false,
        describe: 'Do not ask for confirmation',
        hidden: applyOnly,
      })
      .option('state-dir', {
        type: 'string',
        default: '.ddb-migrate',
        describe: 'Where the migration state (and the local CDC checkpoint) is kept',
      })
      .option('enable-pitr', {
        type: 'boolean',
        default: false,
        describe: 'Turn on PITR on the source if it is off (export needs it)',
      })
      .option('max-wcu', numberOption('Write mode: cap on write units per second'))
      .option('write-concurrency', {
        ...numberOption('Write mode: BatchWriteItem calls in flight', 8),
        hidden: applyOnly,
      })
      .option(
        'export-time-margin-seconds',
        numberOption(
          'CDC replays records from export time minus this margin (exports are accurate to +-1 min)',
          300,
        ),
      )
      .option(
        'stream-settle-seconds',
        numberOption(
          "Minimum time between the source stream's start and the export's point in time (exports are accurate to +-1 min: below 60, changes made just before the stream started may be in neither)",
          65,
        ),
      )
      .option('s3-prefix', {
        type: 'string',
        default: 'ddb-migrate',
        describe: 'Export prefix; <table>/<runId> is appended',
      })
      .option('poll-seconds', {
        ...numberOption('How often to poll export/import status', 10),
        alias: 'poll-interval',
        hidden: applyOnly,
      }),
    applyOnly,
  );
}
