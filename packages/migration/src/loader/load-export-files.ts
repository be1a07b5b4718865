import {
  type BatchWriteClient,
  createBatchWriter,
  type ExportDataFile,
  type KeyNames,
  type Logger,
  MigrationError,
  noopLogger,
  readExportItems,
  type S3ReadClient,
  TokenBucket,
} from '@ddb-migrate/core';

/** Options of {@link loadExportFiles}. */
export interface LoadExportFilesOptions {
  s3: S3ReadClient;
  bucket: string;
  files: ExportDataFile[];
  client: BatchWriteClient;
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
  /** Called once a file is completely written (resume bookkeeping). */
  onFileDone?(file: ExportDataFile, items: number): Promise<void> | void;
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
}

/**
 * Write-mode loader: streams export data files (gunzip + line split, never a whole file in
 * memory) into core's batch writer. Files are read in parallel; the write concurrency is split
 * between them; one token bucket caps the write units of all of them. A file counts as loaded
 * only after its writer flushed without failures, so a crash re-loads at most the files in flight
 * (puts are idempotent).
 *
 * @throws MigrationError `LOAD_WRITE_FAILED` when some items could not be written after retries.
 */
export async function loadExportFiles(opts: LoadExportFilesOptions): Promise<LoadExportFilesResult> {
  const logger = opts.logger ?? noopLogger;
  const fileConcurrency = Math.max(1, Math.min(opts.fileConcurrency ?? 4, opts.files.length));
  const perFile = Math.max(1, Math.floor((opts.concurrency ?? 8) / fileConcurrency));
  const wcuBucket = opts.maxWcu === undefined ? undefined : new TokenBucket(opts.maxWcu);
  const totals: LoadExportFilesResult = { files: 0, items: 0, calls: 0, retries: 0, throttles: 0 };
  const queue = [...opts.files];

  const worker = async () => {
    for (let file = queue.shift(); file !== undefined; file = queue.shift()) {
      opts.signal?.throwIfAborted();
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
      if (result.failed.length > 0) {
        const first = result.failed[0];
        throw new MigrationError(
          'LOAD_WRITE_FAILED',
          `${result.failed.length} items of ${file.key} could not be written (${first?.code ?? ''} ${first?.error ?? ''})`.trim(),
          {
            hint: 'Check the target table capacity and the target role; run migrate again to resume from this file',
          },
        );
      }
      totals.files += 1;
      totals.items += items;
      totals.calls += result.calls;
      totals.retries += result.retries;
      totals.throttles += result.throttles;
      logger.info('data file loaded', {
        key: file.key,
        items,
        calls: result.calls,
        throttles: result.throttles,
      });
      await opts.onFileDone?.(file, items);
    }
  };
  await Promise.all(Array.from({ length: fileConcurrency }, worker));
  return totals;
}
