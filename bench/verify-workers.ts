/**
 * Benchmark of the verify fan-out (run from the repo root):
 *   pnpm bench:verify-workers  [--items 4000] [--segments 16] [--memory-items 200000]
 *
 * 1. `ddb-migrate verify` on moto at --workers 1 (the in-process verify), 2 and 4 (`--engine local`:
 *    the worker handler in child processes), same tables and segments, `--concurrency 4` (segment
 *    pairs per worker), ratios against 1 worker measured in the same run. moto is one GIL-bound
 *    process: the ratios say how much the fan-out itself costs or gains against that server, not
 *    what AWS would do.
 * 2. The checker's own ceiling: verifyTables over two in-memory tables whose Scan pages are served
 *    as DynamoDB JSON through the SDK client's request handler (so the SDK's parsing, which a
 *    worker pays on AWS, is in; the network and the service are out), one segment pair at a time
 *    and with 4 at once, in this single-threaded process: items compared per second of CPU is the
 *    per-core ceiling, and from it the workers a billion items need.
 * `--only moto` or `--only ceiling` runs one part. Never fails on time.
 */
import { Readable } from 'node:stream';
import { availableParallelism } from 'node:os';
import { PassThrough } from 'node:stream';
import {
  CreateTableCommand,
  DynamoDBClient,
  ScanCommand,
  waitUntilTableExists,
} from '@aws-sdk/client-dynamodb';
import { verifyTables } from '@ddb-migrate/consistency-checker';
import { assumeRoleCredentials, batchWrite, type Item, type KeyNames, toDynamoJson } from '@ddb-migrate/core';
import { runCli } from 'ddb-migrate';

const KEYS: KeyNames = { partitionKey: 'pk' };
const REGION = 'us-east-1';
const TARGET_ROLE = 'arn:aws:iam::222222222222:role/cross_account_assume_role';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? (process.argv[i + 1] ?? fallback) : fallback;
}

/** ~100-byte items (moto's cost is per item). */
function benchItem(i: number): Item {
  return {
    pk: { S: `k${String(i).padStart(8, '0')}` },
    n: { N: String(i * 7) },
    s: { S: `value-${i % 997}` },
    t: { SS: ['a', 'b'] },
    m: { M: { x: { N: String(i % 13) }, y: { BOOL: i % 2 === 0 } } },
  };
}

async function createAndFill(client: DynamoDBClient, name: string, count: number): Promise<void> {
  await client.send(
    new CreateTableCommand({
      TableName: name,
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
      BillingMode: 'PAY_PER_REQUEST',
    }),
  );
  await waitUntilTableExists({ client, maxWaitTime: 60 }, { TableName: name });
  const ops = Array.from({ length: count }, (_, i) => ({ type: 'put' as const, item: benchItem(i) }));
  const result = await batchWrite(client, ops, { tableName: name, keyNames: KEYS, concurrency: 4 });
  if (result.failed.length > 0) throw new Error(`load failed for ${result.failed.length} items`);
}

async function cli(args: string[], env: NodeJS.ProcessEnv) {
  let stdout = '';
  const out = new PassThrough().on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  const err = new PassThrough().resume();
  const code = await runCli(args, { stdout: out, stderr: err, env });
  return { code, stdout };
}

interface WorkerRun {
  workers: number;
  seconds: number;
  itemsPerSecond: number;
  matched: number;
}

