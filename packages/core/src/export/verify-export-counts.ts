import type { ExportDataFile, ExportManifestSummary } from './locate-export.js';

/** A data file whose manifest count differs from what was read. */
export interface ExportCountMismatch {
  key: string;
  expected: number;
  read: number;
}

/** Result of {@link verifyExportCounts}. Mismatches are data, not exceptions. */
export interface ExportCountCheck {
  ok: boolean;
  /** Items read over all files. */
  read: number;
  /** Manifest total (summary itemCount, else the sum of file counts), when known. */
  expected?: number;
  mismatches: ExportCountMismatch[];
  /** Files the manifest lists that were never read. */
  unread: string[];
}

/**
 * Compares manifest item counts with what was read per file. Without counts (a listing, or
 * moto) only the total read is reported and `ok` is true.
 *
 * @param readCounts items read per data file key.
 */
export function verifyExportCounts(
  files: readonly ExportDataFile[],
  readCounts: ReadonlyMap<string, number> | Readonly<Record<string, number>>,
  manifest?: ExportManifestSummary,
): ExportCountCheck {
  const counts: ReadonlyMap<string, number> =
    readCounts instanceof Map ? readCounts : new Map(Object.entries(readCounts as Record<string, number>));
  const mismatches: ExportCountMismatch[] = [];
  const unread: string[] = [];
  let read = 0;
  for (const n of counts.values()) read += n;
  let fileTotal = 0;
  let allCounted = files.length > 0;
  for (const file of files) {
    const got = counts.get(file.key);
    if (file.itemCount === undefined) {
      allCounted = false;
      continue;
    }
    fileTotal += file.itemCount;
    if (got === undefined) {
      if (file.itemCount > 0) unread.push(file.key);
      continue;
    }
    if (got !== file.itemCount) mismatches.push({ key: file.key, expected: file.itemCount, read: got });
  }
  const summaryCount = typeof manifest?.itemCount === 'number' ? manifest.itemCount : undefined;
  const expected = summaryCount ?? (allCounted ? fileTotal : undefined);
  const totalOk = expected === undefined || expected === read;
  return {
    ok: mismatches.length === 0 && unread.length === 0 && totalOk,
    read,
    ...(expected === undefined ? {} : { expected }),
    mismatches,
    unread,
  };
}
