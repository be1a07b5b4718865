import { type LocatedExport, locateExportDataFiles, MigrationError } from '@ddb-migrate/core';
import type { ExportStep } from '../state/migration-state.js';
import type { StepContext } from '../step-context.js';

/**
 * The data files (and manifest) of the export recorded in the state, read from the export bucket
 * in the target account with the bucket owner checked.
 */
export function locateRecordedExport(ctx: StepContext, exp: ExportStep): Promise<LocatedExport> {
  if (!exp.exportArn) throw new MigrationError('STATE_ORDER', 'Load before the export was recorded');
  return locateExportDataFiles(ctx.clients.targetS3, {
    bucket: exp.bucket,
    prefix: exp.prefix,
    exportArn: exp.exportArn,
    expectedBucketOwner: exp.bucketOwner,
  });
}
