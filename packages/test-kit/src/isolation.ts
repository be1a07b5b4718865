import { randomInt } from 'node:crypto';
import { assumeRoleCredentials } from '@ddb-migrate/core';
import {
  roleArn,
  type SideCredentials,
  type SideOptions,
  sourceSide,
  TARGET_ROLE_NAME,
  type TestSideConfig,
} from './accounts.js';

/** Role assumed in a fresh source account by {@link isolatedSides}. */
export const ISOLATED_SOURCE_ROLE_NAME = 'ddb-migrate-test-source';

/** A source/target pair in two accounts no other test uses. */
export interface IsolatedSides {
  source: TestSideConfig;
  target: TestSideConfig;
  sourceAccount: string;
  targetAccount: string;
  /** `arn:aws:iam::<targetAccount>:role/cross_account_assume_role`, what the code under test assumes. */
  targetRoleArn: string;
}

const issued = new Set<string>();

/** A random 12-digit account id, never 123456789012 or 222222222222, unique in this process. */
export function freshAccountId(): string {
  for (;;) {
    const id = String(100_000_000_000 + randomInt(899_999_999_999));
    if (id !== '123456789012' && id !== '222222222222' && !issued.has(id)) {
      issued.add(id);
      return id;
    }
  }
}

/**
 * A fresh pair of accounts for one test. Both sides are plain configs whose credentials come
 * from `sts:AssumeRole` through moto (moto maps STS-issued keys to the role's account), so tables,
 * queues and roles of parallel tests never meet. The source assumes a role in a fresh account from
 * the default credentials; the target assumes `cross_account_assume_role` in another fresh account
 * from the source's credentials, as the migration does.
 *
 * S3 bucket names stay global: use `createBucket` (unique names).
 *
 * @example
 * const { source, target, targetAccount } = isolatedSides();
 * const src = new DynamoDBClient(source);
 */
export function isolatedSides(opts: SideOptions = {}): IsolatedSides {
  const base = sourceSide(opts);
  const sourceAccount = freshAccountId();
  const targetAccount = freshAccountId();
  const source: TestSideConfig = {
    region: base.region,
    endpoint: base.endpoint,
    credentials: assumeRoleCredentials(base, {
      roleArn: roleArn(sourceAccount, ISOLATED_SOURCE_ROLE_NAME),
      sessionName: 'isolated-source',
    }),
  };
  const targetRoleArn = roleArn(targetAccount, TARGET_ROLE_NAME);
  const target: TestSideConfig = {
    region: base.region,
    endpoint: base.endpoint,
    credentials: assumeRoleCredentials(source, { roleArn: targetRoleArn, sessionName: 'isolated-target' }),
  };
  return { source, target, sourceAccount, targetAccount, targetRoleArn };
}

/** Resolves a side's credentials to static keys (for env vars or processes that cannot take a provider). */
export async function resolveCredentials(
  credentials: SideCredentials,
): Promise<{ accessKeyId: string; secretAccessKey: string; sessionToken?: string }> {
  const c = typeof credentials === 'function' ? await credentials() : credentials;
  return { accessKeyId: c.accessKeyId, secretAccessKey: c.secretAccessKey, sessionToken: c.sessionToken };
}

/**
 * Environment variables that make an AWS SDK (or the CLI under test) act as `side`:
 * `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN` (if any), `AWS_REGION`,
 * `AWS_DEFAULT_REGION`, `AWS_ENDPOINT_URL`.
 */
export async function sideEnv(side: TestSideConfig): Promise<Record<string, string>> {
  const c = await resolveCredentials(side.credentials);
  const env: Record<string, string> = {
    AWS_ACCESS_KEY_ID: c.accessKeyId,
    AWS_SECRET_ACCESS_KEY: c.secretAccessKey,
    AWS_REGION: side.region,
    AWS_DEFAULT_REGION: side.region,
    AWS_ENDPOINT_URL: side.endpoint,
  };
  if (c.sessionToken) env.AWS_SESSION_TOKEN = c.sessionToken;
  return env;
}
