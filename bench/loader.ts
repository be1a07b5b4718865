/**
 * Benchmark of migrate's write-mode loader on moto (run from the repo root):
 *   pnpm exec tsx --conditions=source bench/loader.ts [--items 20000] [--files 4] [--concurrency 8] [--runs 2]
 *
 * Starts its own moto on 127.0.0.1 (test-kit), writes `--items` varied items (test-kit
 * generateItems: every type, 38-digit numbers, nested binary, unicode) as gzipped DynamoDB JSON
 * export data files into a bucket of the target account (222222222222, via AssumeRole), then loads
 * the same files into fresh tables two ways, alternating the order between runs:
 *   bare    - read every item of the files (core readExportItems), then a plain loop of
 *             BatchWriteItem calls of 25, `--concurrency` in flight, UnprocessedItems re-sent;
 *   loader  - migrate's loadExportFiles (parallel files, streaming, core's batch writer with
 *             backoff, per-file bookkeeping) at the same `--concurrency`.
 * Prints items/s of each (read + write, wall time), the ratio loader/bare (target >= 0.9x) and
 * checks that every target table holds every item. Never fails on time; exit 1 only when a count
 * is wrong. moto is one GIL-bound process: absolute rates are moto's, only the ratio carries over.
 */
import { randomUUID } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import {
  BatchWriteItemCommand,
  CreateTableCommand,
  DynamoDBClient,
  ScanCommand,
  waitUntilTableExists,
  type WriteRequest,
} from '@aws-sdk/client-dynamodb';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import {
  assumeRoleCredentials,
  type ExportDataFile,
  type Item,
  type KeyNames,
  readExportItems,
  toDynamoJson,
} from '@ddb-migrate/core';
import { generateItems, startMotoServer } from '@ddb-migrate/test-kit';
import { loadExportFiles } from '@ddb-migrate/migration';

const KEYS: KeyNames = { partitionKey: 'pk' };
const REGION = 'us-east-1';
const TARGET_ROLE = 'arn:aws:iam::222222222222:role/cross_account_assume_role';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const value = i >= 0 ? Number(process.argv[i + 1]) : fallback;
  if (!Number.isInteger(value) || value < 1) throw new Error(`--${name} must be a positive integer`);
  return value;
}

const ITEMS = arg('items', 20_000);
const FILES = arg('files', 4);
const CONCURRENCY = arg('concurrency', 8);
const RUNS = arg('runs', 2);

/** Seconds the bare loop spent reading the files before its first write, per run. */
const readSeconds: number[] = [];

const say = (line: string) => process.stdout.write(`${line}\n`);

async function main(): Promise<number> {
  const moto = await startMotoServer();
  try {
    return await bench(moto.endpoint);
  } finally {
    await moto.stop();
  }
}

async function bench(endpoint: string): Promise<number> {
  const base = {
    region: REGION,
    endpoint,
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
  };
  const credentials = assumeRoleCredentials(base, { roleArn: TARGET_ROLE, sessionName: 'bench-loader' });
  const ddb = new DynamoDBClient({ region: REGION, endpoint, credentials, maxAttempts: 10 });
  const s3 = new S3Client({ region: REGION, endpoint, credentials, forcePathStyle: true });

  const bucket = `bench-loader-${randomUUID().slice(0, 8)}`;
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  const setup = performance.now();
  const files = await writeExportFiles(s3, bucket, generateItems(ITEMS, { seed: 2024 }));
  say(
    `${ITEMS.toLocaleString('en-US')} varied items in ${files.length} gzipped export data files (${((performance.now() - setup) / 1000).toFixed(1)} s to generate and upload); BatchWriteItem concurrency ${CONCURRENCY}; ${RUNS} run(s) each`,
  );

  const rates: Record<'bare' | 'loader', number[]> = { bare: [], loader: [] };
  let wrong = 0;
  for (let run = 0; run < RUNS; run++) {
    const order: ('bare' | 'loader')[] = run % 2 === 0 ? ['bare', 'loader'] : ['loader', 'bare'];
    for (const mode of order) {
      const table = await freshTable(ddb, `bench-${mode}-${run}-${randomUUID().slice(0, 6)}`);
      const started = performance.now();
      if (mode === 'bare') await bareLoop(ddb, s3, bucket, files, table);
      else
        await loadExportFiles({
          s3,
          bucket,
          files,
          client: ddb,
          tableName: table,
          keyNames: KEYS,
          concurrency: CONCURRENCY,
        });
      const seconds = (performance.now() - started) / 1000;
      const count = await countItems(ddb, table);
      const rate = ITEMS / seconds;
      rates[mode].push(rate);
      if (count !== ITEMS) wrong += 1;
      say(
        `  run ${run + 1} ${mode.padEnd(6)} ${seconds.toFixed(1).padStart(6)} s  ${Math.round(rate).toLocaleString('en-US').padStart(6)} items/s  target holds ${count.toLocaleString('en-US')}${count === ITEMS ? '' : ' (WRONG)'}`,
      );
    }
  }
  const bare = median(rates.bare);
  const loader = median(rates.loader);
  say('');
  say('| load | items/s (median) | target complete |');
  say('|---|---|---|');
  say(
    `| bare BatchWriteItem loop | ${Math.round(bare).toLocaleString('en-US')} | ${wrong === 0 ? 'yes' : 'NO'} |`,
  );
  say(
    `| loader (loadExportFiles) | ${Math.round(loader).toLocaleString('en-US')} | ${wrong === 0 ? 'yes' : 'NO'} |`,
  );
  say(
    `| bare: of which reading the files first | ${median(readSeconds).toFixed(1)} s | (the loader overlaps reading and writing) |`,
  );
  say(`| **ratio loader / bare** | **${(loader / bare).toFixed(2)}×** (target ≥ 0.9×) | |`);
  ddb.destroy();
  s3.destroy();
  return wrong === 0 ? 0 : 1;
}