async function motoWorkers(items: number, segments: number): Promise<WorkerRun[]> {
  const { startMotoServer } = await import('@ddb-migrate/test-kit');
  const moto = await startMotoServer();
  const base = {
    region: REGION,
    endpoint: moto.endpoint,
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
  };
  const source = new DynamoDBClient(base);
  const target = new DynamoDBClient({
    ...base,
    credentials: assumeRoleCredentials(base, { roleArn: TARGET_ROLE, sessionName: 'bench' }),
  });
  const runs: WorkerRun[] = [];
  try {
    const t0 = performance.now();
    await Promise.all([createAndFill(source, 'bench-src', items), createAndFill(target, 'bench-tgt', items)]);
    console.log(`  loaded ${items} items per table in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
    const env = {
      AWS_ACCESS_KEY_ID: 'testing',
      AWS_SECRET_ACCESS_KEY: 'testing',
      AWS_REGION: REGION,
      AWS_ENDPOINT_URL: moto.endpoint,
      PATH: process.env.PATH,
    };
    for (const workers of [1, 2, 4]) {
      const started = performance.now();
      const run = await cli(
        [
          'verify',
          '--source-table-name',
          'bench-src',
          '--target-table-name',
          'bench-tgt',
          '--target-role-arn',
          TARGET_ROLE,
          '--segments',
          String(segments),
          '--concurrency',
          '4',
          '--recheck-delay',
          '0',
          '--state-dir',
          '/tmp/ddb-migrate-bench-state',
          '--workers',
          String(workers),
          '--output',
          'json',
        ],
        env,
      );
      const seconds = (performance.now() - started) / 1000;
      if (run.code !== 0) throw new Error(`verify --workers ${workers} exited ${run.code}`);
      const doc = JSON.parse(run.stdout) as { sourceScanned: number; targetScanned: number; matched: number };
      const itemsPerSecond = (doc.sourceScanned + doc.targetScanned) / seconds;
      runs.push({ workers, seconds, itemsPerSecond, matched: doc.matched });
      console.log(
        `  --workers ${workers}: ${doc.sourceScanned + doc.targetScanned} items in ${seconds.toFixed(1)} s = ${itemsPerSecond.toFixed(0)} items/s, matched ${doc.matched}`,
      );
    }
  } finally {
    source.destroy();
    target.destroy();
    await moto.stop();
  }
  return runs;
}

/** Scan pages of one in-memory table, as the service's JSON bodies, by segment. */
function buildPages(count: number, segments: number, pageItems: number): string[][] {
  const bySegment: Item[][] = Array.from({ length: segments }, () => []);
  for (let i = 0; i < count; i++) bySegment[i % segments]!.push(benchItem(i));
  return bySegment.map((items) => {
    const pages: string[] = [];
    for (let p = 0; p < items.length; p += pageItems) {
      const page = items.slice(p, p + pageItems);
      const last =
        p + pageItems < items.length ? toDynamoJson({ pk: page[page.length - 1]!.pk! }) : undefined;
      pages.push(
        JSON.stringify({
          Items: page.map(toDynamoJson),
          Count: page.length,
          ScannedCount: page.length,
          ConsumedCapacity: { TableName: 't', CapacityUnits: 64 },
          ...(last ? { LastEvaluatedKey: last } : {}),
        }),
      );
    }
    return pages;
  });
}

/**
 * A DynamoDB client whose request handler answers DescribeTable and Scan from memory: the SDK still
 * serializes each request and parses each response, as it does against the service.
 */
function inMemoryClient(pages: string[][], count: number): DynamoDBClient {
  const describe = JSON.stringify({
    Table: {
      TableName: 't',
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
      ItemCount: count,
      TableSizeBytes: count * 100,
      TableStatus: 'ACTIVE',
    },
  });
  const respond = (body: string) => ({
    response: {
      statusCode: 200,
      reason: 'OK',
      headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-requestid': 'bench' },
      body: Readable.from([Buffer.from(body)]),
    },
  });
  return new DynamoDBClient({
    region: REGION,
    endpoint: 'http://in-memory.invalid',
    credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
    requestHandler: {
      handle: async (request: { headers: Record<string, string>; body?: string | Uint8Array }) => {
        const target = request.headers['x-amz-target'] ?? '';
        if (target.endsWith('.DescribeTable')) return respond(describe);
        if (!target.endsWith('.Scan')) throw new Error(`in-memory table cannot answer ${target}`);
        const input = JSON.parse(
          typeof request.body === 'string' ? request.body : new TextDecoder().decode(request.body),
        ) as {
          Segment: number;
          ExclusiveStartKey?: { pk: { S: string } };
        };
        const list = pages[input.Segment]!;
        // The page after the one that ended at ExclusiveStartKey.
        let index = 0;
        if (input.ExclusiveStartKey) {
          const key = JSON.stringify({ pk: input.ExclusiveStartKey.pk });
          index = list.findIndex((p) => p.includes(`"LastEvaluatedKey":${key}`)) + 1;
        }
        return respond(list[index]!);
      },
      updateHttpClientConfig: () => {},
      httpHandlerConfigs: () => ({}),
    } as never,
  });
}

/** The SDK alone: every Scan page of both in-memory tables requested and parsed, nothing compared. */
async function parseOnly(count: number, segments: number) {
  const pages = buildPages(count, segments, 1000);
  const clients = [inMemoryClient(pages, count), inMemoryClient(pages, count)];
  const cpu0 = process.cpuUsage();
  const started = performance.now();
  let items = 0;
  for (const client of clients) {
    for (let segment = 0; segment < segments; segment++) {
      let start: Record<string, unknown> | undefined;
      do {
        const out = await client.send(
          new ScanCommand({
            TableName: 't',
            Segment: segment,
            TotalSegments: segments,
            ExclusiveStartKey: start as never,
          }),
        );
        items += out.Items?.length ?? 0;
        start = out.LastEvaluatedKey;
      } while (start);
    }
  }
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  return { seconds, cpuSeconds, perCpuSecond: items / 2 / cpuSeconds, perWallSecond: items / 2 / seconds };
}

async function ceiling(count: number, segments: number, concurrency: number) {
  const pages = buildPages(count, segments, 1000);
  const source = inMemoryClient(pages, count);
  const target = inMemoryClient(pages, count);
  const cpu0 = process.cpuUsage();
  const started = performance.now();
  const summary = await verifyTables({
    source: { client: source, tableName: 't' },
    target: { client: target, tableName: 't' },
    totalSegments: segments,
    concurrency,
    recheckAttempts: 1,
    recheckDelaySeconds: 0,
  });
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  if (summary.matched !== count) throw new Error(`in-memory verify matched ${summary.matched} of ${count}`);
  return { seconds, cpuSeconds, perCpuSecond: count / cpuSeconds, perWallSecond: count / seconds };
}

async function main(): Promise<void> {
  const items = Number(arg('items', '4000'));
  const segments = Number(arg('segments', '16'));
  const memoryItems = Number(arg('memory-items', '200000'));
  console.log(`verify fan-out benchmark: ${availableParallelism()} cores, Node ${process.version}`);

  const only = arg('only', '');
  if (only !== 'ceiling') {
    console.log(
      `\n1. ddb-migrate verify --engine local on moto, ${items} items per table, ${segments} segments`,
    );
    const runs = await motoWorkers(items, segments);
    const one = runs[0]!;
    console.log('\nworkers  seconds  items/s  vs 1 worker');
    for (const r of runs) {
      console.log(
        `${String(r.workers).padEnd(8)} ${r.seconds.toFixed(1).padStart(7)} ${r.itemsPerSecond.toFixed(0).padStart(8)} ${(r.itemsPerSecond / one.itemsPerSecond).toFixed(2).padStart(10)}x`,
      );
    }
  }
  if (only === 'moto') return;

  console.log(
    `\n2. checker ceiling: in-memory tables of ${memoryItems} items (~100 B), SDK parsing included`,
  );
  await ceiling(20_000, 8, 1); // warm-up (JIT)
  const parsed = await parseOnly(memoryItems, 8);
  const single = await ceiling(memoryItems, 8, 1);
  const four = await ceiling(memoryItems, 8, 4);
  for (const [label, r] of [
    ['SDK parse alone (no compare)', parsed],
    ['1 segment pair at a time', single],
    ['4 segment pairs at a time', four],
  ] as const) {
    console.log(
      `  ${label}: ${memoryItems} keys compared (${memoryItems * 2} items parsed) in ${r.seconds.toFixed(2)} s, ${r.cpuSeconds.toFixed(2)} CPU s = ${r.perCpuSecond.toFixed(0)} keys per CPU second (${r.perWallSecond.toFixed(0)}/s wall)`,
    );
  }
  const perCore = Math.min(single.perCpuSecond, four.perCpuSecond);
  const billion = 1e9;
  console.log(
    `  => per core about ${Math.round(perCore).toLocaleString('en-US')} keys/s; a billion keys is ${Math.round(billion / perCore).toLocaleString('en-US')} core-seconds: ` +
      `${Math.ceil(billion / perCore / 900)} one-vCPU workers finish in 15 min, ${Math.ceil(billion / perCore / 420)} in 7 min (CPU alone; Scan throughput and RCU come on top)`,
  );
}

await main();
