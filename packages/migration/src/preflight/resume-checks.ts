import {
  DescribeExportCommand,
  DescribeImportCommand,
  type TableDescription,
} from '@aws-sdk/client-dynamodb';
import { describeSdkError, isMigrationError, locateExportDataFiles, sdkErrorName } from '@ddb-migrate/core';
import type { ExportStep, LoadStep, MigrationState } from '../state/migration-state.js';
import { StateStore } from '../state/state-store.js';
import {
  error,
  type Finding,
  info,
  type PreflightCheck,
  type PreflightContext,
  warning,
} from './preflight-types.js';

/*
 * On resume the state file says what exists: the target table a load filled, the export and its
 * bucket, the stream, the mapping. Anything deleted or replaced since is named here, before any
 * change, instead of a run that skips a "done" step and reports success (or retries against a
 * missing table and blames throttling).
 */

/** How far clocks may disagree when a table's CreationDateTime is compared with the state's times. */
const CLOCK_SKEW_MS = 60_000;

/** The target is not the source table itself (same account, Region and table). */
export const checkTargetIsSource: PreflightCheck = async ({ options, facts }) => {
  if (!facts.sourceAccountId || facts.sourceAccountId !== facts.targetAccountId) return [];
  if (options.sourceRegion !== options.targetRegion || options.sourceTableName !== options.targetTableName)
    return [];
  facts.targetIsSource = true;
  return [
    error(
      'TARGET_IS_SOURCE',
      `The target is the source table itself (${options.sourceTableName} in account ${facts.sourceAccountId}, ${options.sourceRegion})`,
      'Name another table, Region or account for the target: --target-table-name, --target-region, --target-account-id (or --target-role-arn/--target-profile)',
    ),
  ];
};

/**
 * A load the state records: the target table it filled (or is filling) must still be there and be
 * the same table. Sets the load mode and the target table's description.
 */
export async function checkRecordedLoad(
  options: PreflightContext['options'],
  clients: PreflightContext['clients'],
  facts: PreflightContext['facts'],
  load: LoadStep,
  lookup: { table: TableDescription | undefined } | { denied: Finding },
): Promise<Finding[]> {
  facts.loadMode = load.mode;
  if ('denied' in lookup) return [lookup.denied];
  const state = facts.state as MigrationState;
  const table = lookup.table?.TableStatus === 'DELETING' ? undefined : lookup.table;
  const name = options.targetTableName;
  const where = `account ${facts.targetAccountId}, ${options.targetRegion}`;
  const restart = `To migrate again from the start, move this migration's state file away (${statePath(options, state)}) and run migrate again (a new export and load)`;
  if (!table) {
    if (!(await loadWroteTable(clients, load))) {
      return [info('LOAD_RESUMED', `Resuming the ${load.mode} load recorded by run ${state.runId}`)];
    }
    const what =
      load.status === 'done'
        ? `loaded (${load.itemsLoaded.toLocaleString('en-US')} items)`
        : load.mode === 'write'
          ? `was loading (${load.loadedFiles.length} data files written)`
          : `imported (${load.importArn})`;
    return [
      error(
        'TARGET_TABLE_GONE',
        `Target table ${name}, which run ${state.runId} ${what}, no longer exists (${where}); the state records that load, so migrate would not load it again`,
        `${restart}; or restore the table (e.g. from a backup) and run migrate again`,
      ),
    ];
  }
  facts.targetTable = table;
  const created = table.CreationDateTime ? new Date(table.CreationDateTime).getTime() : undefined;
  const lastSaved = Date.parse(state.updatedAt);
  const filled = load.status === 'done' || load.loadedFiles.length > 0;
  if (filled && created !== undefined && created > lastSaved + CLOCK_SKEW_MS) {
    return [
      error(
        'TARGET_TABLE_REPLACED',
        `Target table ${name} was created at ${new Date(created).toISOString()}, after this migration's last record (${state.updatedAt}): it is not the table run ${state.runId} loaded`,
        `${restart} (delete or empty the new table first), or point --target-table-name at the loaded table`,
      ),
    ];
  }
  if (load.status === 'done') return [];
  return [info('LOAD_RESUMED', `Resuming the ${load.mode} load recorded by run ${state.runId}`)];
}

