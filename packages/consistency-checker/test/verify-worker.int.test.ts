import { S3Client } from '@aws-sdk/client-s3';
import { createBucket, sourceSide, uniqueName } from '@ddb-migrate/test-kit';
import { describe, expect, it } from 'vitest';
import {
  differenceToJson,
  type Difference,
  type TableSide,
  type VerifySummary,
  verifyTables,
} from '../src/index.js';
import {
  checkpointKey,
  createVerifyWorker,
  type InvocationContext,
  mergeWork,
  openWorkStore,
  type RangeCheckpoint,
  rangeId,
  readMergedReport,
  segmentRanges,
  type VerifyJob,
  type WorkerDeps,
  type WorkerEvent,
  type WorkerResult,
  type WorkStore,
} from '../src/worker/index.js';
import { createSides, seedWithDifferences } from './fixtures.js';

const TOTAL_SEGMENTS = 8;
const ample: InvocationContext = { getRemainingTimeInMillis: () => 15 * 60_000 };
/** A budget already spent: each segment pair the worker starts scans one page, then stops. */
const spent: InvocationContext = { getRemainingTimeInMillis: () => 0 };

const s3 = new S3Client({ ...sourceSide(), forcePathStyle: true });

/** Scans return at most `limit` items a page, so a segment takes several pages (and can stop between them). */
function smallPages(side: TableSide, limit: number): TableSide {
  side.client.middlewareStack.add(
    (next) => async (args) => {
      if ((args as { input: { TotalSegments?: number } }).input.TotalSegments !== undefined) {
        args.input = { ...(args.input as object), Limit: limit };
      }
      return next(args);
    },
    { step: 'initialize', name: 'smallPages' },
  );
  return side;
}

async function setup(options: { pageLimit?: number } = {}) {
  const { source, target } = await createSides();
  const seeded = await seedWithDifferences(source, target);
  if (options.pageLimit) {
    smallPages(source, options.pageLimit);
    smallPages(target, options.pageLimit);
  }
  const bucket = await createBucket(s3);
  const workUrl = `s3://${bucket}/${uniqueName('verify')}/`;
  const job: VerifyJob = {
    workUrl,
    source: { tableName: source.tableName, region: 'us-east-1' },
    target: { tableName: target.tableName, region: 'us-east-1' },
    totalSegments: TOTAL_SEGMENTS,
    options: { recheckDelaySeconds: 0, recheckAttempts: 1, reserveMs: 0 },
  };
  let store: WorkStore = openWorkStore(workUrl, () => s3);
  const deps: WorkerDeps = {
    clientFor: (_side, role) => (role === 'source' ? source.client : target.client),
    store: () => store,
  };
  return {
    source,
    target,
    seeded,
    job,
    deps,
    store: () => store,
    /** Replaces the store the worker sees (to inject a failure), returning the real one. */
    wrapStore: (wrap: (real: WorkStore) => WorkStore) => {
      const real = openWorkStore(workUrl, () => s3);
      store = wrap(real);
      return real;
    },
  };
}

/** Calls the worker until it says done, as the state machine's Choice loop does. */
async function untilDone(
  handler: ReturnType<typeof createVerifyWorker>,
  event: WorkerEvent,
  context: InvocationContext,
): Promise<WorkerResult[]> {
  const results: WorkerResult[] = [];
  let next: unknown = event;
  for (let turn = 0; turn < 200; turn++) {
    const result = await handler(next, context);
    results.push(result);
    if (result.status === 'done') return results;
    next = result;
  }
  throw new Error('the worker never finished');
}

/** What a single local verify reports on the same tables: sorted NDJSON lines and the summary. */
async function localVerify(source: TableSide, target: TableSide) {
  const lines: string[] = [];
  const summary = await verifyTables({
    source,
    target,
    totalSegments: TOTAL_SEGMENTS,
    recheckDelaySeconds: 0,
    recheckAttempts: 1,
    onDifference: (d: Difference) => {
      lines.push(JSON.stringify(differenceToJson(d)));
    },
  });
  return { lines: lines.sort(), summary };
}

async function mergedReport(store: WorkStore) {
  const merged = await mergeWork(store);
  let text = '';
  for await (const part of readMergedReport(store, merged.reportParts)) text += part;
  const lines = text.split('\n').filter((line) => line !== '');
  return { summary: merged.summary, lines, sorted: [...lines].sort(), ranges: merged.ranges };
}

/** The fields two runs over the same tables must agree on (not times, not capacity). */
function counts(summary: VerifySummary) {
  const { durationMs: _d, startedAt: _s, consumedRcu: _c, ...rest } = summary;
  return rest;
}

