import { expect } from 'vitest';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type AttributeValue,
  DeleteItemCommand,
  DynamoDBClient,
  PutItemCommand,
  UpdateContinuousBackupsCommand,
  UpdateItemCommand,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import type { Item } from '@ddb-migrate/core';
import {
  type CreateTableOptions,
  createBucket,
  createTable,
  generateItems,
  type IsolatedSides,
  isolatedSides,
  motoEndpoint,
  sideEnv,
  uniqueName,
  putItems,
} from '@ddb-migrate/test-kit';
import type { MigrationState } from '@ddb-migrate/migration';
import { type CliRun, cli } from './support/run-cli.js';

export { type CliRun, cli };

/** A source table, a bucket and env in two fresh accounts, ready for `migrate`. */
export interface MigrationFixture {
  sides: IsolatedSides;
  src: DynamoDBClient;
  tgt: DynamoDBClient;
  tgtS3: S3Client;
  srcS3: S3Client;
  table: string;
  targetTable: string;
  bucket: string;
  items: Item[];
  env: NodeJS.ProcessEnv;
  stateDir: string;
  /** Flags every run of this fixture passes. */
  args: string[];
  /** The state file (once written). */
  readState(): MigrationState | undefined;
}

export interface FixtureOptions {
  items?: number;
  table?: Omit<CreateTableOptions, 'name'>;
  pitr?: boolean;
  ttlAttribute?: string;
  sortKey?: boolean;
  /**
   * Drop empty maps (`{"M":{}}`, at any depth) from the generated items: moto's ImportTable parses
   * export lines with py_partiql_parser, which silently yields nothing for a line containing `{}`,
   * so such items vanish from a moto import (AWS imports them); it also mis-parses a string with
   * an escaped quote inside a list/set. Use for import-mode tests.
   */
  motoImportSafe?: boolean;
}

/**
 * ASCII items with every type but no empty maps, quotes, escapes or non-ASCII text: what moto's
 * ImportTable parser (py_partiql_parser) reads back faithfully. It drops lines holding `{}`,
 * mis-parses quotes/escapes inside lists and mangles non-ASCII strings, none of which AWS does;
 * the write-mode test covers the full generateItems variety.
 */
export function plainItems(count: number): Item[] {
  return Array.from({ length: count }, (_, i) => ({
    pk: { S: `item-${String(i).padStart(6, '0')}` },
    s: { S: `value ${i % 97}` },
    n: { N: i % 3 === 0 ? '12345678901234567890123456789012345678' : `${i}.25` },
    flag: { BOOL: i % 2 === 0 },
    ss: { SS: ['a', `b${i % 5}`] },
    ns: { NS: ['1', String(i + 2)] },
    m: { M: { depth: { N: '1' }, inner: { M: { name: { S: `n${i}` } } } } },
    l: { L: [{ S: 'x' }, { N: String(i) }, { BOOL: false }] },
    ...(i % 4 === 0 ? { expiresAt: { N: String(2_000_000_000 + i) } } : {}),
  }));
}

