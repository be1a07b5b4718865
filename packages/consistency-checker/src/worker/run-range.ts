import { randomBytes } from 'node:crypto';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ConfigError, type Logger, noopLogger, TokenBucket } from '@ddb-migrate/core';
import {
  DEFAULT_RECHECK_ATTEMPTS,
  DEFAULT_RECHECK_DELAY_SECONDS,
  recheckDelaysMs,
} from '../recheck-queue.js';
import { differenceToJson, mergeSummaries } from '../report.js';
import type { Difference, VerifySummary } from '../types.js';
import { verifyTablesResumable } from '../verify-tables.js';
import {
  CHECKPOINT_VERSION,
  decodeCheckpoint,
  encodeCheckpoint,
  type RangeCheckpoint,
  type RangeSummary,
} from './checkpoint.js';
import type { WorkStore } from './work-store.js';
import { rangeId, type WorkerEvent, type WorkerResult, type WorkerSide } from './worker-event.js';

/** Differences per report part: parts stay a few MB, and a worker never holds more than one. */
export const PART_LINES = 5_000;

/** Time kept back after the scans stop, on top of the re-check delays (point reads, S3 writes). */
export const DEFAULT_RESERVE_EXTRA_MS = 30_000;

/** What a worker needs from its host (the Lambda handler, a local child process, a test). */
export interface WorkerDeps {
  /** The DynamoDB client of one side (the host caches them across invocations). */
  clientFor(side: WorkerSide, role: 'source' | 'target'): DynamoDBClient;
  /** The store a job's `workUrl` names. */
  store(workUrl: string): WorkStore;
  logger?: Logger;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

/** The part of the Lambda context a worker reads. */
export interface InvocationContext {
  getRemainingTimeInMillis(): number;
}

/** `checkpoints/<range>.json` */
export const checkpointKey = (id: string) => `checkpoints/${id}.json`;
/** `reports/<range>.summary.json` */
export const rangeSummaryKey = (id: string) => `reports/${id}.summary.json`;

/**
 * One invocation of the verify worker: compares the segments of `event.range` that are left (from
 * the range's checkpoint), stops scanning when the invocation's time runs short
 * (`context.getRemainingTimeInMillis()` minus the reserve), resolves and reports what it scanned,
 * and saves where each segment stopped. Returns `continue` while segments are left, `done` once the
 * range's summary (`reports/<range>.summary.json`, the `verify --report` summary plus its NDJSON
 * parts) is written. Idempotent: a retried invocation starts from the last checkpoint, and parts
 * written by a failed attempt are never listed.
 *
 * @example
 * let result = await runVerifyRange(event, deps, context);
 * while (result.status === 'continue') result = await runVerifyRange(result, deps, context);
 */
export async function runVerifyRange(
  event: WorkerEvent,
  deps: WorkerDeps,
  context: InvocationContext,
): Promise<WorkerResult> {
  const now = deps.now ?? Date.now;
  const logger = deps.logger ?? noopLogger;
  const started = now();
  const { job, range } = event;
  const options = job.options ?? {};
  const store = deps.store(job.workUrl);
  const id = rangeId(range);
  const checkpoint = await loadCheckpoint(store, id, event);
  const invocation = checkpoint.invocations + 1;
  const result = (status: WorkerResult['status'], c: RangeCheckpoint): WorkerResult => ({
    job,
    range,
    status,
    invocation,
    segmentsLeft: c.pending.length,
    differences: c.summary?.differences ?? 0,
  });
  if (checkpoint.done) return result('done', checkpoint);

  const recheckDelaySeconds = options.recheckDelaySeconds ?? DEFAULT_RECHECK_DELAY_SECONDS;
  const recheckAttempts = options.recheckAttempts ?? DEFAULT_RECHECK_ATTEMPTS;
  const reserveMs =
    options.reserveMs ??
    recheckDelaysMs(recheckDelaySeconds * 1000, recheckAttempts).reduce((a, b) => a + b, 0) +
      DEFAULT_RESERVE_EXTRA_MS;
  const stopAt = started + context.getRemainingTimeInMillis() - reserveMs;
  // At least one page per invocation, whatever the budget: a loop that never advances would run forever.
  let pages = 0;
  const parts = createPartWriter(store, id, invocation);
  const bucket = () => (options.maxRcuPerSide ? new TokenBucket(options.maxRcuPerSide) : undefined);
  const rangeSize = range.last - range.first + 1;
  logger.info('verify worker starting', {
    range: id,
    invocation,
    segmentsLeft: checkpoint.pending.length,
    budgetMs: Math.max(0, stopAt - started),
  });

  const run = await verifyTablesResumable({
    source: {
      client: deps.clientFor(job.source, 'source'),
      tableName: job.source.tableName,
      rcuBucket: bucket(),
    },
    target: {
      client: deps.clientFor(job.target, 'target'),
      tableName: job.target.tableName,
      rcuBucket: bucket(),
    },
    totalSegments: job.totalSegments,
    segments: checkpoint.pending.map((p) => p.segment),
    resume: Object.fromEntries(checkpoint.pending.filter((p) => p.cursor).map((p) => [p.segment, p.cursor!])),
    shouldStop: () => pages > 0 && now() >= stopAt,
    onProgress: () => {
      pages++;
    },
    onDifference: (difference) => parts.write(difference),
    concurrency: options.concurrency ?? Math.min(16, rangeSize),
    recheckDelaySeconds,
    recheckAttempts,
    ...(options.repair ? { repair: true } : {}),
    ...(options.showValues ? { showValues: true } : {}),
    ...(options.maxAttempts !== undefined ? { maxAttempts: options.maxAttempts } : {}),
    logger,
    ...(deps.sleep ? { sleep: deps.sleep } : {}),
  });
  const newParts = await parts.close();

  const summary = checkpoint.summary ? addInvocation(checkpoint.summary, run.summary) : run.summary;
  const next: RangeCheckpoint = {
    version: CHECKPOINT_VERSION,
    totalSegments: job.totalSegments,
    invocations: invocation,
    done: run.pending.length === 0,
    pending: run.pending,
    summary,
    parts: [...checkpoint.parts, ...newParts],
  };
  if (next.done) {
    // The summary first: a crash before the checkpoint says done only repeats this last invocation.
    const rangeSummary: RangeSummary = { ...summary, reportParts: next.parts };
    await store.write(rangeSummaryKey(id), `${JSON.stringify(rangeSummary, null, 2)}\n`);
  }
  await store.write(checkpointKey(id), encodeCheckpoint(next));
  logger.info('verify worker stopped', {
    range: id,
    invocation,
    status: next.done ? 'done' : 'continue',
    segmentsLeft: next.pending.length,
    differences: summary.differences,
    durationMs: now() - started,
  });
  return result(next.done ? 'done' : 'continue', next);
}

async function loadCheckpoint(store: WorkStore, id: string, event: WorkerEvent): Promise<RangeCheckpoint> {
  const text = await store.read(checkpointKey(id));
  if (text === undefined) {
    const pending = [];
    for (let segment = event.range.first; segment <= event.range.last; segment++) pending.push({ segment });
    return {
      version: CHECKPOINT_VERSION,
      totalSegments: event.job.totalSegments,
      invocations: 0,
      done: false,
      pending,
      parts: [],
    };
  }
  const checkpoint = decodeCheckpoint(text, store.locate(checkpointKey(id)));
  if (checkpoint.totalSegments !== event.job.totalSegments) {
    throw new ConfigError(
      `${store.locate(checkpointKey(id))} belongs to a verify with ${checkpoint.totalSegments} segments, not ${event.job.totalSegments}`,
      { hint: 'Give each verify its own work prefix' },
    );
  }
  return checkpoint;
}

/** Counts of a range so far plus one more invocation (its finished segments are new ones). */
function addInvocation(before: VerifySummary, invocation: VerifySummary): VerifySummary {
  const merged = mergeSummaries([before, invocation]);
  // The invocations of a range run one after the other: their times add up.
  merged.durationMs = before.durationMs + invocation.durationMs;
  return merged;
}

/** Buffers NDJSON lines and writes them as parts of at most {@link PART_LINES}. */
function createPartWriter(store: WorkStore, id: string, invocation: number) {
  // A fresh name per attempt: a retried invocation never overwrites a part another attempt listed.
  const attempt = randomBytes(4).toString('hex');
  const written: string[] = [];
  let lines: string[] = [];
  const flush = async () => {
    if (lines.length === 0) return;
    const key = `parts/${id}/${String(invocation).padStart(5, '0')}-${attempt}-${String(written.length).padStart(4, '0')}.ndjson`;
    const body = `${lines.join('\n')}\n`;
    lines = [];
    await store.write(key, body);
    written.push(key);
  };
  return {
    async write(difference: Difference) {
      lines.push(JSON.stringify(differenceToJson(difference)));
      if (lines.length >= PART_LINES) await flush();
    },
    async close() {
      await flush();
      return written;
    },
  };
}
