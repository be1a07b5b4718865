import type { ImportTableDescription } from '@aws-sdk/client-dynamodb';
import {
  type ExportDataFile,
  type ExportManifestSummary,
  readExportItems,
  type S3ReadClient,
} from '@ddb-migrate/core';
import type { ExpectedCountSource, ImportCounts } from '../state/migration-state.js';

/** The export's item count: what a complete import must report as imported. */
export interface ExpectedItemCount {
  items: number;
  source: ExpectedCountSource;
}

/** CloudWatch log group where ImportTable writes the items it rejected. */
export const IMPORT_LOG_GROUP = '/aws-dynamodb/imports';

/** What to do about an import that did not bring every item (or failed). */
export const IMPORT_REMEDY = `See the ${IMPORT_LOG_GROUP} CloudWatch log group for the rejected items; then delete the target table and run migrate again with --load-mode write (it reuses this export)`;

/**
 * The export's item count, from the cheapest source that has it: DescribeExport's ItemCount, the
 * manifest summary, the per-file manifest counts, else by reading the data files (stand-ins that
 * report no count). Reading streams each file; nothing is held in memory.
 */
export async function expectedExportItemCount(input: {
  exportItemCount?: number;
  manifest?: ExportManifestSummary;
  files: readonly ExportDataFile[];
  s3: S3ReadClient;
  bucket: string;
  signal?: AbortSignal;
}): Promise<ExpectedItemCount> {
  if (input.exportItemCount !== undefined) return { items: input.exportItemCount, source: 'export' };
  if (typeof input.manifest?.itemCount === 'number')
    return { items: input.manifest.itemCount, source: 'manifest' };
  if (input.files.length > 0 && input.files.every((f) => f.itemCount !== undefined)) {
    return { items: input.files.reduce((n, f) => n + (f.itemCount ?? 0), 0), source: 'manifest' };
  }
  let items = 0;
  for (const file of input.files) {
    for await (const _ of readExportItems(
      input.s3,
      input.bucket,
      file.key,
      input.signal ? { signal: input.signal } : {},
    )) {
      items += 1;
    }
  }
  return { items, source: 'data-files' };
}

/**
 * Compares a finished import with the export. Complete means: ImportedItemCount equals the
 * export's count and no item errored. A missing ImportedItemCount is not complete (it cannot be
 * confirmed).
 */
export function importCounts(expected: ExpectedItemCount, d: ImportTableDescription): ImportCounts {
  const imported = d.ImportedItemCount === undefined ? undefined : Number(d.ImportedItemCount);
  const errorCount = Number(d.ErrorCount ?? 0);
  return {
    expectedItems: expected.items,
    expectedSource: expected.source,
    ...(imported === undefined ? {} : { importedItems: imported }),
    ...(d.ProcessedItemCount === undefined ? {} : { processedItems: Number(d.ProcessedItemCount) }),
    errorCount,
    ...(d.FailureCode ? { failureCode: d.FailureCode } : {}),
    complete: imported === expected.items && errorCount === 0,
  };
}

/** One line naming both counts, for the error and the summary. */
export function describeImportCounts(c: ImportCounts): string {
  const imported =
    c.importedItems === undefined ? 'an unreported number of' : c.importedItems.toLocaleString('en-US');
  const source =
    c.expectedSource === 'export'
      ? 'export'
      : c.expectedSource === 'manifest'
        ? 'export manifest'
        : 'export data files';
  return `imported ${imported} items of the ${c.expectedItems.toLocaleString('en-US')} in the ${source} (ErrorCount ${c.errorCount}${c.failureCode ? `, FailureCode ${c.failureCode}` : ''})`;
}