/** Makes an item survive moto's import parser (see {@link FixtureOptions.motoImportSafe}). */
export function withoutEmptyMaps(item: Item): Item {
  const out: Item = {};
  for (const [k, v] of Object.entries(item)) {
    const clean = cleanValue(v, false);
    if (clean) out[k] = clean;
  }
  return out;
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what moto mis-parses
const plain = (x: string) => x.replace(/["'\\\u0000-\u001f]/g, '_');

function cleanValue(v: AttributeValue, nested: boolean): AttributeValue | undefined {
  if (v.M) {
    const m: Item = {};
    for (const [k, x] of Object.entries(v.M)) {
      const c = cleanValue(x, true);
      if (c) m[k] = c;
    }
    return Object.keys(m).length === 0 ? undefined : { M: m };
  }
  if (v.L)
    return { L: v.L.map((x) => cleanValue(x, true)).filter((x): x is AttributeValue => x !== undefined) };
  if (v.SS) return { SS: [...new Set(v.SS.map(plain))] };
  if (v.S !== undefined && nested) return { S: plain(v.S) };
  return v;
}

/** Creates the fixture: source table with items (PITR on unless told), target bucket, state dir. */
export async function createFixture(opts: FixtureOptions = {}): Promise<MigrationFixture> {
  const sides = isolatedSides();
  const src = new DynamoDBClient(sides.source);
  const tgt = new DynamoDBClient(sides.target);
  const tgtS3 = new S3Client({ ...sides.target, forcePathStyle: true });
  const srcS3 = new S3Client({ ...sides.source, forcePathStyle: true });
  const table = uniqueName('src');
  const targetTable = uniqueName('dst');
  await createTable(src, {
    name: table,
    ...(opts.sortKey ? { sortKey: { name: 'sk', type: 'N' as const } } : {}),
    ...opts.table,
  });
  if (opts.pitr !== false) {
    await src.send(
      new UpdateContinuousBackupsCommand({
        TableName: table,
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      }),
    );
  }
  if (opts.ttlAttribute) {
    await src.send(
      new UpdateTimeToLiveCommand({
        TableName: table,
        TimeToLiveSpecification: { Enabled: true, AttributeName: opts.ttlAttribute },
      }),
    );
  }
  const items = opts.motoImportSafe
    ? plainItems(opts.items ?? 600)
    : generateItems(opts.items ?? 600, { seed: 7, ...(opts.sortKey ? { sk: 'sk' } : {}) });
  await putItems(src, table, items);
  const bucket = await createBucket(tgtS3);
  const env = { ...(await sideEnv(sides.source)), AWS_ENDPOINT_URL: motoEndpoint() };
  const stateDir = mkdtempSync(join(tmpdir(), 'ddb-migrate-state-'));
  const args = [
    '--source-region',
    sides.source.region,
    '--source-table-name',
    table,
    '--source-account-id',
    sides.sourceAccount,
    '--target-region',
    sides.target.region,
    '--target-table-name',
    targetTable,
    '--target-account-id',
    sides.targetAccount,
    '--target-s3-bucket-name',
    bucket,
    '--state-dir',
    stateDir,
    '--poll-seconds',
    '1',
    // moto's exports are exact (it ignores ExportTime), so the +-1 min settle wait buys nothing here.
    '--stream-settle-seconds',
    '0',
  ];
  return {
    sides,
    src,
    tgt,
    tgtS3,
    srcS3,
    table,
    targetTable,
    bucket,
    items,
    env,
    stateDir,
    args,
    readState: () => {
      const file = readdirSync(stateDir).find((f) => f.endsWith('.json') && !f.includes('cdc-checkpoint'));
      return file ? (JSON.parse(readFileSync(join(stateDir, file), 'utf8')) as MigrationState) : undefined;
    },
  };
}

/** A writer that keeps changing the source (puts, updates, deletes, new keys) until stopped. */
export function startWriter(
  client: DynamoDBClient,
  table: string,
  items: Item[],
  opts: { sortKey?: boolean } = {},
) {
  let running = true;
  const stats = { puts: 0, updates: 0, deletes: 0, inserts: 0 };
  let n = 0;
  const keyOf = (item: Item): Item =>
    opts.sortKey ? { pk: item.pk as never, sk: item.sk as never } : { pk: item.pk as never };
  const loop = (async () => {
    while (running) {
      n += 1;
      const base = items[(n * 37) % items.length] as Item;
      const op = n % 4;
      if (op === 0) {
        await client.send(
          new PutItemCommand({
            TableName: table,
            Item: { ...base, v: { N: String(n) }, note: { S: `put ${n}` } },
          }),
        );
        stats.puts += 1;
      } else if (op === 1) {
        await client.send(
          new UpdateItemCommand({
            TableName: table,
            Key: keyOf(base),
            UpdateExpression: 'SET #v = :v, #l = list_append(if_not_exists(#l, :e), :x)',
            ExpressionAttributeNames: { '#v': 'v', '#l': 'log' },
            ExpressionAttributeValues: {
              ':v': { N: `${n}.5` },
              ':e': { L: [] },
              ':x': { L: [{ N: String(n) }] },
            },
          }),
        );
        stats.updates += 1;
      } else if (op === 2) {
        await client.send(new DeleteItemCommand({ TableName: table, Key: keyOf(base) }));
        stats.deletes += 1;
      } else {
        const key: Item = opts.sortKey
          ? { pk: { S: `new-${n}` }, sk: { N: '1' } }
          : { pk: { S: `new-${n}` } };
        await client.send(
          new PutItemCommand({
            TableName: table,
            Item: { ...key, s: { S: `inserted ${n}` }, b: { B: new Uint8Array([n % 256, 0, 255]) } },
          }),
        );
        stats.inserts += 1;
      }
      await new Promise((r) => setTimeout(r, 15));
    }
  })();
  return {
    stats,
    async stop() {
      running = false;
      await loop;
      return stats;
    },
  };
}

/** Resolves once `predicate(state)` holds (polling the state file). */
export async function waitForState(
  fx: MigrationFixture,
  predicate: (s: MigrationState) => boolean,
  run?: Promise<CliRun>,
  timeoutMs = 120_000,
): Promise<void> {
  const end = Date.now() + timeoutMs;
  let finished: CliRun | undefined;
  void run?.then((r) => {
    finished = r;
  });
  for (;;) {
    if (finished)
      throw new Error(
        `the run ended (exit ${finished.code}) before the state condition: ${finished.stderr.slice(-2000)}`,
      );
    const s = fx.readState();
    if (s && predicate(s)) return;
    if (Date.now() > end) throw new Error('state condition not reached');
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The side flags (and state dir) cutover, rollback and finish take: migrate's without its own. */
export function sideArgs(fx: MigrationFixture): string[] {
  return [
    '--source-region',
    fx.sides.source.region,
    '--source-table-name',
    fx.table,
    '--target-region',
    fx.sides.target.region,
    '--target-table-name',
    fx.targetTable,
    '--target-account-id',
    fx.sides.targetAccount,
    '--state-dir',
    fx.stateDir,
  ];
}

/** migrate in write mode with local CDC that stops after 2 idle seconds; expects exit 0. */
export async function migrateLocal(fx: MigrationFixture): Promise<void> {
  const run = await cli(
    [...fx.args, 'migrate', '--load-mode', 'write', '--cdc-mode', 'local', '--stop-after-idle', '2', '--yes'],
    fx.env,
  );
  expect(run.code, run.stderr).toBe(0);
}
