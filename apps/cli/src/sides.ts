import {
  type AwsCredentialIdentity,
  type AwsSideConfig,
  assumeRoleCredentials,
  ConfigError,
  roleArnFromName,
  partitionFromRegion,
  type TargetAccess,
} from '@ddb-migrate/core';
import { DEFAULT_TARGET_ROLE_NAME, resolveEndpoint } from './options.js';

/**
 * Flags that decide how the CLI reaches the two accounts. Every command that touches both sides
 * (migrate, plan, verify, cdc, replay-dlq) builds its clients from {@link resolveSides}.
 */
export interface SidesFlags {
  endpointUrl?: string;
  /** Default: `--region`, then `AWS_REGION`, then `AWS_DEFAULT_REGION` (AWS CLI convention). */
  sourceRegion?: string;
  /** Default: `--profile`, then `AWS_PROFILE` (after static keys in the env, as in the AWS CLI). */
  sourceProfile?: string;
  region?: string;
  profile?: string;
  /** Default: the source region. */
  targetRegion?: string;
  targetAccountId?: string;
  /** Seed default `cross_account_assume_role`; used with --target-account-id. */
  targetRoleName?: string;
  /** Full role ARN (instead of name + account). */
  targetRoleArn?: string;
  targetExternalId?: string;
  /** Profile for the target account (instead of assuming a role). */
  targetProfile?: string;
}

/** Both sides, ready for core's client factories. */
export interface ResolvedSides {
  source: AwsSideConfig;
  target: AwsSideConfig;
  targetAccess: TargetAccess;
  /** The role ARN assumed for the target (assume-role access only). */
  targetRoleArn?: string;
  /** --endpoint-url or AWS_ENDPOINT_URL, when set. */
  endpoint?: string;
}

const ACCOUNT_ID = /^\d{12}$/;
const REGION = /^[a-z]{2}(-[a-z]+)+-\d+$/;

/**
 * Builds the source and target {@link AwsSideConfig} from CLI flags and the entry's environment.
 *
 * - Endpoint: `--endpoint-url`, else `AWS_ENDPOINT_URL` (all services, both sides).
 * - Source region: `--source-region`, else `--region`, `AWS_REGION`, `AWS_DEFAULT_REGION`.
 * - Source credentials: `--source-profile` (or `--profile`), else the env's
 *   `AWS_ACCESS_KEY_ID`/`AWS_SECRET_ACCESS_KEY` (read from the env object the entry passes, so
 *   in-process runs see their own env), else `AWS_PROFILE`, else the SDK's default chain.
 * - Target credentials: `--target-profile`; else `--target-role-arn`, or `--target-role-name` in
 *   `--target-account-id`, assumed with the source's credentials (refreshed before expiry);
 *   else the source's credentials (same-account migration). `--region`/`--profile`/`AWS_PROFILE`
 *   never choose the target's credentials.
 *
 * @throws ConfigError for a missing or malformed region, account id or role ARN, and for flags
 *   that contradict each other (e.g. `--target-profile` with `--target-role-arn`).
 * @example
 * const { source, target } = resolveSides({ sourceRegion: 'us-east-1', targetAccountId: '222222222222',
 *   targetRoleName: 'cross_account_assume_role' }, process.env);
 */
