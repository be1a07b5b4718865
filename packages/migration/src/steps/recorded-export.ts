import { InternalError, type LocatedExport, locateExportDataFiles } from '@ddb-migrate/core';
import { retryAws } from '../aws-retry.js';
import type { ExportStep } from '../state/migration-state.js';
import type { StepContext } from '../step-context.js';

/**
 * The data files (and manifest) of the export recorded in the state, read from the export bucket
 * in the target account with the bucket owner checked; throttles and 5xx are retried.
 */
export function locateRecordedExport(ctx: StepContext, exp: ExportStep): Promise<LocatedExport> {
  const exportArn = exp.exportArn;
  if (!exportArn) throw new InternalError('Load before the export was recorded');
  // Reads only, so safe to repeat after an S3 throttle (SlowDown, 503) or a 5xx.
  return retryAws(ctx, 'locate export data files', () =>
    locateExportDataFiles(ctx.clients.targetS3, {
      bucket: exp.bucket,
      prefix: exp.prefix,
      exportArn,
      expectedBucketOwner: exp.bucketOwner,
    }),
  );
}
