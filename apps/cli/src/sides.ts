import {
  type AwsCredentialIdentity,
  type AwsSideConfig,
  assumeRoleCredentials,
  ConfigError,
  roleArnFromName,
  partitionFromRegion,
  type TargetAccess,
} from '@ddb-migrate/core';
import { resolveEndpoint } from './options.js';

/**
 * Flags that decide how the CLI reaches the two accounts. Every command that touches both sides
 * (migrate, plan, verify, cdc, replay-dlq) builds its clients from {@link resolveSides}.
 */
export interface SidesFlags {
  endpointUrl?: string;
  sourceRegion: string;
  sourceProfile?: string;
  /** Default: the source region. */
  targetRegion?: string;
  targetAccountId?: string;
  /** Seed default `cross_account_assume_role`; used with --target-account-id. */
  targetRoleName?: string;
  /** Full role ARN; wins over name + account. */
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
 * - Source credentials: `--source-profile`, else the env's `AWS_ACCESS_KEY_ID`/`AWS_SECRET_ACCESS_KEY`
 *   (read from the env object the entry passes, so in-process runs see their own env), else the
 *   SDK's default chain.
 * - Target credentials: `--target-profile`; else `--target-role-arn`, or `--target-role-name` in
 *   `--target-account-id`, assumed with the source's credentials (refreshed before expiry);
 *   else the source's credentials (same-account migration).
 *
 * @throws ConfigError for malformed regions, account ids or role ARNs.
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
  checkRegion('--source-region', flags.sourceRegion);
  const targetRegion = flags.targetRegion ?? flags.sourceRegion;
  checkRegion('--target-region', targetRegion);
  if (flags.targetAccountId !== undefined) checkAccountId('--target-account-id', flags.targetAccountId);

  const common = endpoint === undefined ? {} : { endpoint };
  const envCredentials = credentialsFromEnv(env);
  const source: AwsSideConfig = {
    region: flags.sourceRegion,
    ...common,
    ...(flags.sourceProfile !== undefined
      ? { profile: flags.sourceProfile }
      : envCredentials !== undefined
        ? { credentials: envCredentials }
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
    flags.targetRoleName ?? 'cross_account_assume_role',
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