describe('verify worker (Distributed Map item handler) on moto', () => {
  it('splits the segments into ranges whose merged report equals a single local verify of the same tables', async () => {
    const ctx = await setup();
    const handler = createVerifyWorker(ctx.deps);

    const ranges = segmentRanges(TOTAL_SEGMENTS, 3);
    expect(ranges).toEqual([
      { first: 0, last: 2 },
      { first: 3, last: 5 },
      { first: 6, last: 7 },
    ]);
    for (const range of ranges) {
      const results = await untilDone(handler, { job: ctx.job, range }, ample);
      expect(results).toHaveLength(1);
    }
    const merged = await mergedReport(ctx.store());
    const local = await localVerify(ctx.source, ctx.target);

    expect(merged.ranges).toBe(3);
    expect(merged.sorted).toEqual(ctx.seeded.expected);
    expect(merged.sorted).toEqual(local.lines);
    expect(counts(merged.summary)).toEqual(counts(local.summary));
    expect(merged.summary).toMatchObject({ complete: true, differences: 9, matched: ctx.seeded.equalKeys });
  });

  it('returns "continue" when the time budget runs out and resumes from its checkpoint to the same report', async () => {
    const ctx = await setup();
    const handler = createVerifyWorker(ctx.deps);
    const job = { ...ctx.job, options: { ...ctx.job.options, concurrency: 2 } };
    const range = { first: 0, last: TOTAL_SEGMENTS - 1 };

    const first = await handler({ job, range }, spent);
    expect(first).toMatchObject({ status: 'continue', invocation: 1 });
    // Two segment pairs at a time and no time left: at most two segments finished.
    expect(first.segmentsLeft).toBeGreaterThanOrEqual(TOTAL_SEGMENTS - 2);
    const saved = JSON.parse((await ctx.store().read(checkpointKey(rangeId(range))))!) as RangeCheckpoint;
    expect(saved.pending.map((p) => p.segment)).toHaveLength(first.segmentsLeft);

    const rest = await untilDone(handler, first, spent);
    expect(rest.length).toBeGreaterThan(1);
    expect(rest.map((r) => r.invocation)).toEqual(rest.map((_, i) => i + 2));

    const merged = await mergedReport(ctx.store());
    const local = await localVerify(ctx.source, ctx.target);
    expect(merged.sorted).toEqual(local.lines);
    expect(counts(merged.summary)).toEqual(counts(local.summary));
  });

  it('stops inside a segment and goes on from its LastEvaluatedKeys, scanning no item twice', async () => {
    const ctx = await setup({ pageLimit: 7 });
    const handler = createVerifyWorker(ctx.deps);
    const range = { first: 2, last: 3 };

    const first = await handler({ job: ctx.job, range }, spent);
    expect(first.status).toBe('continue');
    const saved = JSON.parse((await ctx.store().read(checkpointKey(rangeId(range))))!) as {
      pending: { segment: number; cursor?: { sourceKey?: unknown; targetKey?: unknown } }[];
    };
    // Both segments started and stopped after one 7-item page on each side, keys saved as DynamoDB JSON.
    expect(saved.pending.map((p) => p.segment)).toEqual([2, 3]);
    for (const { cursor } of saved.pending) {
      expect(cursor?.sourceKey).toMatchObject({
        pk: { S: expect.any(String) },
        sk: { N: expect.any(String) },
      });
      expect(cursor?.targetKey).toBeDefined();
    }
    const results = await untilDone(handler, first, spent);
    expect(results.length).toBeGreaterThan(2);

    const merged = await mergedReport(ctx.store());
    // The same two segments verified by one uninterrupted local run.
    const lines: string[] = [];
    const partial = await verifyTables({
      source: ctx.source,
      target: ctx.target,
      totalSegments: TOTAL_SEGMENTS,
      segmentRange: range,
      recheckDelaySeconds: 0,
      recheckAttempts: 1,
      onDifference: (d) => {
        lines.push(JSON.stringify(differenceToJson(d)));
      },
    });
    expect(merged.sorted).toEqual(lines.sort());
    // Stopping inside a segment resolves its unmatched items by point reads then: the only cost.
    const { pointReads, ...rest } = counts(merged.summary);
    const { pointReads: localPointReads, ...localRest } = counts(partial);
    expect(rest).toEqual(localRest);
    expect(pointReads).toBeGreaterThan(localPointReads);
    expect(merged.summary).toMatchObject({ complete: false, segments: [2, 3] });
  });

  it('a retried invocation that crashed before its checkpoint reports each difference once', async () => {
    const ctx = await setup();
    const handler = createVerifyWorker(ctx.deps);
    const range = { first: 0, last: TOTAL_SEGMENTS - 1 };
    const job = { ...ctx.job, options: { ...ctx.job.options, concurrency: 4 } };

    const first = await handler({ job, range }, spent);
    expect(first.status).toBe('continue');
    // The second invocation writes its report parts, then dies before saving the checkpoint.
    ctx.wrapStore((real) => ({
      ...real,
      write: async (key, body) => {
        if (key.startsWith('checkpoints/')) throw new Error('Lambda timed out');
        await real.write(key, body);
      },
    }));
    await expect(handler(first, ample)).rejects.toThrow('Lambda timed out');
    ctx.wrapStore((real) => real);
    // Step Functions retries the task with the same input.
    await untilDone(handler, first, ample);

    const merged = await mergedReport(ctx.store());
    const listed = new Set((await mergeWork(ctx.store())).reportParts);
    // The crashed attempt's parts are still in S3, but no summary lists them.
    const orphans = (await ctx.store().list('parts/')).filter((key) => !listed.has(key));
    expect(orphans.length).toBeGreaterThan(0);
    expect(merged.lines).toHaveLength(new Set(merged.lines).size);
    expect(merged.sorted).toEqual(ctx.seeded.expected);
  });

  it('refuses an event without a job, naming the field', async () => {
    const ctx = await setup();
    const handler = createVerifyWorker(ctx.deps);
    await expect(handler({ range: { first: 0, last: 0 } }, ample)).rejects.toThrow(/job is missing/);
    await expect(handler({ job: ctx.job, range: { first: 3, last: 9 } }, ample)).rejects.toThrow(
      /range must be \{first, last\} within 0-7/,
    );
  });
});
