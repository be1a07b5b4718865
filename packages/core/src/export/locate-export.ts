import { MigrationError } from '../errors.js';
import { exportIdFromArn } from './export-id.js';
import {
  type BucketRef,
  getObjectText,
  hasObjects,
  listAllObjects,
  listSubPrefixes,
  type S3ReadClient,
} from './s3-objects.js';

/** One data file of an export. Counts and checksums come from manifest-files.json when there is one. */
export interface ExportDataFile {
  key: string;
  itemCount?: number;
  md5Checksum?: string;
  /** Object size (from a listing). */
  sizeBytes?: number;
}

/** manifest-summary.json (fields as DynamoDB writes them; unknown ones kept). */
export interface ExportManifestSummary {
  exportArn?: string;
  itemCount?: number;
  exportTime?: string;
  outputFormat?: string;
  manifestFilesS3Key?: string;
  [k: string]: unknown;
}

/** Where an export was written. `prefix` is the S3Prefix given to ExportTableToPointInTime ("" allowed). */
export interface ExportLocation {
  bucket: string;
  prefix: string;
  exportArn: string;
  expectedBucketOwner?: string;
}

/** The export's data files and the prefix that holds them. */
export interface LocatedExport {
  files: ExportDataFile[];
  /** `<prefix>/AWSDynamoDB/<dir>/data/`: what ImportTable's S3KeyPrefix gets. */
  dataPrefix: string;
  manifest?: ExportManifestSummary;
  /** `manifest`: from manifest-files.json; `listing`: from listing the data folder. */
  source: 'manifest' | 'listing';
}

/**
 * Finds an export's data files:
 * 1. `<prefix>/AWSDynamoDB/<exportId>/manifest-summary.json` -> manifest-files.json (JSON lines);
 * 2. else list `<prefix>/AWSDynamoDB/<exportId>/data/`;
 * 3. else (a writer that names the folder differently from the export id, such as moto) accept
 *    the only folder under `<prefix>/AWSDynamoDB/` that has a `data/` folder. Callers give each
 *    export its own prefix, so on AWS this is the export itself.
 *
 * @throws MigrationError `EXPORT_FILES_NOT_FOUND` (nothing found) or `EXPORT_LOCATION_AMBIGUOUS`
 *   (several export folders under the prefix), `EXPORT_MANIFEST_INVALID` (unreadable manifest).
 */
export async function locateExportDataFiles(s3: S3ReadClient, loc: ExportLocation): Promise<LocatedExport> {
  const exportId = exportIdFromArn(loc.exportArn);
  const ref: BucketRef = {
    bucket: loc.bucket,
    ...(loc.expectedBucketOwner === undefined ? {} : { expectedBucketOwner: loc.expectedBucketOwner }),
  };
  const base = loc.prefix.replace(/\/+$/, '');
  const roots = exportRoots(loc.prefix);

  for (const root of roots) {
    const summaryText = await getObjectText(s3, ref, `${root}${exportId}/manifest-summary.json`);
    if (summaryText === undefined) continue;
    const manifest = parseJson(
      summaryText,
      `${root}${exportId}/manifest-summary.json`,
    ) as ExportManifestSummary;
    const filesKey =
      typeof manifest.manifestFilesS3Key === 'string' && manifest.manifestFilesS3Key !== ''
        ? withPrefix(base, manifest.manifestFilesS3Key)
        : `${root}${exportId}/manifest-files.json`;
    const filesText = await getObjectText(s3, ref, filesKey);
    if (filesText === undefined) {
      throw new MigrationError(
        'EXPORT_MANIFEST_INVALID',
        `Export manifest lists ${filesKey}, which does not exist`,
        {
          hint: 'The export may still be running or its objects were deleted; re-run once it is COMPLETED',
        },
      );
    }
    return {
      files: parseManifestFiles(filesText, base, filesKey),
      dataPrefix: `${root}${exportId}/data/`,
      manifest,
      source: 'manifest',
    };
  }

  for (const root of roots) {
    const dataPrefix = `${root}${exportId}/data/`;
    const objects = await listAllObjects(s3, ref, dataPrefix);
    if (objects.length > 0) return { files: objects.map(toDataFile), dataPrefix, source: 'listing' };
  }

  const found: string[] = [];
  for (const root of roots) {
    for (const dir of await listSubPrefixes(s3, ref, root)) {
      if (await hasObjects(s3, ref, `${dir}data/`)) found.push(`${dir}data/`);
    }
  }
  const where = `s3://${loc.bucket}/${roots[0]}`;
  if (found.length === 1) {
    const dataPrefix = found[0]!;
    return {
      files: (await listAllObjects(s3, ref, dataPrefix)).map(toDataFile),
      dataPrefix,
      source: 'listing',
    };
  }
  if (found.length === 0) {
    throw new MigrationError('EXPORT_FILES_NOT_FOUND', `No data files of export ${exportId} under ${where}`, {
      hint: 'Check the bucket and prefix of the export, and that the export is COMPLETED',
    });
  }
  throw new MigrationError(
    'EXPORT_LOCATION_AMBIGUOUS',
    `Export ${exportId} has no manifest and ${found.length} export folders exist under ${where}`,
    { hint: 'Export into a prefix of its own (one export per prefix)' },
  );
}