export function resolveSides(flags: SidesFlags, env: NodeJS.ProcessEnv): ResolvedSides {
  const endpoint = resolveEndpoint(flags.endpointUrl, env);
  if (endpoint !== undefined && !/^https?:\/\/[^\s]+$/.test(endpoint)) {
    throw new ConfigError(`Endpoint "${endpoint}" is not an http(s) URL`, {
      hint: 'Pass --endpoint-url http://127.0.0.1:PORT (or unset AWS_ENDPOINT_URL)',
    });
  }
  checkSideFlags(flags);
  const sourceRegion = resolveSourceRegion(flags, env);
  const targetRegion = flags.targetRegion ?? sourceRegion;
  checkRegion('--target-region', targetRegion);
  if (flags.targetAccountId !== undefined) checkAccountId('--target-account-id', flags.targetAccountId);

  const common = endpoint === undefined ? {} : { endpoint };
  const envCredentials = credentialsFromEnv(env);
  const sourceProfile = flags.sourceProfile ?? flags.profile;
  const envProfile = env.AWS_PROFILE?.trim() || undefined;
  const source: AwsSideConfig = {
    region: sourceRegion,
    ...common,
    ...(sourceProfile !== undefined
      ? { profile: sourceProfile }
      : envCredentials !== undefined
        ? { credentials: envCredentials }
        : envProfile !== undefined
          ? { profile: envProfile }
          : {}),
  };

  if (flags.targetProfile !== undefined) {
    return {
      source,
      target: { region: targetRegion, ...common, profile: flags.targetProfile },
      targetAccess: { kind: 'profile', profile: flags.targetProfile },
      ...(endpoint === undefined ? {} : { endpoint }),
    };
  }
  const roleArn = targetRoleArnFromFlags(flags, targetRegion);
  if (roleArn === undefined) {
    const { region: _ignored, ...sourceAccess } = source;
    return {
      source,
      target: { ...sourceAccess, region: targetRegion },
      targetAccess: { kind: 'same-credentials' },
      ...(endpoint === undefined ? {} : { endpoint }),
    };
  }
  const credentials = assumeRoleCredentials(source, {
    roleArn,
    ...(flags.targetExternalId === undefined ? {} : { externalId: flags.targetExternalId }),
  });
  return {
    source,
    target: { region: targetRegion, ...common, credentials },
    targetAccess: { kind: 'assume-role', roleArn },
    targetRoleArn: roleArn,
    ...(endpoint === undefined ? {} : { endpoint }),
  };
}

/**
 * The source region: `--source-region`, else `--region`, `AWS_REGION`, `AWS_DEFAULT_REGION` (the
 * AWS CLI's order; a profile's configured region is not read).
 *
 * @throws ConfigError when none is set or the value is not a region.
 */
export function resolveSourceRegion(
  flags: Pick<SidesFlags, 'sourceRegion' | 'region'>,
  env: NodeJS.ProcessEnv,
): string {
  const fromEnv = (name: 'AWS_REGION' | 'AWS_DEFAULT_REGION') => {
    const value = env[name]?.trim();
    return value ? { value, from: name } : undefined;
  };
  const found =
    (flags.sourceRegion !== undefined ? { value: flags.sourceRegion, from: '--source-region' } : undefined) ??
    (flags.region !== undefined ? { value: flags.region, from: '--region' } : undefined) ??
    fromEnv('AWS_REGION') ??
    fromEnv('AWS_DEFAULT_REGION');
  if (found === undefined) {
    throw new ConfigError('--source-region is required', {
      hint: 'Pass --source-region <region> (or --region, or set AWS_REGION)',
    });
  }
  checkRegion(found.from, found.value);
  return found.value;
}

/**
 * Refuses flags that name the same thing twice with different answers, or that would be ignored:
 * every such combination used to be accepted silently with one of them winning.
 *
 * @throws ConfigError naming both flags and what to keep.
 */
