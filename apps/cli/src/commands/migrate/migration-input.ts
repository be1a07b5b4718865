import type { MigrationOptions, PlanMigrationInput } from '@ddb-migrate/migration';
import type { ResolvedSides } from '../../sides.js';
import type { MigrateOptions } from './run.js';

/** The engine's input from the migrate/plan flags and the sides they resolve to. */
export function toMigrationInput(
  options: Readonly<MigrateOptions>,
  sides: ResolvedSides,
): PlanMigrationInput {
  const engine: MigrationOptions = {
    loadMode: options.loadMode,
    cdcMode: options.cdcMode,
    cdcAccount: options.cdcAccount,
    catchUp: options.catchUp,
    capacity: options.capacity,
    cdcLambdaFunctionName: options.cdcLambdaFunctionName,
    lambdaEventSourceBatchSize: options.lambdaEventSourceBatchSize,
    parallelizationFactor: options.parallelizationFactor,
    maxRetryAttempts: options.maxRetryAttempts,
    ...(options.dlqUrl === undefined ? {} : { dlqUrl: options.dlqUrl }),
    ...(options.stopAfterIdleSeconds === undefined
      ? {}
      : { stopAfterIdleSeconds: options.stopAfterIdleSeconds }),
    stateDir: options.stateDir,
    enablePitr: options.enablePitr,
    ...(options.maxWcu === undefined ? {} : { maxWcu: options.maxWcu }),
    writeConcurrency: options.writeConcurrency,
    exportTimeMarginSeconds: options.exportTimeMarginSeconds,
    streamSettleSeconds: options.streamSettleSeconds,
    s3Prefix: options.s3Prefix,
    pollSeconds: options.pollSeconds,
  };
  return {
    source: {
      config: sides.source,
      tableName: options.sourceTableName,
      ...(options.sourceAccountId === undefined ? {} : { accountId: options.sourceAccountId }),
    },
    target: {
      config: sides.target,
      tableName: options.targetTableName,
      ...(options.targetAccountId === undefined ? {} : { accountId: options.targetAccountId }),
      access: sides.targetAccess,
      ...(options.targetS3BucketName === undefined ? {} : { bucketName: options.targetS3BucketName }),
    },
    options: engine,
  };
}