/**
 * The `AWSDynamoDB/` folders to look in. For prefix "" DynamoDB writes `AWSDynamoDB/...`, while
 * moto writes `/AWSDynamoDB/...`; a trailing slash on the prefix is tolerated both ways.
 */
export function exportRoots(prefix: string): string[] {
  const base = prefix.replace(/\/+$/, '');
  const roots = base === '' ? ['AWSDynamoDB/', '/AWSDynamoDB/'] : [`${base}/AWSDynamoDB/`];
  if (prefix !== base && base !== '') roots.push(`${prefix}/AWSDynamoDB/`);
  return roots;
}

/** Keys in manifests may omit the S3Prefix (older full exports) or include it (incremental): accept both. */
export function withPrefix(base: string, key: string): string {
  if (base === '' || key.startsWith(`${base}/`)) return key;
  return key.startsWith('AWSDynamoDB/') ? `${base}/${key}` : key;
}

/** The data files of a manifest-files.json (JSON lines, one `{dataFileS3Key, itemCount, md5Checksum}` each). */
export function parseManifestFiles(text: string, base: string, sourceKey: string): ExportDataFile[] {
  const files: ExportDataFile[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    const entry = parseJson(line, sourceKey) as {
      dataFileS3Key?: unknown;
      itemCount?: unknown;
      md5Checksum?: unknown;
    };
    if (typeof entry.dataFileS3Key !== 'string' || entry.dataFileS3Key === '') {
      throw new MigrationError('EXPORT_MANIFEST_INVALID', `${sourceKey} has a line without dataFileS3Key`);
    }
    const file: ExportDataFile = { key: withPrefix(base, entry.dataFileS3Key) };
    const count = typeof entry.itemCount === 'string' ? Number(entry.itemCount) : entry.itemCount;
    if (typeof count === 'number' && Number.isFinite(count)) file.itemCount = count;
    if (typeof entry.md5Checksum === 'string') file.md5Checksum = entry.md5Checksum;
    files.push(file);
  }
  return files;
}

/** JSON.parse, failing with EXPORT_MANIFEST_INVALID naming the object. */
export function parseJson(text: string, sourceKey: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new MigrationError('EXPORT_MANIFEST_INVALID', `${sourceKey} is not valid JSON`, { cause: err });
  }
}

function toDataFile(o: { key: string; sizeBytes?: number }): ExportDataFile {
  return o.sizeBytes === undefined ? { key: o.key } : { key: o.key, sizeBytes: o.sizeBytes };
}
