import {
  type AwsCredentialIdentity,
  type AwsCredentialIdentityProvider,
  type AwsSideConfig,
  assumeRoleCredentials,
} from '@ddb-migrate/core';
import { motoEndpoint } from './moto.js';

/** Credentials as the AWS SDK accepts them: static identity or an async provider. */
export type SideCredentials = AwsCredentialIdentity | AwsCredentialIdentityProvider;

/**
 * Connection settings of one side: core's `AwsSideConfig` with `endpoint` and `credentials` always
 * set. Also usable directly as an SDK client config (`new DynamoDBClient(side)`).
 */
export interface TestSideConfig extends AwsSideConfig {
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

/** `arn:aws:iam::<account>:role/<name>`. */
export function roleArn(accountId: string, roleName: string): string {
  return `arn:aws:iam::${accountId}:role/${roleName}`;
}

/**
 * The target side: credentials from `sts:AssumeRole` on
 * `arn:aws:iam::222222222222:role/cross_account_assume_role`, obtained through moto from the
 * source side's credentials with core's `assumeRoleCredentials` (the role need not exist while
 * IAM is not enforced).
 */
export function targetSide(opts: SideOptions = {}): TestSideConfig {
  const caller = sourceSide(opts);
  return {
    region: caller.region,
    endpoint: caller.endpoint,
    credentials: assumeRoleCredentials(caller, {
      roleArn: roleArn(TARGET_ACCOUNT, TARGET_ROLE_NAME),
      sessionName: 'ddb-migrate-test',
    }),
  };
}
