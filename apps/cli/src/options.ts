import { ConfigError } from '@ddb-migrate/core';
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
  /** Required in the end: `--source-region`, else `--region`, `AWS_REGION`, `AWS_DEFAULT_REGION`. */
  sourceRegion?: string;
  sourceTableName: string;
  sourceAccountId?: string;
  sourceProfile?: string;
  /** AWS CLI convention: the default of `--source-region` (the target region defaults to the source's). */
  region?: string;
  /** AWS CLI convention: the default of `--source-profile`. */
  profile?: string;
  targetRegion?: string;
  targetTableName?: string;
  targetAccountId?: string;
  /** Only when given: the default `cross_account_assume_role` is applied by resolveSides. */
  targetRoleName?: string;
  targetRoleArn?: string;
  targetExternalId?: string;
  targetProfile?: string;
}

/** The seed's role name in the target account. */
export const DEFAULT_TARGET_ROLE_NAME = 'cross_account_assume_role';

/** The names the source and target flags are read under (also in the README's "Flags" section). */
export const SIDE_FLAG_NAMES = [
  'source-region',
  'source-table-name',
  'source-account-id',
  'source-profile',
  'region',
  'profile',
  'target-region',
  'target-table-name',
  'target-account-id',
  'target-role-name',
  'target-role-arn',
  'target-external-id',
  'target-profile',
] as const;

/**
 * The source and target flags. `tableRequired: false` where a command checks --source-table-name
 * itself (migrate, plan, verify, cutover, rollback: `--file` names the tables instead).
 */
export function withSourceTarget<T>(
  yargs: Argv<T>,
  { tableRequired = true }: { tableRequired?: boolean } = {},
) {
  return (
    yargs
      // Not demanded by yargs: --region or AWS_REGION may give it (resolveSides says what is missing).
      .option('source-region', {
        type: 'string',
        describe: 'Region of the source table (default: --region, AWS_REGION, AWS_DEFAULT_REGION)',
      })
      .option('source-table-name', {
        type: 'string',
        demandOption: tableRequired,
        describe: 'Source table name',
      })
      .option('source-account-id', {
        type: 'string',
        describe: 'Source AWS account id (checked against the caller)',
      })
      .option('source-profile', {
        type: 'string',
        describe: 'AWS profile for the source account (default: --profile, AWS_PROFILE)',
      })
      .option('region', {
        type: 'string',
        describe: 'Default of --source-region (and so of --target-region), as in the AWS CLI',
      })
      .option('profile', {
        type: 'string',
        describe: 'Default of --source-profile, as in the AWS CLI; never used for the target',
      })
      .option('target-region', {
        type: 'string',
        describe: 'Region of the target table (default: the source region)',
      })
      .option('target-table-name', {
        type: 'string',
        describe: 'Target table name (default: source table name)',
      })
      .option('target-account-id', { type: 'string', describe: 'Target AWS account id' })
      .option('target-role-name', {
        type: 'string',
        describe: `Role in --target-account-id to assume (default: ${DEFAULT_TARGET_ROLE_NAME})`,
      })
      .option('target-role-arn', {
        type: 'string',
        describe: 'Full ARN of the target role (instead of --target-role-name)',
      })
      .option('target-external-id', { type: 'string', describe: 'ExternalId for the target role' })
      .option('target-profile', {
        type: 'string',
        describe: 'AWS profile for the target account (instead of assuming a role)',
      })
  );
}

/**
 * The dead-letter queue flag: one name (`--dlq-url`) with the names other commands used before
 * (`--queue-url`, `--queue`) as aliases, in every command that takes the queue.
 */
export function dlqUrlOption(describe: string, demandOption = false) {
  return { type: 'string', alias: ['queue-url', 'queue'], demandOption, describe } as const;
}

/**
 * A numeric flag. Parsed by {@link readNumber} rather than yargs (`type: 'number'` turns `abc`
 * into NaN before anyone can say what was given).
 */
export function numberOption(describe: string, defaultValue?: number) {
  return {
    describe: `${describe} [number]`,
    ...(defaultValue === undefined ? {} : { default: defaultValue }),
    requiresArg: true,
  } as const;
}

/** Bounds of a numeric flag. */
export interface NumberRange {
  min?: number;
  max?: number;
  /** The value must be greater than min (not equal). */
  aboveMin?: boolean;
  integer?: boolean;
  /** The value a refusal suggests; default the smallest allowed (give one where that is unsafe). */
  example?: number;
}

/**
 * Reads a numeric flag as given on the command line (yargs leaves it raw, see {@link numberOption}).
 *
 * @throws ConfigError naming the flag, the allowed range and the value given (never "NaN").
 * @example
 * readNumber(argv.batchSize, '--batch-size', { min: 1, max: 10_000, integer: true }) // 100
 */
export function readNumber(value: unknown, flag: string, range: NumberRange = {}): number | undefined {
  if (value === undefined || value === null) return undefined;
  const given = Array.isArray(value) ? value.map(String).join(' ') : String(value);
  const n =
    typeof value === 'number'
      ? value
      : typeof value === 'string' && value.trim() !== ''
        ? Number(value)
        : Number.NaN;
  const { min, max, aboveMin = false, integer = false } = range;
  const ok =
    Number.isFinite(n) &&
    (!integer || Number.isInteger(n)) &&
    (min === undefined || (aboveMin ? n > min : n >= min)) &&
    (max === undefined || n <= max);
  if (ok) return n;
  const kind = integer ? 'an integer' : 'a number';
  const bounds =
    min !== undefined && max !== undefined && !aboveMin
      ? ` from ${min} to ${max}`
      : `${min === undefined ? '' : aboveMin ? ` above ${min}` : ` of at least ${min}`}${max === undefined ? '' : ` up to ${max}`}`;
  const shown = typeof value === 'boolean' || given === '' ? 'no value' : `"${given}"`;
  throw new ConfigError(`${flag} must be ${kind}${bounds} (got ${shown})`, {
    hint: `Pass e.g. ${flag} ${range.example ?? (min === undefined ? 1 : aboveMin ? min + 1 : min)}`,
  });
}

/** Reads AWS_ENDPOINT_URL when --endpoint-url is not given (entry point only). */
export function resolveEndpoint(flag: string | undefined, env: NodeJS.ProcessEnv): string | undefined {
  return flag ?? (env.AWS_ENDPOINT_URL?.trim() || undefined);
}
