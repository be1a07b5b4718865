import type { Argv } from 'yargs';
import { withSourceTarget } from '../../options.js';

/** The flags migrate and plan share: the seed's names and defaults, plus the new ones. */
export function withMigrateFlags<T>(yargs: Argv<T>) {
  return (
    withSourceTarget(yargs)
      // Validated by toMigrateOptions (one message naming the flag and the fix), not by yargs.
      .option('source-region', {
        type: 'string',
        demandOption: false,
        describe: 'Region of the source table',
      })
      .option('source-table-name', { type: 'string', demandOption: false, describe: 'Source table name' })
      .option('target-s3-bucket-name', {
        type: 'string',
        describe:
          'Bucket in the target account for the export (default: dynamodb-export-to-s3-<target-region>-<target-account-id>)',
      })
      .option('target-table-read-capacity', {
        type: 'number',
        describe: 'Provisioned RCU of the target table (default: copy the source)',
      })
      .option('target-table-write-capacity', {
        type: 'number',
        describe: 'Provisioned WCU of the target table (default: copy the source)',
      })
      .option('target-gsi-read-capacity', { type: 'number', describe: 'Provisioned RCU of each target GSI' })
      .option('target-gsi-write-capacity', { type: 'number', describe: 'Provisioned WCU of each target GSI' })
      .option('cdc-lambda-function-name', {
        type: 'string',
        default: 'dynamodb-cross-account-cdc-lambda-function',
        describe: 'CDC Lambda function (lambda mode), in the source account',
      })
      .option('lambda-event-source-batch-size', {
        type: 'number',
        default: 100,
        describe: 'Records per Lambda batch',
      })
      .option('parallelization-factor', {
        type: 'number',
        default: 1,
        describe: 'Concurrent Lambda batches per shard (1-10)',
      })
      .option('max-retry-attempts', {
        type: 'number',
        default: -1,
        describe:
          'Lambda retries of a failing batch (-1: until the record expires; a bounded count discards batches under a long throttle, sending only their metadata to the DLQ)',
      })
      .option('dlq-url', {
        type: 'string',
        alias: 'queue',
        describe:
          "SQS queue for records CDC cannot apply (default: the function's SQS_QUEUE_URL_FOR_FAILED_EVENTS)",
      })
      .option('load-mode', {
        type: 'string',
        default: 'auto',
        describe:
          'import (ImportTable), write (BatchWriteItem into a created/existing table), auto (import unless LSIs or an existing target)',
      })
      .option('cdc-mode', {
        type: 'string',
        default: 'lambda',
        describe: 'lambda: event source mapping on the CDC function; local: run CDC in this process; none',
      })
      .option('stop-after-idle', {
        type: 'number',
        describe: 'Local CDC: exit 0 once the stream is drained and idle this many seconds',
      })
      .option('dry-run', {
        type: 'boolean',
        default: false,
        describe: 'Preflight only: print the plan, change nothing',
      })
      .option('yes', { type: 'boolean', default: false, describe: 'Do not ask for confirmation' })
      .option('state-dir', {
        type: 'string',
        default: '.ddb-migrate',
        describe: 'Where the migration state is kept',
      })
      .option('enable-pitr', {
        type: 'boolean',
        default: false,
        describe: 'Turn on PITR on the source if it is off (export needs it)',
      })
      .option('max-wcu', { type: 'number', describe: 'Write mode: cap on write units per second' })
      .option('write-concurrency', {
        type: 'number',
        default: 8,
        describe: 'Write mode: BatchWriteItem calls in flight',
      })
      .option('export-time-margin-seconds', {
        type: 'number',
        default: 300,
        describe: 'CDC replays records from export time minus this margin (exports are accurate to +-1 min)',
      })
      .option('stream-settle-seconds', {
        type: 'number',
        default: 65,
        describe:
          "Minimum time between the source stream's start and the export's point in time (exports are accurate to +-1 min: below 60, changes made just before the stream started may be in neither)",
      })
      .option('s3-prefix', {
        type: 'string',
        default: 'ddb-migrate',
        describe: 'Export prefix; <table>/<runId> is appended',
      })
      .option('poll-seconds', {
        type: 'number',
        default: 10,
        describe: 'How often to poll export/import status',
      })
  );
}
