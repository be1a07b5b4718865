import { ConfigError } from '@ddb-migrate/core';
import { type GlobalOptions, readNumber, type SourceTargetOptions } from '../../options.js';
import { checkAccountId, checkRegion, resolveSourceRegion } from '../../sides.js';
import { readLoadEngineFlags } from './load-engine.js';
import type { MigrateOptions } from './run.js';

/** Raw yargs argv for migrate/plan (camel-cased keys). */
export type MigrateArgv = Partial<Record<string, unknown>> & SourceTargetOptions & GlobalOptions;

/**
 * Validates and freezes the migrate/plan flags. `env` gives the source region's defaults
 * (`AWS_REGION`, `AWS_DEFAULT_REGION`) when neither --source-region nor --region is given.
 *
 * @throws ConfigError naming the flag and the fix (a bad number shows the value as given).
 */
export function toMigrateOptions(
  argv: MigrateArgv,
  overrides: { dryRun?: boolean; env?: NodeJS.ProcessEnv } = {},
): Readonly<MigrateOptions> {
  const str = (k: string): string | undefined => {
    const v = argv[k];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'string' || v.trim() === '') {
      throw new ConfigError(`--${kebab(k)} needs a value`, { hint: `Pass --${kebab(k)} <value>` });
    }
    return v.trim();
  };
  const int = (k: string, min: number, max: number, example?: number): number | undefined =>
    readNumber(argv[k], `--${kebab(k)}`, {
      min,
      max,
      integer: true,
      ...(example === undefined ? {} : { example }),
    });
  const sourceTableName = str('sourceTableName');
  if (!sourceTableName)
    throw new ConfigError('--source-table-name is required', { hint: 'Pass --source-table-name <table>' });
  checkTableName('--source-table-name', sourceTableName);
  const region = str('region');
  const givenSourceRegion = str('sourceRegion');
  const sourceRegion = resolveSourceRegion(
    {
      ...(givenSourceRegion === undefined ? {} : { sourceRegion: givenSourceRegion }),
      ...(region === undefined ? {} : { region }),
    },
    overrides.env ?? {},
  );
  const targetRegion = str('targetRegion') ?? sourceRegion;
  checkRegion('--target-region', targetRegion);
  const targetTableName = str('targetTableName') ?? sourceTableName;
  checkTableName('--target-table-name', targetTableName);
  const sourceAccountId = str('sourceAccountId');
  if (sourceAccountId) checkAccountId('--source-account-id', sourceAccountId);
  const targetAccountId = str('targetAccountId');
  if (targetAccountId) checkAccountId('--target-account-id', targetAccountId);
  const bucket = str('targetS3BucketName');
  if (bucket !== undefined && !/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket)) {
    throw new ConfigError(`--target-s3-bucket-name "${bucket}" is not a valid S3 bucket name`, {
      hint: 'Use 3-63 lowercase letters, digits, dots and hyphens',
    });
  }
  const loadMode = enumOf(argv.loadMode, 'load-mode', ['auto', 'import', 'write'] as const, 'auto');
  const cdcMode = enumOf(argv.cdcMode, 'cdc-mode', ['lambda', 'local', 'none'] as const, 'lambda');
  const cdcAccount = enumOf(argv.cdcAccount, 'cdc-account', ['source', 'target'] as const, 'source');
  if (argv.cdcAccount !== undefined && cdcMode !== 'lambda') {
    throw new ConfigError(`--cdc-account only applies to --cdc-mode lambda (got --cdc-mode ${cdcMode})`, {
      hint: 'Drop --cdc-account, or pass --cdc-mode lambda',
    });
  }
  const catchUp = enumOf(argv.catchUp, 'catch-up', ['incremental', 'refuse'] as const, 'incremental');
  const stopAfterIdle = int('stopAfterIdle', 1, 86_400);
  if (stopAfterIdle !== undefined && cdcMode !== 'local') {
    throw new ConfigError('--stop-after-idle only applies to --cdc-mode local', {
      hint: 'Add --cdc-mode local or drop --stop-after-idle',
    });
  }
  const s3Prefix = (str('s3Prefix') ?? 'ddb-migrate').replace(/^\/+|\/+$/g, '');
  if (s3Prefix === '')
    throw new ConfigError('--s3-prefix is empty', { hint: 'Pass e.g. --s3-prefix migrations' });
  const dlqUrl = str('dlqUrl');
  if (dlqUrl !== undefined && !/^https?:\/\/\S+\/\d{12}\/[\w.-]+$/.test(dlqUrl)) {
    throw new ConfigError(`--dlq-url "${dlqUrl}" is not an SQS queue URL`, {
      hint: 'Use the form https://sqs.<region>.amazonaws.com/<account>/<queue>',
    });
  }
  const targetRoleArn = str('targetRoleArn');
  const options: MigrateOptions = {
    endpointUrl: str('endpointUrl'),
    output: argv.output === 'json' ? 'json' : 'text',
    verbose: argv.verbose === true,
    sourceRegion,
    sourceTableName,
    sourceAccountId,
    sourceProfile: str('sourceProfile'),
    region,
    profile: str('profile'),
    targetRegion,
    targetTableName,
    targetAccountId,
    // Undefined unless given: resolveSides applies the seed's default and refuses contradictions.
    targetRoleName: str('targetRoleName'),
    targetRoleArn,
    targetExternalId: str('targetExternalId'),
    targetProfile: str('targetProfile'),
    targetS3BucketName: bucket,
    capacity: {
      tableReadCapacity: int('targetTableReadCapacity', 1, 1_000_000),
      tableWriteCapacity: int('targetTableWriteCapacity', 1, 1_000_000),
      gsiReadCapacity: int('targetGsiReadCapacity', 1, 1_000_000),
      gsiWriteCapacity: int('targetGsiWriteCapacity', 1, 1_000_000),
    },
    loadMode,
    cdcMode,
    cdcAccount,
    catchUp,
    cdcLambdaFunctionName: str('cdcLambdaFunctionName') ?? 'dynamodb-cross-account-cdc-lambda-function',
    lambdaEventSourceBatchSize: int('lambdaEventSourceBatchSize', 1, 10_000) ?? 100,
    parallelizationFactor: int('parallelizationFactor', 1, 10) ?? 1,
    // -1 (Lambda's own default): retry until the record expires; the handler parks what never succeeds.
    maxRetryAttempts: int('maxRetryAttempts', -1, 10_000) ?? -1,
    dlqUrl,
    stopAfterIdleSeconds: stopAfterIdle,
    dryRun: overrides.dryRun ?? argv.dryRun === true,
    yes: argv.yes === true,
    stateDir: str('stateDir') ?? '.ddb-migrate',
    enablePitr: argv.enablePitr === true,
    maxWcu: int('maxWcu', 1, 10_000_000),
    writeConcurrency: int('writeConcurrency', 1, 256) ?? 8,
    ...readLoadEngineFlags(argv, { loadMode, targetProfile: str('targetProfile') }),
    // 120 is the CDC Lambda's own floor (EXPORT_TIME_MARGIN_SECONDS): exports are accurate to +-1 min.
    exportTimeMarginSeconds: int('exportTimeMarginSeconds', 120, 86_400) ?? 300,
    // 0 is allowed (stand-ins with exact exports) but unsafe on AWS: suggest the default.
    streamSettleSeconds: int('streamSettleSeconds', 0, 3_600, 65) ?? 65,
    s3Prefix,
    pollSeconds: int('pollSeconds', 1, 600) ?? 10,
  };
  if (
    sourceRegion === targetRegion &&
    sourceTableName === targetTableName &&
    !targetAccountId &&
    !targetRoleArn &&
    !options.targetProfile
  ) {
    throw new ConfigError('Source and target are the same table', {
      hint: 'Pass --target-account-id (or --target-role-arn / --target-profile) or a different --target-table-name',
    });
  }
  return Object.freeze(options);
}

function checkTableName(flag: string, name: string): void {
  if (!/^[a-zA-Z0-9_.-]{3,255}$/.test(name)) {
    throw new ConfigError(`${flag} "${name}" is not a valid DynamoDB table name`, {
      hint: 'Use 3-255 characters: letters, digits, _ - .',
    });
  }
}

function enumOf<T extends string>(value: unknown, flag: string, allowed: readonly T[], fallback: T): T {
  if (value === undefined || value === null) return fallback;
  if (typeof value === 'string' && (allowed as readonly string[]).includes(value)) return value as T;
  throw new ConfigError(`--${flag} must be one of ${allowed.join(', ')} (got ${String(value)})`, {
    hint: `Pass --${flag} ${fallback}`,
  });
}

function kebab(key: string): string {
  return key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}
