/**
 * Benchmark of `verify` on moto (run from the repo root):
 *   pnpm exec tsx --conditions=source bench/verify.ts [--sizes 10000,50000] [--segments 8]
 *
 * Starts its own moto on 127.0.0.1 (test-kit), fills a source table (account 123456789012) and a
 * target table (222222222222 via AssumeRole) with the same small items, then measures, each in a
 * fresh child process (so peak RSS is the mode's own):
 *   bare     - parallel Scan of both tables at the same segment count (the floor: reading everything once)
 *   verify   - verifyTables (scan both, match in windows, re-check queue)
 *   diff     - mapbox diff-tables method: scan one side, BatchGetItem each page's keys from the other,
 *              in both directions
 * Prints items/s (both tables' items / wall time), ratios against `bare`, and peak RSS per size.
 * Never fails on time. moto is one GIL-bound process, so absolute rates are moto's, only ratios matter.
 */
import { execFileSync, spawn } from 'node:child_process';
import {
  BatchGetItemCommand,
  CreateTableCommand,
  DynamoDBClient,
  ScanCommand,
  waitUntilTableExists,
} from '@aws-sdk/client-dynamodb';
import { verifyTables } from '@ddb-migrate/consistency-checker';
import {
  assumeRoleCredentials,
  batchWrite,
  canonicalKey,
  extractKey,
  type Item,
  itemsEqual,
  type KeyNames,
} from '@ddb-migrate/core';

const KEYS: KeyNames = { partitionKey: 'pk' };
const REGION = 'us-east-1';
const TARGET_ROLE = 'arn:aws:iam::222222222222:role/cross_account_assume_role';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? (process.argv[i + 1] ?? fallback) : fallback;
}

function clients(endpoint: string) {
  const base = {
    region: REGION,
    endpoint,
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
  };
  const source = new DynamoDBClient(base);
  const target = new DynamoDBClient({
    region: REGION,
    endpoint,
    credentials: assumeRoleCredentials(base, { roleArn: TARGET_ROLE, sessionName: 'bench' }),
  });
  return { source, target };
}

