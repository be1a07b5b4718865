import { ConfigError, type KeyNames } from '@ddb-migrate/core';
import type { WorkerSide } from './worker-event.js';

/** Settings every load worker of one load shares. */
export interface LoadWorkerOptions {
  /** Write units per second for this worker: the CLI's `--max-wcu` split across workers. */
  maxWcuPerWorker?: number;
  /** BatchWriteItem calls in flight in one worker. Default 8. */
  concurrency?: number;
  /** Data files one worker reads at once. Default min(4, files of its batch). */
  fileConcurrency?: number;
  /**
   * Milliseconds of an invocation kept back after the last file is started (the files in flight
   * finish, the markers and summary are written). Default 60 s.
   */
  reserveMs?: number;
}

/** What every item of a fanned-out write-mode load shares. */
export interface LoadJob {
  /** Where done-markers and summaries go: `s3://bucket/prefix/` on AWS, a directory locally. */
  workUrl: string;
  /** The export's bucket: read with the target side's access (the export lives in the target account). */
  exportBucket: string;
  /** The target table (name or ARN), its Region and the role that writes it. */
  target: WorkerSide;
  keyNames: KeyNames;
  /** This run's item list, relative to `workUrl` (the merge step adds up only its batches). */
  itemsKey?: string;
  options?: LoadWorkerOptions;
}

/** One data file of the export (from manifest-files.json). */
export interface LoadFile {
  key: string;
  itemCount?: number;
}

/** One item of the load's item list (a JSONL line): one data file, or a few. */
export interface LoadBatch {
  id: string;
  files: LoadFile[];
}

/** A file of the batch that could not be written completely in this run (no done-marker). */
export interface FailedLoadFile {
  key: string;
  failedItems: number;
  message: string;
}

/** What a load worker invocation receives; `invocation` and `failed` come from the previous turn. */
export interface LoadEvent {
  job: LoadJob;
  batch: LoadBatch;
  invocation?: number;
  failed?: FailedLoadFile[];
}

/**
 * What a load worker invocation returns. `continue`: call again with this object; `done`: every
 * file of the batch was tried and the batch summary is written (`failed` lists those not loaded).
 */
export interface LoadResult extends LoadEvent {
  status: 'continue' | 'done';
  invocation: number;
  failed: FailedLoadFile[];
  /** Files of the batch with a done-marker. */
  filesDone: number;
  /** Files of the batch neither done nor failed. */
  filesLeft: number;
  /** Items of the batch's done files. */
  items: number;
  failedItems: number;
}

const fail = (message: string): never => {
  throw new ConfigError(`Invalid load worker event: ${message}`, {
    hint: 'The event is written by ddb-migrate migrate --load-engine; start the load with the CLI',
  });
};

const nonEmpty = (value: unknown) => typeof value === 'string' && value !== '';

/**
 * Checks a load event's shape (it crosses a process or service boundary) and returns it typed.
 *
 * @throws ConfigError naming the first problem.
 */
export function parseLoadEvent(value: unknown): LoadEvent {
  const event = value as Partial<LoadEvent> | undefined;
  const job = event?.job;
  if (!job || typeof job !== 'object') return fail('job is missing');
  if (!nonEmpty(job.workUrl)) fail('job.workUrl is missing');
  if (!nonEmpty(job.exportBucket)) fail('job.exportBucket is missing');
  if (!nonEmpty(job.target?.tableName)) fail('job.target.tableName is missing');
  if (!nonEmpty(job.target?.region)) fail('job.target.region is missing');
  if (job.target?.roleArn !== undefined && !nonEmpty(job.target.roleArn)) fail('job.target.roleArn is empty');
  if (!nonEmpty(job.keyNames?.partitionKey)) fail('job.keyNames.partitionKey is missing');
  const batch = event.batch;
  if (!batch || !nonEmpty(batch.id) || !/^[\w.-]+$/.test(batch.id)) fail('batch.id is missing or not a name');
  if (!Array.isArray(batch!.files) || batch!.files.length === 0) fail('batch.files is empty');
  for (const file of batch!.files) if (!nonEmpty(file?.key)) fail('a file of batch.files has no key');
  if (event.invocation !== undefined && !(Number.isInteger(event.invocation) && event.invocation >= 0)) {
    fail('invocation must be a non-negative integer');
  }
  if (event.failed !== undefined && !Array.isArray(event.failed)) fail('failed must be a list');
  return event as LoadEvent;
}

/**
 * Splits the export's data files into the load's item list: batches of `perBatch` files in the
 * manifest's order, ids zero-padded so keys sort (`f0000000`).
 */
export function fileBatches(files: readonly LoadFile[], perBatch = 1): LoadBatch[] {
  const size = Math.max(1, Math.floor(perBatch));
  const batches: LoadBatch[] = [];
  for (let first = 0; first < files.length; first += size) {
    batches.push({
      id: `f${String(first).padStart(7, '0')}`,
      files: files.slice(first, first + size).map((f) => ({
        key: f.key,
        ...(f.itemCount === undefined ? {} : { itemCount: f.itemCount }),
      })),
    });
  }
  return batches;
}

/** The data file's done-marker: `load/done/<file name>.json` (names are unique in an export's data/). */
export function loadDoneKey(fileKey: string): string {
  return `load/done/${fileKey.slice(fileKey.lastIndexOf('/') + 1)}.json`;
}

/** `load/batches/<batch>.summary.json` */
export const loadBatchSummaryKey = (id: string) => `load/batches/${id}.summary.json`;

/** `load/summary.json`: the sum of every batch's summary (written by the merge step). */
export const LOAD_SUMMARY_KEY = 'load/summary.json';
