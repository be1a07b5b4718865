import { AssumeRoleCommand, STSClient, type STSClientConfig } from '@aws-sdk/client-sts';
import { motoEndpoint } from './moto.js';

/** Credentials as the AWS SDK accepts them: static identity or an async provider. */
export type SideCredentials = NonNullable<STSClientConfig['credentials']>;

/**
 * Connection settings of one side of a migration, structurally the same as core's
 * `AwsSideConfig` (`{ region, endpoint, credentials }`), and directly usable as an SDK client config.
 */
export interface TestSideConfig {
  region: string;
  endpoint: string;
  credentials: SideCredentials;
}

/** Options for {@link sourceSide} and {@link targetSide}. */
export interface SideOptions {
  /** Default `us-east-1`. */
  region?: string;
}

/** moto's default account: plain (non-STS) credentials land here. */
export const SOURCE_ACCOUNT = '123456789012';
/** The target account of the local stand-in. */
export const TARGET_ACCOUNT = '222222222222';
/** Role assumed in the target account (the seed's default name). */
export const TARGET_ROLE_NAME = 'cross_account_assume_role';
/** Region used when none is given. */
export const DEFAULT_REGION = 'us-east-1';

/**
 * Static test credentials; moto maps keys it did not issue to {@link SOURCE_ACCOUNT}.
 * A fresh object per call: the SDK annotates credential objects, so they must not be frozen or shared.
 */
export function baseCredentials(): { accessKeyId: string; secretAccessKey: string } {
  return { accessKeyId: 'testing', secretAccessKey: 'testing' };
}

/**
 * The source side: moto's default account 123456789012 with plain test credentials.
 *
 * @example
 * const ddb = new DynamoDBClient(sourceSide());
 */
export function sourceSide(opts: SideOptions = {}): TestSideConfig {
  return { region: opts.region ?? DEFAULT_REGION, endpoint: motoEndpoint(), credentials: baseCredentials() };
}

/**
 * A lazy credential provider for `sts:AssumeRole` through moto, refreshed 5 minutes before expiry.
 * moto maps the returned STS keys to the role's account.
 */
export function assumeRoleProvider(
  caller: { region: string; endpoint: string; credentials: SideCredentials },
  roleArn: string,
  sessionName = 'ddb-migrate-test',
): SideCredentials {
  let cached: Promise<{
    accessKeyId: string;
    secretAccessKey: string;
    sessionToken?: string;
    expiration?: Date;
  }>;
  let expiresAt = 0;
  return async () => {
    if (!cached || Date.now() > expiresAt - 5 * 60_000) {
      const sts = new STSClient({
        region: caller.region,
        endpoint: caller.endpoint,
        credentials: caller.credentials,
      });
      cached = sts
        .send(new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: sessionName }))
        .then((out) => {
          const c = out.Credentials;
          if (!c?.AccessKeyId || !c.SecretAccessKey)
            throw new Error(`AssumeRole ${roleArn} returned no credentials`);
          expiresAt = c.Expiration ? c.Expiration.getTime() : Date.now() + 3_600_000;
          return {
            accessKeyId: c.AccessKeyId,
            secretAccessKey: c.SecretAccessKey,
            sessionToken: c.SessionToken,
            expiration: c.Expiration,
          };
        })
        .finally(() => sts.destroy());
      cached.catch(() => {
        expiresAt = 0;
      });
      expiresAt = Number.POSITIVE_INFINITY;
    }
    return cached;
  };
}

/** `arn:aws:iam::<account>:role/<name>`. */
export function roleArn(accountId: string, roleName: string): string {
  return `arn:aws:iam::${accountId}:role/${roleName}`;
}

/**
 * The target side: credentials from `sts:AssumeRole` on
 * `arn:aws:iam::222222222222:role/cross_account_assume_role`, obtained through moto from the
 * source side's credentials (the role need not exist while IAM is not enforced).
 */
export function targetSide(opts: SideOptions = {}): TestSideConfig {
  const caller = sourceSide(opts);
  return {
    region: caller.region,
    endpoint: caller.endpoint,
    credentials: assumeRoleProvider(caller, roleArn(TARGET_ACCOUNT, TARGET_ROLE_NAME)),
  };
}
