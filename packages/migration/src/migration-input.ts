import type { AwsSideConfig, TargetAccess } from '@ddb-migrate/core';
import type { MigrationOptions } from './migration-options.js';

/** One side of a migration: how to reach its account, and its table. */
export interface MigrationSide {
  /** Region, credentials and endpoint of the account (core's side config; clients are built from it). */
  config: AwsSideConfig;
  tableName: string;
  /** The account the credentials must belong to; checked against sts:GetCallerIdentity. */
  accountId?: string;
}

/** The target side: also how its credentials were obtained and where the export goes. */
export interface MigrationTarget extends MigrationSide {
  /**
   * How `config` signs its calls. Shown in the plan; an assumed role's ARN is also the account the
   * credentials must belong to and the role the CDC function assumes (TARGET_ROLE_ARN).
   */
  access: TargetAccess;
  /** Export bucket in the target account; default `dynamodb-export-to-s3-<target-region>-<target-account-id>`. */
  bucketName?: string;
}

/** A migration's input with every option filled in: what a plan was made from and applies with. */
export interface MigrationInput {
  source: MigrationSide;
  target: MigrationTarget;
  options: Readonly<MigrationOptions>;
}

/**
 * What checks and steps read (internal): the options plus both tables' names, regions and
 * expected accounts, in one frozen object.
 */
export interface EngineOptions extends MigrationOptions {
  sourceRegion: string;
  sourceTableName: string;
  sourceAccountId?: string;
  targetRegion: string;
  targetTableName: string;
  targetAccountId?: string;
  targetS3BucketName?: string;
}

/** The {@link EngineOptions} of an input. */
export function engineOptions(input: MigrationInput): Readonly<EngineOptions> {
  const { source, target } = input;
  return Object.freeze({
    ...input.options,
    sourceRegion: source.config.region,
    sourceTableName: source.tableName,
    ...(source.accountId === undefined ? {} : { sourceAccountId: source.accountId }),
    targetRegion: target.config.region,
    targetTableName: target.tableName,
    ...(target.accountId === undefined ? {} : { targetAccountId: target.accountId }),
    ...(target.bucketName === undefined ? {} : { targetS3BucketName: target.bucketName }),
  });
}

/** The role the target's credentials come from (assume-role access only). */
export function targetRoleArn(access: TargetAccess): string | undefined {
  return access.kind === 'assume-role' ? access.roleArn : undefined;
}
