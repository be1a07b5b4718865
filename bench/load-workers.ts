/**
 * Benchmark of the write-mode load fan-out (run from the repo root):
 *   pnpm exec tsx --conditions=source bench/load-workers.ts [--items 8000] [--files 8]
 *
 * Starts its own moto, writes `--items` ~100-byte items as `--files` gzipped DynamoDB JSON export
 * data files into a bucket of the target account (222222222222, via AssumeRole), then loads the
 * same files into a fresh table per run with `migrate --load-engine local`'s engine (the load
 * worker handler in child processes, done-markers in a work directory) at 1, 2 and 4 workers,
 * BatchWriteItem concurrency 8 per worker. Prints items/s and the ratio against 1 worker measured
 * in the same run, and checks every table holds every item. moto is one GIL-bound process: the
 * ratios say what the fan-out costs or gains against that server, not what AWS would do (where
 * each worker is its own Lambda against a partitioned table). Never fails on time.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import {
  CreateTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  waitUntilTableExists,
} from '@aws-sdk/client-dynamodb';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { assumeRoleCredentials, type ExportDataFile, noopLogger, toDynamoJson } from '@ddb-migrate/core';
import { startMotoServer } from '@ddb-migrate/test-kit';
import { localLoadEngine } from '../apps/cli/src/commands/migrate/load-engine-local.js';

const REGION = 'us-east-1';
const TARGET_ROLE = 'arn:aws:iam::222222222222:role/cross_account_assume_role';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const value = i >= 0 ? Number(process.argv[i + 1]) : fallback;
  if (!Number.isInteger(value) || value < 1) throw new Error(`--${name} must be a positive integer`);
  return value;
}

const ITEMS = arg('items', 8_000);
const FILES = arg('files', 8);

async function main() {
  const moto = await startMotoServer();
  const base = {
    region: REGION,
    endpoint: moto.endpoint,
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
  };
  const credentials = assumeRoleCredentials(base, { roleArn: TARGET_ROLE, sessionName: 'bench-load' });
  const ddb = new DynamoDBClient({ ...base, credentials });
  const s3 = new S3Client({ ...base, credentials, forcePathStyle: true });
  const stateDir = await mkdtemp(join(tmpdir(), 'bench-load-'));
  try {
    const bucket = `bench-load-${Date.now()}`;
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    const per = Math.ceil(ITEMS / FILES);
    const files: ExportDataFile[] = [];
    for (let f = 0; f < FILES; f++) {
      const lines: string[] = [];
      for (let i = f * per; i < Math.min(ITEMS, (f + 1) * per); i++) {
        const item = {
          pk: { S: `item-${i}` },
          n: { N: String(i) },
          s: { S: 'x'.repeat(64) },
          b: { B: new Uint8Array([i % 256]) },
        };
        lines.push(JSON.stringify({ Item: toDynamoJson(item) }));
      }
      const key = `bench/AWSDynamoDB/01700000000000-bench000/data/file${f}.json.gz`;
      await s3.send(
        new PutObjectCommand({ Bucket: bucket, Key: key, Body: gzipSync(`${lines.join('\n')}\n`) }),
      );
      files.push({ key, itemCount: lines.length });
    }
    const env = {
      ...process.env,
      AWS_ACCESS_KEY_ID: 'testing',
      AWS_SECRET_ACCESS_KEY: 'testing',
      AWS_REGION: REGION,
      AWS_ENDPOINT_URL: moto.endpoint,
    };
    console.log(
      `${ITEMS} items in ${FILES} export data files; --load-engine local at 1, 2, 4 workers (write concurrency 8 each)`,
    );
    const rows: { workers: number; rate: number }[] = [];
    for (const workers of [1, 2, 4]) {
      const table = `bench-load-${workers}-${Date.now()}`;
      await ddb.send(
        new CreateTableCommand({
          TableName: table,
          KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
          AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
          BillingMode: 'PAY_PER_REQUEST',
        }),
      );
      await waitUntilTableExists({ client: ddb, maxWaitTime: 60 }, { TableName: table });
      const engine = localLoadEngine({
        flags: { targetRoleArn: TARGET_ROLE },
        env,
        targetRegion: REGION,
        workers,
        stateDir,
      });
      const started = performance.now();
      const result = await engine.load({
        runId: `bench-${workers}`,
        bucket,
        files,
        tableName: table,
        keyNames: { partitionKey: 'pk' },
        concurrency: 8,
        logger: noopLogger,
        onFileDone: async () => {},
        onItems: () => {},
      });
      const seconds = (performance.now() - started) / 1000;
      const count = (await ddb.send(new DescribeTableCommand({ TableName: table }))).Table?.ItemCount;
      rows.push({ workers, rate: result.items / seconds });
      console.log(
        `  ${workers} worker(s): ${result.items} items in ${seconds.toFixed(1)} s, table holds ${count ?? '?'}${result.items === ITEMS && count === ITEMS ? '' : ' (WRONG COUNT)'}`,
      );
    }
    console.log('\n| workers | items/s | vs 1 worker |\n|---|---|---|');
    for (const row of rows)
      console.log(`| ${row.workers} | ${Math.round(row.rate)} | ${(row.rate / rows[0]!.rate).toFixed(2)}x |`);
  } finally {
    await rm(stateDir, { recursive: true, force: true });
    await moto.stop();
  }
}

await main();
