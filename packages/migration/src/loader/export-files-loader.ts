import type { ExportDataFile, KeyNames, LoadExportFilesResult, Logger } from '@ddb-migrate/core';

/** What a write-mode load engine is asked to load (the files not yet recorded as loaded). */
export interface ExportFilesLoadRequest {
  /** The migration's run id: a stable name for the engine's work (done-markers survive a re-run). */
  runId: string;
  /** The export's bucket (in the target account) and the data files left to load. */
  bucket: string;
  files: ExportDataFile[];
  /** The target table. */
  tableName: string;
  keyNames: KeyNames;
  /** BatchWriteItem calls in flight per worker (--write-concurrency). */
  concurrency: number;
  /** Write units per second for the whole load: the engine splits it across its workers. */
  maxWcu?: number;
  signal?: AbortSignal;
  logger: Logger;
  /** Call once per file whose writer flushed without failures (the state records it: resume). */
  onFileDone(file: ExportDataFile, items: number): Promise<void>;
  /** Items handed to the writers so far (progress). */
  onItems(count: number): void;
}

/**
 * A write-mode load on another engine than this process (the CLI's `--load-engine local` runs the
 * fan-out load worker in N child processes, `--load-engine stepfunctions` on a Distributed Map).
 * It resolves with the load's totals; files with `failedItems` are not reported done, so the
 * migration does not mark the load done and a re-run loads them again.
 */
export interface ExportFilesLoader {
  /** For logs: `local (4 workers)`, `stepfunctions`. */
  name: string;
  load(request: ExportFilesLoadRequest): Promise<LoadExportFilesResult>;
}
