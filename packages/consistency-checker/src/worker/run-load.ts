import type { S3Client } from '@aws-sdk/client-s3';
import { type LoadedFileStats, loadExportFiles, noopLogger } from '@ddb-migrate/core';
import {
  type FailedLoadFile,
  type LoadEvent,
  type LoadFile,
  type LoadResult,
  loadBatchSummaryKey,
  loadDoneKey,
} from './load-event.js';
import type { InvocationContext, WorkerDeps } from './run-range.js';
import type { WorkerSide } from './worker-event.js';
import type { WorkStore } from './work-store.js';

/** Time kept back after the last file is started, unless the job says otherwise. */
export const DEFAULT_LOAD_RESERVE_MS = 60_000;

/** What a load worker needs from its host (the Lambda handler, a local child process, a test). */
export interface LoadWorkerDeps extends Pick<WorkerDeps, 'clientFor' | 'store' | 'logger' | 'now'> {
  /** An S3 client that reads the export bucket with the target side's access. */
  exportS3For(side: WorkerSide): Pick<S3Client, 'send'>;
}

/** A data file's done-marker (`load/done/<file>.json`): written only after its writer flushed clean. */
export interface LoadFileMarker extends LoadedFileStats {
  key: string;
  at: string;
}

/** A batch's summary (`load/batches/<batch>.summary.json`): its done files' counts added up. */
export interface LoadBatchSummary {
  batch: string;
  files: number;
  items: number;
  calls: number;
  retries: number;
  throttles: number;
  failedItems: number;
  failedFiles: FailedLoadFile[];
  invocations: number;
}

/**
 * One invocation of the load worker: loads the files of `event.batch` that have no done-marker yet
 * (core's {@link loadExportFiles}, the same code as migrate's in-process load), starting no new file
 * once the invocation's time runs short (`context.getRemainingTimeInMillis()` minus the reserve),
 * and writes a done-marker per file whose writer flushed without failures. Returns `continue`
 * while files are left, `done` with the batch summary written. A retried or repeated invocation
 * skips the files with markers (puts are idempotent, so a file cut off mid-way is simply loaded
 * again); a file that failed is left without a marker, so the next run loads it again.
 *
 * @example
 * let result = await runLoadBatch(event, deps, context);
 * while (result.status === 'continue') result = await runLoadBatch(result, deps, context);
 */
export async function runLoadBatch(
  event: LoadEvent,
  deps: LoadWorkerDeps,
  context: InvocationContext,
): Promise<LoadResult> {
  const now = deps.now ?? Date.now;
  const logger = deps.logger ?? noopLogger;
  const started = now();
  const { job, batch } = event;
  const options = job.options ?? {};
  const store = deps.store(job.workUrl);
  const invocation = (event.invocation ?? 0) + 1;
  const failed = [...(event.failed ?? [])];
  const tried = new Set(failed.map((f) => f.key));
  const markers = await readMarkers(store, batch.files);
  const todo = batch.files.filter((f) => !markers.has(f.key) && !tried.has(f.key));
  const stopAt =
    started + context.getRemainingTimeInMillis() - (options.reserveMs ?? DEFAULT_LOAD_RESERVE_MS);
  logger.info('load worker starting', {
    batch: batch.id,
    invocation,
    files: batch.files.length,
    todo: todo.length,
    budgetMs: Math.max(0, stopAt - started),
  });

  const result =
    todo.length === 0
      ? undefined
      : await loadExportFiles({
          s3: deps.exportS3For(job.target),
          bucket: job.exportBucket,
          files: todo,
          client: deps.clientFor(job.target, 'target'),
          tableName: job.target.tableName,
          keyNames: job.keyNames,
          ...(options.concurrency === undefined ? {} : { concurrency: options.concurrency }),
          ...(options.fileConcurrency === undefined ? {} : { fileConcurrency: options.fileConcurrency }),
          ...(options.maxWcuPerWorker === undefined ? {} : { maxWcu: options.maxWcuPerWorker }),
          logger,
          shouldStop: () => now() >= stopAt,
          onFileDone: async (file, _items, stats) => {
            const marker: LoadFileMarker = { key: file.key, ...stats, at: new Date(now()).toISOString() };
            await store.write(loadDoneKey(file.key), `${JSON.stringify(marker)}\n`);
            markers.set(file.key, marker);
          },
          onFileFailed: (file, failedItems, message) => {
            failed.push({ key: file.key, failedItems, message });
          },
        });
  const filesLeft = result?.filesLeft ?? 0;
  const done = [...markers.values()];
  const failedItems = failed.reduce((sum, f) => sum + f.failedItems, 0);
  if (filesLeft === 0) {
    const summary: LoadBatchSummary = {
      batch: batch.id,
      files: done.length,
      items: sum(done, 'items'),
      calls: sum(done, 'calls'),
      retries: sum(done, 'retries'),
      throttles: sum(done, 'throttles'),
      failedItems,
      failedFiles: failed,
      invocations: invocation,
    };
    await store.write(loadBatchSummaryKey(batch.id), `${JSON.stringify(summary, null, 2)}\n`);
  }
  logger.info('load worker stopped', {
    batch: batch.id,
    invocation,
    status: filesLeft === 0 ? 'done' : 'continue',
    filesDone: done.length,
    filesLeft,
    failedItems,
    durationMs: now() - started,
  });
  return {
    job,
    batch,
    status: filesLeft === 0 ? 'done' : 'continue',
    invocation,
    failed,
    filesDone: done.length,
    filesLeft,
    items: sum(done, 'items'),
    failedItems,
  };
}

/** The done-markers of `files` that exist, by file key (a host reads them to record files done). */
export async function readMarkers(
  store: WorkStore,
  files: readonly LoadFile[],
): Promise<Map<string, LoadFileMarker>> {
  const markers = new Map<string, LoadFileMarker>();
  await Promise.all(
    files.map(async (file) => {
      const text = await store.read(loadDoneKey(file.key));
      if (text === undefined) return;
      const marker = JSON.parse(text) as LoadFileMarker;
      // Another file of the same name (another export under the same work prefix) is not this one.
      if (marker.key === file.key) markers.set(file.key, marker);
    }),
  );
  return markers;
}

const sum = (markers: readonly LoadFileMarker[], field: keyof LoadedFileStats) =>
  markers.reduce((total, m) => total + m[field], 0);