/** Whether the recorded load has put data into the target table (a missing table then lost it). */
async function loadWroteTable(clients: PreflightContext['clients'], load: LoadStep): Promise<boolean> {
  if (load.status === 'done') return true;
  if (load.mode === 'write') return load.loadedFiles.length > 0;
  if (!load.importArn) return false;
  // An import in flight has created its table; one that failed or was cancelled is reported by the
  // import step (with the remedy). Only a completed import lost its table.
  try {
    const out = await clients.targetDdb.send(new DescribeImportCommand({ ImportArn: load.importArn }));
    return out.ImportTableDescription?.ImportStatus === 'COMPLETED';
  } catch {
    return false;
  }
}

/**
 * A recorded export the load still needs (export step started or done, the load not done): the
 * export must still be known and, once done, its data files still in the bucket. Runs after the
 * bucket was found.
 */
export async function checkRecordedExport(
  options: PreflightContext['options'],
  clients: PreflightContext['clients'],
  facts: PreflightContext['facts'],
  exp: ExportStep,
): Promise<Finding[]> {
  const state = facts.state as MigrationState;
  const load = facts.replaceLoad ? undefined : state.load;
  if (load?.status === 'done' || !exp.exportArn) return [];
  // An import that was sent reads the data itself (and reports it missing).
  if (load?.mode === 'import' && load.importArn) return [];
  const restart = `Move this migration's state file away (${statePath(options, state)}) and run migrate again: it starts a new export`;
  if (exp.status !== 'done') {
    try {
      await clients.sourceDdb.send(new DescribeExportCommand({ ExportArn: exp.exportArn }));
      return [];
    } catch (err) {
      if (!/ExportNotFound|ResourceNotFound/.test(sdkErrorName(err) ?? '')) return [];
      return [
        error(
          'EXPORT_GONE',
          `Export ${exp.exportArn}, which run ${state.runId} started, is unknown to DynamoDB (${describeSdkError(err)})`,
          restart,
        ),
      ];
    }
  }
  const where = `s3://${exp.bucket}/${exp.prefix}`;
  try {
    const located = await locateExportDataFiles(clients.targetS3, {
      bucket: exp.bucket,
      prefix: exp.prefix,
      exportArn: exp.exportArn,
      expectedBucketOwner: exp.bucketOwner,
    });
    const expected = load?.totalFiles;
    if (located.source === 'listing' && expected !== undefined && located.files.length < expected) {
      return [
        error(
          'EXPORT_DATA_GONE',
          `Only ${located.files.length} of the ${expected} data files of export ${exp.exportArn} are left under ${where}`,
          restart,
        ),
      ];
    }
    return [];
  } catch (err) {
    if (isMigrationError(err) && err.code === 'EXPORT_FILES_NOT_FOUND') {
      return [
        error(
          'EXPORT_DATA_GONE',
          `The data files of export ${exp.exportArn} (run ${state.runId}) are gone from ${where}; the load needs them`,
          restart,
        ),
      ];
    }
    return [
      warning(
        'EXPORT_DATA_UNREADABLE',
        `Cannot check the data files of export ${exp.exportArn} under ${where} (${describeSdkError(err)})`,
        'The load reads them; allow s3:ListBucket and s3:GetObject on the bucket to the target role',
      ),
    ];
  }
}

/** The refusal of a bucket the state records that no longer exists. */
export function recordedBucketGone(
  options: PreflightContext['options'],
  facts: PreflightContext['facts'],
  exp: ExportStep,
): Finding {
  const state = facts.state as MigrationState;
  const holds = exp.status === 'done' ? 'holds' : 'is receiving';
  const fix =
    exp.status === 'done'
      ? `The export's data went with it. Move this migration's state file away (${statePath(options, state)}) and run migrate again: it starts a new export (create the bucket in the target account first, cfn/target.yaml)`
      : `Create it again in the target account ${exp.bucketOwner} (cfn/target.yaml) and run migrate again: a failed export is replaced by a new one`;
  return error(
    'BUCKET_GONE',
    `Export bucket ${exp.bucket}, which ${holds} this migration's export (run ${state.runId}${exp.exportArn ? `, ${exp.exportArn}` : ''}), no longer exists`,
    fix,
  );
}

function statePath(options: PreflightContext['options'], state: MigrationState): string {
  return new StateStore(options.stateDir).pathFor(state.key);
}
