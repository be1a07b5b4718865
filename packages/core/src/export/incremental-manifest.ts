import { MigrationError } from '../errors.js';
import { exportIdFromArn } from './export-id.js';
import {
  type ExportDataFile,
  type ExportLocation,
  exportRoots,
  parseJson,
  parseManifestFiles,
  withPrefix,
} from './locate-export.js';
import { type BucketRef, getObjectText, type S3ReadClient } from './s3-objects.js';

/** The view an incremental export was written with (the API's ExportViewType). */
export type IncrementalViewType = 'NEW_AND_OLD_IMAGES' | 'NEW_IMAGE';

/**
 * manifest-summary.json of an incremental export (version "2023-08-01"): the full export's fields
 * plus the window and the view. Unknown fields are kept.
 */
export interface IncrementalManifestSummary {
  version?: string;
  exportArn?: string;
  exportType?: string;
  exportFromTime?: string;
  exportToTime?: string;
  /** NEW_AND_OLD_IMAGES or NEW_IMAGE. */
  outputView?: string;
  outputFormat?: string;
  itemCount?: number;
  billedSizeBytes?: number;
  manifestFilesS3Key?: string;
  [k: string]: unknown;
}

/** An incremental export's data files, as its manifest lists them. */
export interface LocatedIncrementalExport {
  /** Data files in the shared `<prefix>/AWSDynamoDB/data/` folder that belong to this export. */
  files: ExportDataFile[];
  manifest: IncrementalManifestSummary;
  /** The manifest's outputView, when it names one of the two views. */
  viewType?: IncrementalViewType;
}

/**
 * Finds the data files of a COMPLETED incremental export from its manifests:
 * `<prefix>/AWSDynamoDB/<exportId>/manifest-summary.json`, then the manifest-files.json it names.
 * Unlike a full export there is no listing fallback: incremental exports write their data files
 * into a folder shared by every export under the prefix (`<prefix>/AWSDynamoDB/data/`), so only
 * the manifest says which files are this export's. Format: DynamoDB Developer Guide, "DynamoDB
 * table export output format", incremental export output
 * (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/S3DataExport.Output.html).
 *
 * @throws MigrationError `EXPORT_FILES_NOT_FOUND` (no manifest yet: the export is not COMPLETED or
 *   was deleted), `EXPORT_MANIFEST_INVALID` (unreadable, or the manifest of a full export).
 * @example
 * const { files } = await locateIncrementalExport(s3, { bucket, prefix, exportArn, expectedBucketOwner });
 * for (const file of files) for await (const record of readIncrementalRecords(s3, bucket, file.key)) ...
 */
export async function locateIncrementalExport(
  s3: S3ReadClient,
  loc: ExportLocation,
): Promise<LocatedIncrementalExport> {
  const exportId = exportIdFromArn(loc.exportArn);
  const ref: BucketRef = {
    bucket: loc.bucket,
    ...(loc.expectedBucketOwner === undefined ? {} : { expectedBucketOwner: loc.expectedBucketOwner }),
  };
  const base = loc.prefix.replace(/\/+$/, '');
  const roots = exportRoots(loc.prefix);
  for (const root of roots) {
    const summaryKey = `${root}${exportId}/manifest-summary.json`;
    const summaryText = await getObjectText(s3, ref, summaryKey);
    if (summaryText === undefined) continue;
    const manifest = parseJson(summaryText, summaryKey) as IncrementalManifestSummary;
    if (manifest.exportType !== undefined && manifest.exportType !== 'INCREMENTAL_EXPORT') {
      throw new MigrationError(
        'EXPORT_MANIFEST_INVALID',
        `${summaryKey} describes a ${String(manifest.exportType)}, not an incremental export`,
      );
    }
    const filesKey =
      typeof manifest.manifestFilesS3Key === 'string' && manifest.manifestFilesS3Key !== ''
        ? withPrefix(base, manifest.manifestFilesS3Key)
        : `${root}${exportId}/manifest-files.json`;
    const filesText = await getObjectText(s3, ref, filesKey);
    if (filesText === undefined) {
      throw new MigrationError(
        'EXPORT_MANIFEST_INVALID',
        `Incremental export manifest lists ${filesKey}, which does not exist`,
        { hint: 'The export objects may have been deleted; request the window again' },
      );
    }
    const view = manifest.outputView;
    return {
      files: parseManifestFiles(filesText, base, filesKey),
      manifest,
      ...(view === 'NEW_AND_OLD_IMAGES' || view === 'NEW_IMAGE' ? { viewType: view } : {}),
    };
  }
  throw new MigrationError(
    'EXPORT_FILES_NOT_FOUND',
    `No manifest of incremental export ${exportId} under s3://${loc.bucket}/${roots[0]}`,
    { hint: 'Check that the export is COMPLETED and that its objects were not deleted' },
  );
}
