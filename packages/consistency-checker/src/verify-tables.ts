import { ConfigError, noopLogger } from '@ddb-migrate/core';
import { defaultCallPolicy, defaultSleep } from './aws-call.js';
import { compareSegment } from './compare-segment.js';
import { type EngineContext, emptyCounts } from './engine-context.js';
import { type PreflightResult, preflight } from './preflight.js';
import { DEFAULT_RECHECK_ATTEMPTS, DEFAULT_RECHECK_DELAY_SECONDS, RecheckQueue } from './recheck-queue.js';
import { DEFAULT_WINDOW_BYTES } from './segment-window.js';
import { coversAllSegments, defaultSegmentCount, selectSegments } from './segments.js';
import type {
  ResumableVerifyOptions,
  ResumableVerifyResult,
  SegmentCursor,
  VerifyOptions,
  VerifySummary,
} from './types.js';

/** Suspects the re-check queue holds before scans wait for it. */
const RECHECK_CAPACITY = 5_000;

/**
 * Compares two DynamoDB tables item by item and returns a summary; every confirmed difference goes
 * to `options.onDifference`. Differences are data: the promise rejects only on faults
 * (PreflightError for unknown tables or different key schemas, AwsCallError for AWS failures).
 *
 * @example
 * const summary = await verifyTables({
 *   source: { client: sourceClient, tableName: 'orders' },
 *   target: { client: targetClient, tableName: 'orders' },
 *   onDifference: (d) => report.write(d),
 * });
 * if (!summary.identical) console.error(`${summary.differences} differences`);
 */
export async function verifyTables(options: VerifyOptions): Promise<VerifySummary> {
  const result = await runVerify(options, (tables) => {
    const totalSegments =
      options.totalSegments ??
      defaultSegmentCount([
        { bytes: tables.source.TableSizeBytes, items: tables.source.ItemCount },
        { bytes: tables.target.TableSizeBytes, items: tables.target.ItemCount },
      ]);
    return {
      totalSegments,
      segments: selectSegments(totalSegments, options.segmentRange, options.sample ?? 1),
    };
  });
  return result.summary;
}

/**
 * {@link verifyTables} over a given list of segments that can stop at a time budget and go on
 * later: when `shouldStop()` turns true each segment pair stops after its current page, everything
 * scanned so far is resolved (point reads, re-checks, `onDifference`), and `pending` says where each
 * unfinished segment stopped. Pass `pending`'s cursors as `resume` (and its segments as `segments`)
 * to a later call, in this process or another: the counts of all the calls add up to those of one
 * uninterrupted run (the Distributed Map worker checkpoints them in S3 between Lambda invocations).
 *
 * @example
 * let run = await verifyTablesResumable({ source, target, totalSegments: 64, segments: [0, 1, 2, 3],
 *   shouldStop: () => Date.now() > deadline, onDifference });
 * // later: verifyTablesResumable({ ..., segments: run.pending.map((p) => p.segment),
 * //   resume: Object.fromEntries(run.pending.filter((p) => p.cursor).map((p) => [p.segment, p.cursor])) })
 */
export async function verifyTablesResumable(options: ResumableVerifyOptions): Promise<ResumableVerifyResult> {
  const segments = [...new Set(options.segments)].sort((a, b) => a - b);
  selectSegments(options.totalSegments); // validates the count
  for (const s of segments) {
    if (!Number.isInteger(s) || s < 0 || s >= options.totalSegments) {
      throw new ConfigError(`Segment ${s} is outside 0-${options.totalSegments - 1}`);
    }
  }
  return runVerify(options, () => ({ totalSegments: options.totalSegments, segments }), {
    resume: options.resume ?? {},
    shouldStop: options.shouldStop ?? (() => false),
  });
}

type SegmentPlan = (tables: PreflightResult) => { totalSegments: number; segments: number[] };

