import { gzipSync } from 'node:zlib';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import {
  canonicalKey,
  extractKey,
  type Item,
  itemsEqual,
  type KeyNames,
  toDynamoJson,
} from '@ddb-migrate/core';
import {
  createBucket,
  createTable,
  generateItems,
  isolatedSides,
  scanAll,
  sourceSide,
  uniqueName,
} from '@ddb-migrate/test-kit';
import { describe, expect, it } from 'vitest';
import {
  createLoadWorker,
  fileBatches,
  type InvocationContext,
  type LoadBatchSummary,
  type LoadEvent,
  type LoadJob,
  type LoadResult,
  type LoadWorkerDeps,
  loadBatchSummaryKey,
  loadDoneKey,
  mergeLoadWork,
  openWorkStore,
} from '../src/worker/index.js';

const KEYS: KeyNames = { partitionKey: 'pk' };
const ample: InvocationContext = { getRemainingTimeInMillis: () => 15 * 60_000 };
/** A budget already spent: each invocation starts one file, finishes it, and stops. */
const spent: InvocationContext = { getRemainingTimeInMillis: () => 0 };
const workS3 = new S3Client({ ...sourceSide(), forcePathStyle: true });

/** An export in the target account: `files` gzipped DynamoDB JSON data files of generated items. */
async function setup(files = 5, perFile = 30) {
  const sides = isolatedSides();
  const ddb = new DynamoDBClient(sides.target);
  const s3 = new S3Client({ ...sides.target, forcePathStyle: true });
  const table = await createTable(ddb, { partitionKey: 'pk' });
  const exportBucket = await createBucket(s3);
  // Every type: 38-digit numbers, extremes, binary nested in maps in lists, sets, unicode.
  const items = generateItems(files * perFile, { seed: 41 });
  const dataFiles: { key: string; itemCount: number; items: Item[] }[] = [];
  for (let f = 0; f < files; f++) {
    const slice = items.slice(f * perFile, (f + 1) * perFile);
    const key = `exports/AWSDynamoDB/01700000000000-abcdef01/data/file${f}.json.gz`;
    const body = gzipSync(
      `${slice.map((item) => JSON.stringify({ Item: toDynamoJson(item) })).join('\n')}\n`,
    );
    await s3.send(new PutObjectCommand({ Bucket: exportBucket, Key: key, Body: body }));
    dataFiles.push({ key, itemCount: slice.length, items: slice });
  }
  const workBucket = await createBucket(workS3);
  const workUrl = `s3://${workBucket}/${uniqueName('load')}/`;
  const job: LoadJob = {
    workUrl,
    exportBucket,
    target: { tableName: table.name, region: 'us-east-1' },
    keyNames: KEYS,
    options: { reserveMs: 0, fileConcurrency: 1, concurrency: 4 },
  };
  const writes: number[] = [];
  // Counts the items each BatchWriteItem call carries (what a resumed run writes again).
  ddb.middlewareStack.add(
    (next) => async (args) => {
      const input = args.input as { RequestItems?: Record<string, unknown[]> };
      if (input.RequestItems) writes.push(Object.values(input.RequestItems).flat().length);
      return next(args);
    },
    { step: 'initialize', name: 'countWrites' },
  );
  const deps: LoadWorkerDeps = {
    clientFor: () => ddb,
    exportS3For: () => s3,
    store: (url) => openWorkStore(url, () => workS3),
  };
  return {
    ddb,
    table: table.name,
    items,
    dataFiles,
    job,
    deps,
    writes,
    store: openWorkStore(workUrl, () => workS3),
  };
}

/** Calls the worker as the state machine's Choice loop does, until it answers done. */
async function runToDone(
  handler: ReturnType<typeof createLoadWorker>,
  event: LoadEvent,
  context: InvocationContext,
) {
  const results: LoadResult[] = [];
  let next: unknown = event;
  for (let turn = 0; turn < 20; turn++) {
    const result = await handler(next, context);
    results.push(result);
    if (result.status === 'done') return results;
    next = result;
  }
  throw new Error('the load worker never answered done');
}

function expectSameItems(actual: Item[], expected: Item[]) {
  const byKey = new Map(expected.map((item) => [canonicalKey(extractKey(item, KEYS), KEYS), item]));
  expect(actual).toHaveLength(expected.length);
  for (const item of actual) {
    const want = byKey.get(canonicalKey(extractKey(item, KEYS), KEYS));
    expect(want, 'an item the export does not hold').toBeDefined();
    expect(itemsEqual(item, want!)).toBe(true);
  }
}

