import type { Argv, CommandModule } from 'yargs';
import { type CliContext, runAndReport } from '../../context.js';
import type { BootstrapOptions } from './run.js';

/**
 * `ddb-migrate bootstrap`: deploys or updates the target stack (export bucket, cross-account
 * role) and the source stack (CDC Lambda, DLQ, alarms) through the CloudFormation API; with
 * `--cdc-account target` the CDC Lambda, DLQ and alarms go into the target stack and the source
 * stack holds only the operator policy for the stream's resource policy.
 */
export function bootstrapCommand(ctx: CliContext): CommandModule<object, BootstrapOptions> {
  return {
    command: 'bootstrap',
    describe: 'Deploy or update the CloudFormation stacks in both accounts (target first, then source)',
    builder: (yargs) =>
      yargs
        .option('source-region', {
          type: 'string',
          demandOption: true,
          describe: 'Region of the source table and stack',
        })
        .option('source-profile', { type: 'string', describe: 'AWS profile for the source account' })
        .option('target-region', {
          type: 'string',
          describe: 'Region of the target table and stack (default: source region)',
        })
        .option('target-account-id', { type: 'string', describe: 'Target AWS account id' })
        // Not migrate's --target-role-name (the role migrate assumes, which the target stack creates):
        // an admin role that may deploy stacks. The old names stay as aliases.
        .option('target-admin-role-name', {
          type: 'string',
          alias: 'target-role-name',
          describe:
            'Admin role in --target-account-id that may deploy stacks (e.g. OrganizationAccountAccessRole); not the role the stack creates (--migration-role-name)',
        })
        .option('target-admin-role-arn', {
          type: 'string',
          alias: 'target-role-arn',
          describe: 'Full ARN of that admin role (instead of --target-admin-role-name)',
        })
        .option('target-external-id', { type: 'string', describe: 'ExternalId for the deploying role' })
        .option('target-profile', {
          type: 'string',
          describe: 'AWS profile for the target account (instead of a role)',
        })
        .option('stacks', {
          choices: ['both', 'target', 'source'] as const,
          default: 'both' as const,
          describe: 'Which stacks to deploy',
        })
        // A string checked by run (yargs' choices error spans several lines).
        .option('cdc-account', {
          type: 'string',
          describe:
            "Account of the CDC Lambda, its DLQ and alarms: source (source stack) or target (target stack, reading the source stream through its resource policy). Default: the deployed stacks' layout, else source",
        })
        .option('source-stack-name', {
          type: 'string',
          default: 'ddb-migrate-source',
          describe: 'Source stack name',
        })
        .option('target-stack-name', {
          type: 'string',
          default: 'ddb-migrate-target',
          describe: 'Target stack name',
        })
        .option('source-table-name', {
          type: 'string',
          describe: 'The table to migrate (source stack SourceTableName)',
        })
        .option('target-table-name', {
          type: 'string',
          describe: 'Target table name (default: source table name)',
        })
        .option('code-bucket', {
          type: 'string',
          describe:
            'Bucket holding the CDC Lambda zip, in the account and Region of the function (source; target with --cdc-account target)',
        })
        .option('code-key', {
          type: 'string',
          describe: 'Object key of the zip (default with --code-file: ddb-migrate/<file name>)',
        })
        .option('code-s3-uri', {
          type: 'string',
          describe: 's3://bucket/key of the zip (instead of --code-bucket/--code-key)',
        })
        .option('code-file', {
          type: 'string',
          describe: 'Upload this zip to --code-bucket first (creating the bucket if needed)',
        })
        .option('cdc-lambda-function-name', {
          type: 'string',
          describe: 'CDC Lambda name (template default as in migrate)',
        })
        .option('cdc-lambda-role-name', {
          type: 'string',
          describe:
            "CDC Lambda's role name (both stacks; with --cdc-account target the target stack's; default ddb-migrate-cdc-lambda)",
        })
        .option('target-s3-bucket-name', {
          type: 'string',
          describe: 'Export bucket name (default dynamodb-export-to-s3-<region>-<account>)',
        })
        .option('migration-role-name', {
          type: 'string',
          describe:
            'Name of the cross-account role the target stack creates (default cross_account_assume_role)',
        })
        .option('operator-principal-arn', {
          type: 'string',
          array: true,
          describe: 'Source role/user ARN(s) that will run migrate (default: the source caller)',
        })
        .option('source-parameter', {
          type: 'string',
          array: true,
          describe: 'Extra source template parameter Key=Value',
        })
        .option('target-parameter', {
          type: 'string',
          array: true,
          describe: 'Extra target template parameter Key=Value',
        })
        .option('template-dir', {
          type: 'string',
          describe: 'Deploy source.yaml/target.yaml from this folder instead',
        })
        .option('poll-seconds', {
          type: 'number',
          alias: 'poll-interval',
          default: 5,
          describe: 'Seconds between stack status polls (as migrate --poll-seconds)',
        }) as unknown as Argv<BootstrapOptions>,
    handler: async (argv) => {
      await runAndReport(ctx, argv, (ctx) => import('./run.js').then((m) => m.runBootstrap(argv, ctx)));
    },
  };
}