export function checkSideFlags(flags: SidesFlags): void {
  const conflict = (message: string, hint: string) => {
    throw new ConfigError(message, { hint });
  };
  if (flags.sourceRegion !== undefined && flags.region !== undefined && flags.sourceRegion !== flags.region) {
    conflict(
      `--source-region ${flags.sourceRegion} and --region ${flags.region} disagree`,
      'Pass one of them (--region is only the default of --source-region)',
    );
  }
  if (
    flags.sourceProfile !== undefined &&
    flags.profile !== undefined &&
    flags.sourceProfile !== flags.profile
  ) {
    conflict(
      `--source-profile ${flags.sourceProfile} and --profile ${flags.profile} disagree`,
      'Pass one of them (--profile is only the default of --source-profile; the target never uses it)',
    );
  }
  if (flags.targetProfile !== undefined) {
    const other =
      flags.targetRoleArn !== undefined
        ? '--target-role-arn'
        : flags.targetRoleName !== undefined
          ? '--target-role-name'
          : flags.targetExternalId !== undefined
            ? '--target-external-id'
            : undefined;
    if (other !== undefined) {
      conflict(
        `--target-profile and ${other} both say how to reach the target account`,
        'Pass --target-profile alone, or a role (--target-role-arn, or --target-account-id with --target-role-name) without it',
      );
    }
  }
  if (flags.targetRoleArn !== undefined && flags.targetRoleName !== undefined) {
    const arnName = flags.targetRoleArn.split(':role/')[1]?.split('/').at(-1);
    if (arnName !== flags.targetRoleName) {
      conflict(
        `--target-role-arn ${flags.targetRoleArn} and --target-role-name ${flags.targetRoleName} name different roles`,
        'Pass one of them',
      );
    }
  }
  if (
    flags.targetRoleName !== undefined &&
    flags.targetRoleArn === undefined &&
    flags.targetAccountId === undefined
  ) {
    conflict(
      `--target-role-name ${flags.targetRoleName} needs --target-account-id (the account the role is in)`,
      'Add --target-account-id <12 digits>, or pass --target-role-arn instead',
    );
  }
  if (
    flags.targetExternalId !== undefined &&
    flags.targetRoleArn === undefined &&
    flags.targetAccountId === undefined
  ) {
    conflict(
      '--target-external-id is only used when assuming a target role',
      'Add --target-role-arn (or --target-account-id), or drop --target-external-id',
    );
  }
}

/**
 * The target role ARN the flags ask for: `--target-role-arn`, else `--target-role-name` in
 * `--target-account-id`; undefined when no target account is named.
 */
export function targetRoleArnFromFlags(flags: SidesFlags, targetRegion: string): string | undefined {
  if (flags.targetRoleArn !== undefined) {
    if (!/^arn:aws[a-z-]*:iam::\d{12}:role\/.+$/.test(flags.targetRoleArn)) {
      throw new ConfigError(`--target-role-arn "${flags.targetRoleArn}" is not an IAM role ARN`, {
        hint: 'Use the form arn:aws:iam::222222222222:role/cross_account_assume_role',
      });
    }
    const account = flags.targetRoleArn.split(':')[4];
    if (flags.targetAccountId !== undefined && account !== flags.targetAccountId) {
      throw new ConfigError(
        `--target-role-arn is in account ${account} but --target-account-id is ${flags.targetAccountId}`,
        { hint: 'Make them name the same account' },
      );
    }
    return flags.targetRoleArn;
  }
  if (flags.targetAccountId === undefined) return undefined;
  return roleArnFromName(
    flags.targetAccountId,
    flags.targetRoleName ?? DEFAULT_TARGET_ROLE_NAME,
    partitionFromRegion(targetRegion),
  );
}

/** Static credentials from `AWS_ACCESS_KEY_ID`/`AWS_SECRET_ACCESS_KEY` (+ session token) in `env`. */
export function credentialsFromEnv(env: NodeJS.ProcessEnv): AwsCredentialIdentity | undefined {
  const accessKeyId = env.AWS_ACCESS_KEY_ID?.trim();
  const secretAccessKey = env.AWS_SECRET_ACCESS_KEY?.trim();
  if (!accessKeyId || !secretAccessKey) return undefined;
  const sessionToken = env.AWS_SESSION_TOKEN?.trim();
  return { accessKeyId, secretAccessKey, ...(sessionToken ? { sessionToken } : {}) };
}

/** @throws ConfigError unless `value` is a 12-digit account id. */
export function checkAccountId(flag: string, value: string): void {
  if (!ACCOUNT_ID.test(value)) {
    throw new ConfigError(`${flag} "${value}" is not a 12-digit AWS account id`, {
      hint: `Pass ${flag} as 12 digits, e.g. 222222222222`,
    });
  }
}

/** @throws ConfigError unless `value` looks like an AWS region (us-east-1, eu-central-2, us-gov-west-1). */
export function checkRegion(flag: string, value: string): void {
  if (!REGION.test(value)) {
    throw new ConfigError(`${flag} "${value}" is not an AWS region`, { hint: `Pass ${flag} like us-east-1` });
  }
}
