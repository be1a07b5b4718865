import { assumeRoleCredentials, ConfigError, fromDynamoJson, type Item } from '@ddb-migrate/core';
import { type CutoverInput, type CutoverOptions, DEFAULT_CUTOVER_OPTIONS } from '@ddb-migrate/migration';
import { type GlobalOptions, readNumber, type SourceTargetOptions } from '../../options.js';
import type { ResolvedSides } from '../../sides.js';

/** Raw argv of cutover and rollback (camel-cased by yargs). */
export interface CutoverArgv extends GlobalOptions, SourceTargetOptions {
  /** A plan file: every table in it (instead of --source-table-name). */
  file?: string;
  stateDir?: string;
  yes?: boolean;
  dryRun?: boolean;
  abort?: boolean;
  reverse?: boolean;
  allowPrincipal?: unknown;
  freeze?: unknown;
  maxLag?: unknown;
  allowDlq?: boolean;
  verify?: unknown;
  exec?: string;
  fenceKey?: string;
  probeRoleArn?: string;
  probeProfile?: string;
  freezeSettleSeconds?: unknown;
  freezeTimeoutSeconds?: unknown;
  fenceTimeoutSeconds?: unknown;
  stopAfterIdle?: unknown;
  dlqUrl?: string;
  report?: string;
  pollMilliseconds?: unknown;
}

/** cutover/rollback flags after validation. */
export interface CutoverCliOptions {
  engine: CutoverOptions;
  dryRun: boolean;
  yes: boolean;
  abort: boolean;
  exec?: string;
  probeRoleArn?: string;
  probeProfile?: string;
}

const PRINCIPAL = /^arn:aws[a-z-]*:(iam|sts)::\d{12}:[\w+=,.@/-]+$/;

/**
 * Validates the cutover/rollback flags (every mistake is one ConfigError line, exit 2, before any
 * AWS call).
 */
