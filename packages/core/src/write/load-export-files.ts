import { MigrationError } from '../errors.js';
import type { ExportDataFile } from '../export/locate-export.js';
import { readExportItems } from '../export/read-export-items.js';
import type { S3ReadClient } from '../export/s3-objects.js';
import { type Logger, noopLogger } from '../logger.js';
import type { KeyNames } from '../attribute-value/types.js';
import { createBatchWriter } from './batch-writer.js';
import { TokenBucket } from './token-bucket.js';
import type { BatchWriteClient } from './write-op.js';

/** What one data file's writer did (the counts a file's done-marker keeps). */
export interface LoadedFileStats {
  items: number;
  calls: number;
  retries: number;
  throttles: number;
}

/** Options of {@link loadExportFiles}. */
export interface LoadExportFilesOptions {
  s3: S3ReadClient;
  bucket: string;
  files: ExportDataFile[];
  client: BatchWriteClient;
  /** The target table's name or ARN (BatchWriteItem takes either). */
  tableName: string;
  keyNames: KeyNames;
  /** BatchWriteItem calls in flight, shared by all files. Default 8. */
  concurrency?: number;
  /** Data files read at once. Default min(4, files). */
  fileConcurrency?: number;
  /** Write units per second across all files. */
  maxWcu?: number;
  signal?: AbortSignal;
  logger?: Logger;
  /**
   * Asked before each next file is started: true leaves the files not started yet (a fan-out
   * worker's time budget). Files already started are finished.
   */
  shouldStop?(): boolean;
  /** Called once a file is completely written (resume bookkeeping). */
  onFileDone?(file: ExportDataFile, items: number, stats: LoadedFileStats): Promise<void> | void;
  /**
   * Called for a file some of whose items could not be written after retries (the file is not
   * done). Without it the load throws `LOAD_WRITE_FAILED`; with it the other files go on and the
   * failures are counted in `failedItems`.
   */
  onFileFailed?(file: ExportDataFile, failedItems: number, message: string): Promise<void> | void;
  /** Called as items are handed to the writers. */
  onItems?(count: number): void;
}

/** Totals of a load. */
export interface LoadExportFilesResult {
  files: number;
  items: number;
  calls: number;
  retries: number;
  throttles: number;
  /** Items not written (only with `onFileFailed`; otherwise the load throws). */
  failedItems: number;
  /** Files left unstarted because `shouldStop` said so. */
  filesLeft: number;
}

/**
 * Write-mode loader: streams export data files (gunzip + line split, never a whole file in
 * memory) into the batch writer. Files are read in parallel; the write concurrency is split
 * between them; one token bucket caps the write units of all of them. A file counts as loaded
 * only after its writer flushed without failures, so a crash re-loads at most the files in flight
 * (puts are idempotent). The in-process load of `migrate` and the fan-out load worker both run it.
 *
 * @throws MigrationError `LOAD_WRITE_FAILED` when some items could not be written after retries
 *   (unless `onFileFailed` takes them).
 */
export async function loadExportFiles(opts: LoadExportFilesOptions): Promise<LoadExportFilesResult> {
  const logger = opts.logger ?? noopLogger;
  const fileConcurrency = Math.max(1, Math.min(opts.fileConcurrency ?? 4, opts.files.length));
  const perFile = Math.max(1, Math.floor((opts.concurrency ?? 8) / fileConcurrency));
  const wcuBucket = opts.maxWcu === undefined ? undefined : new TokenBucket(opts.maxWcu);
  const totals: LoadExportFilesResult = {
    files: 0,
    items: 0,
    calls: 0,
    retries: 0,
    throttles: 0,
    failedItems: 0,
    filesLeft: 0,
  };
  const queue = [...opts.files];
  let started = 0;

  const worker = async () => {
    for (let file = queue.shift(); file !== undefined; file = queue.shift()) {
      opts.signal?.throwIfAborted();
      // At least one file per call, whatever the budget: a loop that never advances would run forever.
      if (started > 0 && opts.shouldStop?.()) {
        totals.filesLeft = queue.length + 1;
        queue.length = 0;
        return;
      }
      started += 1;
      const writer = createBatchWriter(opts.client, {
        tableName: opts.tableName,
        keyNames: opts.keyNames,
        concurrency: perFile,
        logger,
        ...(wcuBucket ? { wcuBucket } : {}),
        ...(opts.signal ? { signal: opts.signal } : {}),
      });
      let items = 0;
      let pending = 0;
      for await (const item of readExportItems(
        opts.s3,
        opts.bucket,
        file.key,
        opts.signal ? { signal: opts.signal } : {},
      )) {
        await writer.write({ type: 'put', item });
        items += 1;
        pending += 1;
        if (pending >= 100) {
          opts.onItems?.(pending);
          pending = 0;
        }
      }
      const result = await writer.flush();
      opts.onItems?.(pending);
      totals.calls += result.calls;
      totals.retries += result.retries;
      totals.throttles += result.throttles;
      if (result.failed.length > 0) {
        const first = result.failed[0];
        const message =
          `${result.failed.length} items of ${file.key} could not be written (${first?.code ?? ''} ${first?.error ?? ''})`.trim();
        if (!opts.onFileFailed) {
          throw new MigrationError('LOAD_WRITE_FAILED', message, {
            hint: 'Check the target table capacity and the target role; run migrate again to resume from this file',
          });
        }
        totals.failedItems += result.failed.length;
        logger.warn('data file not loaded', { key: file.key, failed: result.failed.length });
        await opts.onFileFailed(file, result.failed.length, message);
        continue;
      }
      totals.files += 1;
      totals.items += items;
      logger.info('data file loaded', {
        key: file.key,
        items,
        calls: result.calls,
        throttles: result.throttles,
      });
      await opts.onFileDone?.(file, items, {
        items,
        calls: result.calls,
        retries: result.retries,
        throttles: result.throttles,
      });
    }
  };
  await Promise.all(Array.from({ length: fileConcurrency }, worker));
  return totals;
}