/** The export layout: `<prefix>/AWSDynamoDB/<id>/data/<n>.json.gz`, `{"Item":{...}}` per line. */
async function writeExportFiles(s3: S3Client, bucket: string, items: Item[]): Promise<ExportDataFile[]> {
  const dir = `bench/AWSDynamoDB/${Date.now()}-${randomUUID().slice(0, 8)}/data`;
  const per = Math.ceil(items.length / FILES);
  const files: ExportDataFile[] = [];
  for (let f = 0; f * per < items.length; f++) {
    const lines = items
      .slice(f * per, (f + 1) * per)
      .map((item) => JSON.stringify({ Item: toDynamoJson(item) }));
    const key = `${dir}/${randomUUID().replaceAll('-', '').slice(0, 26)}.json.gz`;
    await s3.send(
      new PutObjectCommand({ Bucket: bucket, Key: key, Body: gzipSync(`${lines.join('\n')}\n`) }),
    );
    files.push({ key });
  }
  return files;
}

/** The baseline: read everything, then BatchWriteItem of 25, `CONCURRENCY` calls in flight. */
async function bareLoop(
  ddb: DynamoDBClient,
  s3: S3Client,
  bucket: string,
  files: ExportDataFile[],
  table: string,
): Promise<void> {
  const readStarted = performance.now();
  const requests: WriteRequest[] = [];
  for (const file of files)
    for await (const item of readExportItems(s3, bucket, file.key))
      requests.push({ PutRequest: { Item: item } });
  readSeconds.push((performance.now() - readStarted) / 1000);
  const batches: WriteRequest[][] = [];
  for (let i = 0; i < requests.length; i += 25) batches.push(requests.slice(i, i + 25));
  const worker = async () => {
    for (let batch = batches.shift(); batch; batch = batches.shift()) {
      let pending: WriteRequest[] = batch;
      while (pending.length > 0) {
        const out = await ddb.send(new BatchWriteItemCommand({ RequestItems: { [table]: pending } }));
        pending = out.UnprocessedItems?.[table] ?? [];
      }
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
}

async function freshTable(ddb: DynamoDBClient, name: string): Promise<string> {
  await ddb.send(
    new CreateTableCommand({
      TableName: name,
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
      BillingMode: 'PAY_PER_REQUEST',
    }),
  );
  await waitUntilTableExists({ client: ddb, maxWaitTime: 60 }, { TableName: name });
  return name;
}

async function countItems(ddb: DynamoDBClient, table: string): Promise<number> {
  let count = 0;
  let start: Record<string, never> | undefined;
  do {
    const page = await ddb.send(
      new ScanCommand({ TableName: table, Select: 'COUNT', ExclusiveStartKey: start }),
    );
    count += page.Count ?? 0;
    start = page.LastEvaluatedKey as typeof start;
  } while (start);
  return count;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(
      `bench/loader failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exitCode = 2;
  },
);