export function toCutoverOptions(argv: CutoverArgv, command: 'cutover' | 'rollback'): CutoverCliOptions {
  const principals = ([] as unknown[]).concat(argv.allowPrincipal ?? []).map(String);
  for (const p of principals) {
    if (!PRINCIPAL.test(p)) {
      throw new ConfigError(`--allow-principal "${p}" is not an IAM or STS principal ARN`, {
        hint: 'Pass e.g. --allow-principal arn:aws:iam::123456789012:role/app-admin',
      });
    }
  }
  const freeze = oneOf(argv.freeze, '--freeze', ['policy', 'none'] as const, 'policy');
  const verify = oneOf(argv.verify, '--verify', ['changed', 'full'] as const, 'changed');
  const seconds = (value: unknown, flag: string, fallback: number, min = 0) =>
    readNumber(value, flag, { min, max: 86_400, integer: true }) ?? fallback;
  let fenceKey: Item | undefined;
  if (argv.fenceKey !== undefined) {
    try {
      fenceKey = fromDynamoJson(JSON.parse(argv.fenceKey) as Record<string, unknown>);
    } catch (error) {
      throw new ConfigError(`--fence-key is not a DynamoDB JSON key (${(error as Error).message})`, {
        code: 'FENCE_KEY_INVALID',
        hint: `Pass e.g. --fence-key '{"pk":{"S":"ddb-migrate-fence"}}'`,
      });
    }
  }
  if (
    argv.probeRoleArn !== undefined &&
    !/^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]+$/.test(argv.probeRoleArn)
  ) {
    throw new ConfigError(`--probe-role-arn "${argv.probeRoleArn}" is not a role ARN`, {
      hint: 'Pass a role the freeze does not exempt, e.g. arn:aws:iam::123456789012:role/app-writer',
    });
  }
  if (argv.probeRoleArn !== undefined && argv.probeProfile !== undefined) {
    throw new ConfigError('--probe-role-arn and --probe-profile both name the probe principal', {
      hint: 'Pass one of them',
    });
  }
  if (command === 'rollback' && argv.reverse) {
    throw new ConfigError('--reverse applies to cutover only', {
      hint: 'A rollback ends the way back; drop --reverse',
    });
  }
  const stopAfterIdle = readNumber(argv.stopAfterIdle, '--stop-after-idle', {
    min: 1,
    max: 86_400,
    integer: true,
  });
  const poll = readNumber(argv.pollMilliseconds, '--poll-milliseconds', {
    min: 10,
    max: 60_000,
    integer: true,
  });
  const engine: CutoverOptions = {
    stateDir: argv.stateDir ?? DEFAULT_CUTOVER_OPTIONS.stateDir,
    maxLagSeconds: seconds(argv.maxLag, '--max-lag', DEFAULT_CUTOVER_OPTIONS.maxLagSeconds),
    allowDlq: argv.allowDlq === true,
    allowPrincipals: principals,
    freeze,
    ...(fenceKey ? { fenceKey } : {}),
    verify,
    reverse: argv.reverse === true,
    freezeSettleSeconds: seconds(
      argv.freezeSettleSeconds,
      '--freeze-settle-seconds',
      DEFAULT_CUTOVER_OPTIONS.freezeSettleSeconds,
    ),
    freezeTimeoutSeconds: seconds(
      argv.freezeTimeoutSeconds,
      '--freeze-timeout-seconds',
      DEFAULT_CUTOVER_OPTIONS.freezeTimeoutSeconds,
      1,
    ),
    fenceTimeoutSeconds: seconds(
      argv.fenceTimeoutSeconds,
      '--fence-timeout-seconds',
      DEFAULT_CUTOVER_OPTIONS.fenceTimeoutSeconds,
      1,
    ),
    ...(stopAfterIdle === undefined ? {} : { stopAfterIdleSeconds: stopAfterIdle }),
    pollMilliseconds: poll ?? DEFAULT_CUTOVER_OPTIONS.pollMilliseconds,
    ...(argv.dlqUrl ? { dlqUrl: argv.dlqUrl } : {}),
    ...(argv.report ? { reportFile: argv.report } : {}),
  };
  return {
    engine,
    dryRun: argv.dryRun === true,
    yes: argv.yes === true,
    abort: argv.abort === true,
    ...(argv.exec ? { exec: argv.exec } : {}),
    ...(argv.probeRoleArn ? { probeRoleArn: argv.probeRoleArn } : {}),
    ...(argv.probeProfile ? { probeProfile: argv.probeProfile } : {}),
  };
}

/** The engine's input from the flags and the sides they resolve to. */
export function toCutoverInput(
  argv: CutoverArgv,
  options: CutoverCliOptions,
  sides: ResolvedSides,
): CutoverInput {
  const probe = options.probeProfile
    ? {
        region: sides.source.region,
        ...(sides.endpoint ? { endpoint: sides.endpoint } : {}),
        profile: options.probeProfile,
      }
    : options.probeRoleArn
      ? {
          region: sides.source.region,
          ...(sides.endpoint ? { endpoint: sides.endpoint } : {}),
          credentials: assumeRoleCredentials(sides.source, {
            roleArn: options.probeRoleArn,
            sessionName: 'ddb-migrate-freeze-probe',
          }),
        }
      : undefined;
  return {
    source: {
      config: sides.source,
      tableName: argv.sourceTableName,
      ...(argv.sourceAccountId ? { accountId: argv.sourceAccountId } : {}),
    },
    target: {
      config: sides.target,
      tableName: argv.targetTableName ?? argv.sourceTableName,
      ...(argv.targetAccountId ? { accountId: argv.targetAccountId } : {}),
      access: sides.targetAccess,
    },
    ...(probe ? { probe } : {}),
    options: options.engine,
  };
}

function oneOf<T extends string>(value: unknown, flag: string, allowed: readonly T[], fallback: T): T {
  if (value === undefined || value === null) return fallback;
  if (typeof value === 'string' && (allowed as readonly string[]).includes(value)) return value as T;
  throw new ConfigError(`${flag} must be one of ${allowed.join(', ')} (got ${String(value)})`, {
    hint: `Pass ${flag} ${fallback}`,
  });
}