/** ~80-byte items: moto's cost is per item, so small items let 50k-item tables finish in minutes. */
function benchItem(i: number): Item {
  return {
    pk: { S: `k${String(i).padStart(8, '0')}` },
    n: { N: String(i * 7) },
    s: { S: `value-${i % 997}` },
    t: { SS: ['a', 'b'] },
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
  const chunk = 5_000;
  for (let i = 0; i < count; i += chunk) {
    const ops = [];
    for (let j = i; j < Math.min(count, i + chunk); j++)
      ops.push({ type: 'put' as const, item: benchItem(j) });
    const result = await batchWrite(client, ops, { tableName: name, keyNames: KEYS, concurrency: 4 });
    if (result.failed.length > 0) throw new Error(`load failed for ${result.failed.length} items`);
  }
}

async function* scanSegment(client: DynamoDBClient, table: string, segment: number, total: number) {
  let start: Item | undefined;
  do {
    const out = await client.send(
      new ScanCommand({ TableName: table, Segment: segment, TotalSegments: total, ExclusiveStartKey: start }),
    );
    yield (out.Items ?? []) as Item[];
    start = out.LastEvaluatedKey as Item | undefined;
  } while (start);
}

const range = (n: number) => Array.from({ length: n }, (_, i) => i);

async function bare(c: ReturnType<typeof clients>, src: string, tgt: string, segments: number) {
  let items = 0;
  await Promise.all(
    [
      [c.source, src],
      [c.target, tgt],
    ].flatMap(([client, table]) =>
      range(segments).map(async (s) => {
        for await (const page of scanSegment(client as DynamoDBClient, table as string, s, segments))
          items += page.length;
      }),
    ),
  );
  return { items, differences: 0 };
}

/** mapbox diff-tables: scan A, BatchGetItem the page's keys from B, compare; then B against A. */
async function diffTables(c: ReturnType<typeof clients>, src: string, tgt: string, segments: number) {
  let items = 0;
  let differences = 0;
  const direction = async (from: DynamoDBClient, fromTable: string, to: DynamoDBClient, toTable: string) => {
    await Promise.all(
      range(segments).map(async (s) => {
        for await (const page of scanSegment(from, fromTable, s, segments)) {
          items += page.length;
          for (let i = 0; i < page.length; i += 100) {
            const chunk = page.slice(i, i + 100);
            let keys = chunk.map((item) => extractKey(item, KEYS));
            const found = new Map<string, Item>();
            while (keys.length > 0) {
              const out = await to.send(
                new BatchGetItemCommand({ RequestItems: { [toTable]: { Keys: keys } } }),
              );
              for (const item of (out.Responses?.[toTable] ?? []) as Item[])
                found.set(canonicalKey(item, KEYS), item);
              keys = (out.UnprocessedKeys?.[toTable]?.Keys ?? []) as Item[];
            }
            for (const item of chunk) {
              const other = found.get(canonicalKey(item, KEYS));
              if (!other || !itemsEqual(item, other)) differences++;
            }
          }
        }
      }),
    );
  };
  await direction(c.source, src, c.target, tgt);
  await direction(c.target, tgt, c.source, src);
  return { items, differences };
}

async function verify(c: ReturnType<typeof clients>, src: string, tgt: string, segments: number) {
  const summary = await verifyTables({
    source: { client: c.source, tableName: src },
    target: { client: c.target, tableName: tgt },
    totalSegments: segments,
    concurrency: segments,
    recheckAttempts: 1,
    recheckDelaySeconds: 0,
  });
  return { items: summary.sourceScanned + summary.targetScanned, differences: summary.differences };
}

/** Child mode: one measurement, printed as one JSON line. */
async function child(): Promise<void> {
  const mode = arg('child', '');
  const c = clients(arg('endpoint', ''));
  const segments = Number(arg('segments', '8'));
  const run = { bare, verify, diff: diffTables }[mode as 'bare' | 'verify' | 'diff'];
  if (!run) throw new Error(`unknown mode ${mode}`);
  const started = performance.now();
  const result = await run(c, arg('src', ''), arg('tgt', ''), segments);
  const seconds = (performance.now() - started) / 1000;
  const rssMb = process.resourceUsage().maxRSS / 1024;
  process.stdout.write(
    `${JSON.stringify({ mode, ...result, seconds, itemsPerSecond: result.items / seconds, rssMb })}\n`,
  );
}

interface Measurement {
  mode: string;
  items: number;
  differences: number;
  seconds: number;
  itemsPerSecond: number;
  rssMb: number;
}

function measure(
  mode: string,
  endpoint: string,
  src: string,
  tgt: string,
  segments: number,
): Promise<Measurement> {
  return new Promise((resolve, reject) => {
    const p = spawn(
      process.execPath,
      [
        ...process.execArgv,
        process.argv[1] as string,
        '--child',
        mode,
        '--endpoint',
        endpoint,
        '--src',
        src,
        '--tgt',
        tgt,
        '--segments',
        String(segments),
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let out = '';
    p.stdout.on('data', (d: Buffer) => {
      out += d.toString();
    });
    p.on('exit', (code) => {
      const line = out.trim().split('\n').pop() ?? '';
      if (code === 0 && line.startsWith('{')) resolve(JSON.parse(line) as Measurement);
      else reject(new Error(`${mode} child exited ${code}: ${out}`));
    });
  });
}

async function main(): Promise<void> {
  const sizes = arg('sizes', '10000,50000').split(',').map(Number);
  const segments = Number(arg('segments', '8'));
  const { startMotoServer } = await import('@ddb-migrate/test-kit');
  const moto = await startMotoServer();
  const cpu = (() => {
    try {
      return execFileSync('nproc').toString().trim();
    } catch {
      return '?';
    }
  })();
  console.log(
    `verify benchmark: moto ${moto.endpoint}, ${cpu} cores, segments ${segments}, sizes ${sizes.join(', ')}`,
  );
  const rows: { size: number; results: Measurement[] }[] = [];
  try {
    const c = clients(moto.endpoint);
    for (const size of sizes) {
      const src = `bench-src-${size}`;
      const tgt = `bench-tgt-${size}`;
      const t0 = performance.now();
      await Promise.all([createAndFill(c.source, src, size), createAndFill(c.target, tgt, size)]);
      console.log(`  loaded ${size} items per table in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
      const results: Measurement[] = [];
      for (const mode of ['bare', 'verify', 'diff']) {
        const m = await measure(mode, moto.endpoint, src, tgt, segments);
        console.log(
          `  ${size} ${mode.padEnd(6)} ${m.items} items in ${m.seconds.toFixed(1)} s = ${m.itemsPerSecond.toFixed(0)} items/s, peak RSS ${m.rssMb.toFixed(0)} MB, differences ${m.differences}`,
        );
        results.push(m);
      }
      rows.push({ size, results });
    }
  } finally {
    await moto.stop();
  }
  console.log('\nsize    verify/bare  diff/bare  verify/diff  verify RSS MB');
  for (const { size, results } of rows) {
    const [b, v, d] = results as [Measurement, Measurement, Measurement];
    console.log(
      `${String(size).padEnd(7)} ${(v.itemsPerSecond / b.itemsPerSecond).toFixed(2).padStart(10)}x ${(d.itemsPerSecond / b.itemsPerSecond).toFixed(2).padStart(8)}x ${(v.itemsPerSecond / d.itemsPerSecond).toFixed(2).padStart(10)}x ${v.rssMb.toFixed(0).padStart(13)}`,
    );
  }
  if (rows.length >= 2) {
    const first = rows[0]!.results[1]!;
    const last = rows[rows.length - 1]!.results[1]!;
    console.log(
      `verify peak RSS ${rows[rows.length - 1]!.size} vs ${rows[0]!.size} items: ${(last.rssMb / first.rssMb).toFixed(2)}x (target <= 1.5x)`,
    );
  }
}

if (process.argv.includes('--child')) await child();
else await main();
