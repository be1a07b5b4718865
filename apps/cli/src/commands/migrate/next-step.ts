import { DEFAULT_MIGRATION_OPTIONS, type MigrationResult } from '@ddb-migrate/migration';
import {
  cdcRunCommand,
  type Flag,
  formatCommand,
  type SideFlagValues,
  sideFlags,
} from '../../command-line.js';
import type { MigrateOptions } from './run.js';

/** What a migrate run leaves behind: whether the target follows the source, and what to run next. */
export interface MigrateNextStep {
  /**
   * True when the target keeps following the source after this run: lambda mode (the event
   * source mapping). False after local CDC stopped (idle or Ctrl-C), in mode `none`, and when
   * the run did not finish.
   */
  keptInSync: boolean;
  /** One sentence saying so (the summary's last line). */
  sync: string;
  /** Keeps the target in sync from the local checkpoint (local and none modes). */
  cdcRunCommand?: string;
  /** Resumes this migration (an unfinished run): the same migrate command. */
  resumeCommand?: string;
}

/** The side flags of the migrate options, as a command repeats them. */
export function migrateSideFlags(options: Readonly<MigrateOptions>): SideFlagValues {
  return {
    endpointUrl: options.endpointUrl,
    sourceRegion: options.sourceRegion,
    sourceTableName: options.sourceTableName,
    sourceAccountId: options.sourceAccountId,
    sourceProfile: options.sourceProfile ?? options.profile,
    targetRegion: options.targetRegion,
    targetTableName: options.targetTableName,
    targetAccountId: options.targetAccountId,
    targetRoleName: options.targetRoleName,
    targetRoleArn: options.targetRoleArn,
    targetExternalId: options.targetExternalId,
    targetProfile: options.targetProfile,
  };
}

/**
 * The migrate command that resumes this migration: the same sides and every flag that differs
 * from its default (so the resumed run does the same thing), with --yes when it was given.
 */
export function migrateCommand(options: Readonly<MigrateOptions>): string {
  const d = DEFAULT_MIGRATION_OPTIONS;
  const differs = <T>(value: T, fallback: T) => (value === fallback ? undefined : value);
  const flags: Flag[] = [
    ...sideFlags(migrateSideFlags(options)),
    ['--target-s3-bucket-name', options.targetS3BucketName],
    ['--target-table-read-capacity', options.capacity.tableReadCapacity],
    ['--target-table-write-capacity', options.capacity.tableWriteCapacity],
    ['--target-gsi-read-capacity', options.capacity.gsiReadCapacity],
    ['--target-gsi-write-capacity', options.capacity.gsiWriteCapacity],
    ['--load-mode', differs(options.loadMode, d.loadMode)],
    ['--cdc-mode', differs(options.cdcMode, d.cdcMode)],
    ['--catch-up', differs(options.catchUp, d.catchUp)],
    ['--cdc-lambda-function-name', differs(options.cdcLambdaFunctionName, d.cdcLambdaFunctionName)],
    [
      '--lambda-event-source-batch-size',
      differs(options.lambdaEventSourceBatchSize, d.lambdaEventSourceBatchSize),
    ],
    ['--parallelization-factor', differs(options.parallelizationFactor, d.parallelizationFactor)],
    ['--max-retry-attempts', differs(options.maxRetryAttempts, d.maxRetryAttempts)],
    ['--dlq-url', options.dlqUrl],
    ['--stop-after-idle', options.stopAfterIdleSeconds],
    ['--state-dir', differs(options.stateDir, d.stateDir)],
    ['--enable-pitr', options.enablePitr],
    ['--max-wcu', options.maxWcu],
    ['--write-concurrency', differs(options.writeConcurrency, d.writeConcurrency)],
    ['--export-time-margin-seconds', differs(options.exportTimeMarginSeconds, d.exportTimeMarginSeconds)],
    ['--stream-settle-seconds', differs(options.streamSettleSeconds, d.streamSettleSeconds)],
    ['--s3-prefix', differs(options.s3Prefix, d.s3Prefix)],
    ['--poll-seconds', differs(options.pollSeconds, d.pollSeconds)],
    ['--yes', options.yes],
  ];
  return formatCommand(['migrate'], flags);
}

/** The `cdc run` command that goes on from this migration's local checkpoint. */
export function migrateCdcRunCommand(options: Readonly<MigrateOptions>): string {
  return cdcRunCommand(migrateSideFlags(options), {
    stateDir: options.stateDir,
    dlqUrl: options.dlqUrl,
    extra: [
      [
        '--export-time-margin-seconds',
        options.exportTimeMarginSeconds === 300 ? undefined : options.exportTimeMarginSeconds,
      ],
    ],
  });
}

/** What the target does after this migrate run (see {@link MigrateNextStep}). */
export function migrateNextStep(
  result: Pick<MigrationResult, 'state' | 'cdc'>,
  options: Readonly<MigrateOptions>,
): MigrateNextStep {
  const { state } = result;
  if (!state.completedAt) {
    const resumeCommand = migrateCommand(options);
    return { keptInSync: false, sync: `Not finished: resume with ${resumeCommand}`, resumeCommand };
  }
  const cdc = migrateCdcRunCommand(options);
  if (state.cdcMode === 'lambda') {
    const mapping = state.cdc?.esmUuid ? ` ${state.cdc.esmUuid}` : '';
    return {
      keptInSync: true,
      sync: `Done. The CDC Lambda's event source mapping${mapping} keeps the target in sync with the source.`,
    };
  }
  if (state.cdcMode === 'none') {
    return {
      keptInSync: false,
      sync: `Done, without CDC (--cdc-mode none): changes made to the source after the export's cut-off are not in the target, and nothing keeps it in sync. Apply them with ${cdc} (or migrate with --cdc-mode lambda).`,
      cdcRunCommand: cdc,
    };
  }
  if (result.cdc?.stoppedBy === 'drained') {
    return {
      keptInSync: false,
      sync: 'Done: every change the source stream held is in the target, but the stream is disabled: changes made to the source from now on are not captured, and nothing keeps the target in sync.',
    };
  }
  const stopped = result.cdc ? ` (${result.cdc.stoppedBy})` : '';
  return {
    keptInSync: false,
    sync: `Done, but local CDC has stopped${stopped}: the target is no longer kept in sync with the source. Keep it in sync with ${cdc} (it goes on from this migration's checkpoint until Ctrl-C), or migrate with --cdc-mode lambda.`,
    cdcRunCommand: cdc,
  };
}