describe('load worker (runLoadBatch) on moto', () => {
  it('loads its range of data files and nothing else, the items exactly as exported', async () => {
    const ctx = await setup();
    const [, batch] = fileBatches(ctx.dataFiles, 3);
    expect(batch!.files.map((f) => f.key)).toEqual([ctx.dataFiles[3]!.key, ctx.dataFiles[4]!.key]);

    const [result] = await runToDone(createLoadWorker(ctx.deps), { job: ctx.job, batch: batch! }, ample);

    expect(result).toMatchObject({
      status: 'done',
      invocation: 1,
      filesDone: 2,
      filesLeft: 0,
      items: 60,
      failed: [],
    });
    const expected = [...ctx.dataFiles[3]!.items, ...ctx.dataFiles[4]!.items];
    expectSameItems(await scanAll(ctx.ddb, ctx.table, { consistentRead: true }), expected);
    const summary = JSON.parse((await ctx.store.read(loadBatchSummaryKey(batch!.id)))!) as LoadBatchSummary;
    expect(summary).toMatchObject({ batch: batch!.id, files: 2, items: 60, failedItems: 0, invocations: 1 });
    expect(summary.calls).toBeGreaterThanOrEqual(3);
    for (const file of batch!.files) expect(await ctx.store.read(loadDoneKey(file.key))).toContain(file.key);
    expect(await ctx.store.read(loadDoneKey(ctx.dataFiles[0]!.key))).toBeUndefined();
  });

  it('returns "continue" after the current file when the time budget is spent, and finishes over turns', async () => {
    const ctx = await setup(3, 40);
    const [batch] = fileBatches(ctx.dataFiles, 3);

    const results = await runToDone(createLoadWorker(ctx.deps), { job: ctx.job, batch: batch! }, spent);

    expect(results.map((r) => [r.status, r.invocation, r.filesDone, r.filesLeft])).toEqual([
      ['continue', 1, 1, 2],
      ['continue', 2, 2, 1],
      ['done', 3, 3, 0],
    ]);
    expectSameItems(await scanAll(ctx.ddb, ctx.table, { consistentRead: true }), ctx.items);
    const summary = JSON.parse((await ctx.store.read(loadBatchSummaryKey(batch!.id)))!) as LoadBatchSummary;
    expect(summary).toMatchObject({ files: 3, items: 120, invocations: 3 });
  });

  it('resumes: a re-run writes only the files without a done-marker, and a finished batch writes nothing', async () => {
    const ctx = await setup(3, 40);
    const [batch] = fileBatches(ctx.dataFiles, 3);
    const handler = createLoadWorker(ctx.deps);
    // One turn on a spent budget: file0 done, then the "invocation" is lost (no continue is sent).
    expect(await handler({ job: ctx.job, batch }, spent)).toMatchObject({ status: 'continue', filesDone: 1 });
    ctx.writes.length = 0;

    // A retried execution starts the batch from scratch (no invocation, no failures).
    const [rerun] = await runToDone(handler, { job: ctx.job, batch: batch! }, ample);

    expect(rerun).toMatchObject({ status: 'done', invocation: 1, filesDone: 3, items: 120 });
    expect(ctx.writes.reduce((a, b) => a + b, 0)).toBe(80);
    expectSameItems(await scanAll(ctx.ddb, ctx.table, { consistentRead: true }), ctx.items);
    ctx.writes.length = 0;
    expect(await handler({ job: ctx.job, batch }, ample)).toMatchObject({ status: 'done', filesDone: 3 });
    expect(ctx.writes).toEqual([]);
  });

  it('leaves a file that cannot be written without a marker and counts its items as failed', async () => {
    const ctx = await setup(2, 10);
    const [batch] = fileBatches(ctx.dataFiles, 2);
    const job: LoadJob = { ...ctx.job, target: { ...ctx.job.target, tableName: 'no-such-table-here' } };

    const [result] = await runToDone(createLoadWorker(ctx.deps), { job, batch: batch! }, ample);

    expect(result).toMatchObject({ status: 'done', filesDone: 0, failedItems: 20 });
    expect(result!.failed.map((f) => f.key)).toEqual(ctx.dataFiles.map((f) => f.key));
    expect(await ctx.store.read(loadDoneKey(ctx.dataFiles[0]!.key))).toBeUndefined();
    const merged = await mergeLoadWork(ctx.store);
    expect(merged).toMatchObject({ batches: 1, files: 0, items: 0, failedItems: 20 });
  });

  it("merges only the batches of this run's item list", async () => {
    const ctx = await setup(4, 10);
    const batches = fileBatches(ctx.dataFiles, 1);
    const handler = createLoadWorker(ctx.deps);
    for (const batch of batches) await runToDone(handler, { job: ctx.job, batch }, ample);
    await ctx.store.write(
      'load/items/run2.jsonl',
      batches
        .slice(2)
        .map((b) => `${JSON.stringify(b)}\n`)
        .join(''),
    );

    expect(await mergeLoadWork(ctx.store)).toMatchObject({ batches: 4, files: 4, items: 40, failedItems: 0 });
    expect(await mergeLoadWork(ctx.store, 'load/items/run2.jsonl')).toMatchObject({
      batches: 2,
      files: 2,
      items: 20,
    });
    await expect(() => handler({ job: ctx.job, batch: { id: 'x/y', files: [] } }, ample)).rejects.toThrow(
      /Invalid load worker event: batch.id/,
    );
  });
});
