import type { Argv } from 'yargs';

/**
 * Shared flag builders. Every command takes the global flags (--endpoint-url, --output,
 * --verbose); commands that touch both accounts add {@link withSourceTarget}.
 */
export type OutputFormat = 'text' | 'json';

/** Flags every command accepts. */
export interface GlobalOptions {
  endpointUrl?: string;
  output: OutputFormat;
  verbose: boolean;
}

export function withGlobal<T>(yargs: Argv<T>) {
  return yargs
    .option('endpoint-url', {
      type: 'string',
      describe: 'Endpoint for every AWS service (also AWS_ENDPOINT_URL); e.g. a local moto server',
    })
    .option('output', {
      choices: ['text', 'json'] as const,
      default: 'text' as const,
      describe: 'Output format',
    })
    .option('verbose', { type: 'boolean', default: false, describe: 'Print stack traces and debug logs' });
}

/** Source and target flags, with the seed's names and defaults. */
export interface SourceTargetOptions {
  sourceRegion: string;
  sourceTableName: string;
  sourceAccountId?: string;
  sourceProfile?: string;
  targetRegion: string;
  targetTableName: string;
  targetAccountId?: string;
  targetRoleName: string;
  targetRoleArn?: string;
  targetExternalId?: string;
  targetProfile?: string;
}

export function withSourceTarget<T>(yargs: Argv<T>) {
  return yargs
    .option('source-region', { type: 'string', demandOption: true, describe: 'Region of the source table' })
    .option('source-table-name', { type: 'string', demandOption: true, describe: 'Source table name' })
    .option('source-account-id', {
      type: 'string',
      describe: 'Source AWS account id (checked against the caller)',
    })
    .option('source-profile', { type: 'string', describe: 'AWS profile for the source account' })
    .option('target-region', {
      type: 'string',
      describe: 'Region of the target table (default: source region)',
    })
    .option('target-table-name', {
      type: 'string',
      describe: 'Target table name (default: source table name)',
    })
    .option('target-account-id', { type: 'string', describe: 'Target AWS account id' })
    .option('target-role-name', {
      type: 'string',
      default: 'cross_account_assume_role',
      describe: 'Role in the target account to assume (with --target-account-id)',
    })
    .option('target-role-arn', {
      type: 'string',
      describe: 'Full ARN of the target role (overrides name + account)',
    })
    .option('target-external-id', { type: 'string', describe: 'ExternalId for the target role' })
    .option('target-profile', {
      type: 'string',
      describe: 'AWS profile for the target account (instead of assuming a role)',
    });
}

/** Reads AWS_ENDPOINT_URL when --endpoint-url is not given (entry point only). */
export function resolveEndpoint(flag: string | undefined, env: NodeJS.ProcessEnv): string | undefined {
  return flag ?? (env.AWS_ENDPOINT_URL?.trim() || undefined);
}