async function runVerify(
  options: VerifyOptions,
  plan: SegmentPlan,
  resumable: { resume: Record<number, SegmentCursor>; shouldStop: () => boolean } = {
    resume: {},
    shouldStop: () => false,
  },
): Promise<ResumableVerifyResult> {
  const started = Date.now();
  const startedAt = new Date(started).toISOString();
  const logger = options.logger ?? noopLogger;
  const sleep = options.sleep ?? defaultSleep;
  // A failed segment pair stops the others (and the re-check queue) at their next AWS call.
  const failed = new AbortController();
  const signal = options.signal ? AbortSignal.any([options.signal, failed.signal]) : failed.signal;
  const counts = emptyCounts();
  const policy = defaultCallPolicy({
    ...(options.maxAttempts === undefined ? {} : { maxAttempts: Math.max(1, options.maxAttempts) }),
    logger,
    sleep,
    signal,
    onRetry: (throttled) => {
      counts.retries++;
      if (throttled) counts.throttles++;
    },
    onUnprocessed: (keys) => {
      counts.unprocessedKeys += keys;
    },
  });
  const tables = await preflight(options.source, options.target, policy);
  const { totalSegments, segments } = plan(tables);
  logger.info('verify starting', {
    sourceTable: options.source.tableName,
    targetTable: options.target.tableName,
    totalSegments,
    segments: segments.length,
  });

  const share = segments.length / totalSegments;
  const sourceExpected = Math.round((tables.source.ItemCount ?? 0) * share);
  const targetExpected = Math.round((tables.target.ItemCount ?? 0) * share);
  let segmentsDone = 0;
  let queue: RecheckQueue | undefined;
  const ctx: EngineContext = {
    source: options.source,
    target: options.target,
    keyNames: tables.keyNames,
    totalSegments,
    policy,
    counts,
    consumed: { source: 0, target: 0 },
    windowItems: options.windowItems ?? 20_000,
    windowBytes: options.windowBytes ?? DEFAULT_WINDOW_BYTES,
    ...(options.spillDir ? { spillDir: options.spillDir } : {}),
    showValues: options.showValues ?? false,
    suspect: (suspect) => queue!.add(suspect),
    progress: () =>
      options.onProgress?.({
        sourceScanned: counts.sourceScanned,
        targetScanned: counts.targetScanned,
        segmentsDone,
        segmentsTotal: segments.length,
        sourceExpected,
        targetExpected,
      }),
    shouldStop: resumable.shouldStop,
  };
  queue = new RecheckQueue(ctx, {
    delayMs: Math.max(0, (options.recheckDelaySeconds ?? DEFAULT_RECHECK_DELAY_SECONDS) * 1000),
    attempts: options.recheckAttempts ?? DEFAULT_RECHECK_ATTEMPTS,
    repair: options.repair ?? false,
    capacity: RECHECK_CAPACITY,
    ...(options.recheckBytes !== undefined ? { capacityBytes: options.recheckBytes } : {}),
    onDifference: options.onDifference ?? (() => {}),
  });

  // A fixed pool of workers pulls segment numbers, so at most `concurrency` pairs hold buffers.
  const next = [...segments];
  const finished: number[] = [];
  const pending: ResumableVerifyResult['pending'] = [];
  const concurrency = Math.max(1, Math.min(options.concurrency ?? 16, segments.length));
  const workers = await Promise.allSettled(
    Array.from({ length: concurrency }, async () => {
      try {
        for (let segment = next.shift(); segment !== undefined; segment = next.shift()) {
          const cursor = resumable.resume[segment];
          if (ctx.shouldStop()) {
            pending.push({ segment, ...(cursor ? { cursor } : {}) });
            continue;
          }
          const left = await compareSegment(ctx, segment, cursor);
          if (left) {
            pending.push({ segment, cursor: left });
            continue;
          }
          finished.push(segment);
          segmentsDone++;
          ctx.progress();
        }
      } catch (error) {
        failed.abort(error);
        throw error;
      }
    }),
  );
  // Every worker has stopped (and removed its spill files): throw the failure that stopped them.
  const failure = workers.find((w): w is PromiseRejectedResult => w.status === 'rejected');
  if (failure) throw failed.signal.aborted ? failed.signal.reason : failure.reason;
  await queue.drain();

  const differences = counts.missingInTarget + counts.extraInTarget + counts.different;
  const done = pending.length === 0 ? segments : finished.sort((a, b) => a - b);
  const summary: VerifySummary = {
    sourceTable: options.source.tableName,
    targetTable: options.target.tableName,
    totalSegments,
    segments: done,
    complete: coversAllSegments(done, totalSegments),
    startedAt,
    ...counts,
    consumedRcu: ctx.consumed,
    durationMs: Date.now() - started,
    differences,
    remaining: differences - counts.repaired,
    identical: differences === 0,
  };
  logger.info('verify finished', {
    differences,
    matched: counts.matched,
    durationMs: summary.durationMs,
    ...(pending.length > 0 ? { segmentsLeft: pending.length } : {}),
  });
  return { summary, pending: pending.sort((a, b) => a.segment - b.segment) };
}
