import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DynamoDBClient,
  GetResourcePolicyCommand,
  ListTablesCommand,
  PutItemCommand,
  UpdateContinuousBackupsCommand,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import type { Item } from '@ddb-migrate/core';
import type { MigrationState } from '@ddb-migrate/migration';
import {
  compareTables,
  createBucket,
  createTable,
  generateItems,
  isolatedSides,
  motoEndpoint,
  putItems,
  sideEnv,
  uniqueName,
} from '@ddb-migrate/test-kit';
import { describe, expect, it } from 'vitest';
import { cli, startWriter } from './migrate-fixtures.js';

/** Three tables of different shapes in one source account, a plan file naming them, and env. */
async function application() {
  const sides = isolatedSides();
  const src = new DynamoDBClient(sides.source);
  const tgt = new DynamoDBClient(sides.target);
  const names = { lsi: uniqueName('orders'), gsi: uniqueName('customers'), small: uniqueName('settings') };
  await createTable(src, {
    name: names.lsi,
    sortKey: { name: 'sk', type: 'N' },
    lsis: [{ name: 'by-n', sortKey: { name: 'n', type: 'N' } }],
  });
  await createTable(src, {
    name: names.gsi,
    gsis: [{ name: 'by-s', partitionKey: { name: 's', type: 'S' } }],
  });
  await src.send(
    new UpdateTimeToLiveCommand({
      TableName: names.gsi,
      TimeToLiveSpecification: { Enabled: true, AttributeName: 'expiresAt' },
    }),
  );
  await createTable(src, { name: names.small });
  const items = {
    lsi: generateItems(60, { seed: 21, sk: 'sk' }).map((i, n) => ({ ...i, n: { N: String(n) } })),
    gsi: generateItems(60, { seed: 22 }).map((i, n) => ({ ...i, s: { S: `s${n % 5}` } })),
    small: generateItems(5, { seed: 23 }),
  };
  for (const [k, table] of Object.entries(names)) {
    await src.send(
      new UpdateContinuousBackupsCommand({
        TableName: table,
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      }),
    );
    await putItems(src, table, items[k as keyof typeof items]);
  }
  const bucket = await createBucket(new S3Client({ ...sides.target, forcePathStyle: true }));
  const dir = mkdtempSync(join(tmpdir(), 'ddb-migrate-app-'));
  const stateDir = join(dir, 'state');
  const planFile = (extra = '') => {
    const path = join(dir, `app${extra ? '-bad' : ''}.yaml`);
    writeFileSync(
      path,
      [
        'version: 1',
        'source:',
        `  region: ${sides.source.region}`,
        `  accountId: "${sides.sourceAccount}"`,
        'target:',
        `  accountId: "${sides.targetAccount}"`,
        `  bucket: ${bucket}`,
        `stateDir: ${stateDir}`,
        'concurrency: 3',
        'defaults:',
        '  cdcMode: local',
        'tables:',
        `  - name: ${names.lsi}`,
        `  - name: ${names.gsi}`,
        '    loadMode: write',
        `  - name: ${names.small}`,
        // moto's ImportTable drops varied items (README, "The local stand-in"): write mode here.
        '    loadMode: write',
        extra,
      ].join('\n'),
    );
    return path;
  };
  const env = { ...(await sideEnv(sides.source)), AWS_ENDPOINT_URL: motoEndpoint() };
  const states = (): MigrationState[] => {
    try {
      return readdirSync(stateDir)
        .filter((f) => f.endsWith('.json') && !f.includes('checkpoint'))
        .map((f) => JSON.parse(readFileSync(join(stateDir, f), 'utf8')) as MigrationState);
    } catch {
      return [];
    }
  };
  return { sides, src, tgt, names, items, planFile, env, states, stateDir };
}

const FLAGS = ['--stream-settle-seconds', '0', '--poll-seconds', '1', '--stop-after-idle', '2'];
/** cutover's flags for the stand-in: no settle wait (moto enforces no policy), quick polls, JSON. */
const CUTOVER = ['--freeze-settle-seconds', '0', '--poll-milliseconds', '200', '--yes', '--output', 'json'];

describe('an application of three tables in one plan file (moto)', () => {
  it('one bad table is refused in the plan with every problem at once, nothing changed; plan names the others', async () => {
    const app = await application();
    const bad = app.planFile(`  - name: ${uniqueName('missing')}\n    loadMode: import`);
    const before = (await app.tgt.send(new ListTablesCommand({}))).TableNames ?? [];

    const run = await cli(['plan', '--file', bad, '--output', 'json'], app.env);

    expect(run.code, run.stderr).toBe(2);
    const out = JSON.parse(run.stdout);
    expect(out.refused, run.stdout.slice(0, 3000)).toBe(1);
    expect(out.tables).toHaveLength(4);
    expect(out.tables.filter((t: { plan?: unknown }) => t.plan)).toHaveLength(3);
    expect(out.tables[3].problems[0].message).toMatch(
      /missing.*does not exist|SOURCE_TABLE_NOT_FOUND|not found/i,
    );
    expect(out.totals.items).toBe(125);
    const lsiPlan = out.tables[0].plan;
    expect(lsiPlan.loadMode).toBe('write'); // an LSI: ImportTable cannot create it
    expect(app.states()).toEqual([]);
    expect((await app.tgt.send(new ListTablesCommand({}))).TableNames ?? []).toEqual(before);

    const badYaml = app.planFile('  - name: ab\n    colour: blue');
    const invalid = await cli(['migrate', '--file', badYaml, '--yes'], app.env);
    expect(invalid.code).toBe(2);
    expect(invalid.stderr.trim().split('\n')).toHaveLength(1);
    expect(invalid.stderr).toMatch(
      /app-bad\.yaml:\d+ tables\[3\]\.name: .*app-bad\.yaml:\d+ tables\[3\]\.colour/,
    );
  });

  it('migrates, verifies and cuts over all three under concurrent writers; an interrupted migrate resumes; every table ends identical', async () => {
    const app = await application();
    const file = app.planFile();
    const writers = [
      startWriter(app.src, app.names.lsi, app.items.lsi, { sortKey: true }),
      startWriter(app.src, app.names.gsi, app.items.gsi),
      startWriter(app.src, app.names.small, app.items.small),
    ];
    const first = cli(['migrate', '--file', file, ...FLAGS, '--yes', '--output', 'json'], app.env);
    // Interrupted once every table runs its CDC (a crash mid-way: the states are saved).
    for (let i = 0; i < 600 && app.states().filter((s) => s.cdc?.status === 'started').length < 3; i += 1) {
      await new Promise((r) => setTimeout(r, 200));
    }
    process.emit('SIGINT');
    const interrupted = await first;
    expect(interrupted.code, interrupted.stderr).toBe(3);
    expect(JSON.parse(interrupted.stdout).needAttention).toHaveLength(3);
    for (const w of writers) await w.stop();

    const resumed = await cli(['migrate', '--file', file, ...FLAGS, '--yes', '--output', 'json'], app.env);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(JSON.parse(resumed.stdout).needAttention).toEqual([]);
    expect(app.states().map((s) => s.completedAt !== undefined)).toEqual([true, true, true]);

    const verify = await cli(
      ['verify', '--file', file, '--recheck-attempts', '0', '--output', 'json'],
      app.env,
    );
    expect(verify.code, verify.stdout).toBe(0);
    expect(JSON.parse(verify.stdout).tables.map((t: { differences: number }) => t.differences)).toEqual([
      0, 0, 0,
    ]);
    expect(app.states().every((s) => s.verify?.differences === 0)).toBe(true);

    // Written after migrate's CDC stopped: only cutover's drain delivers them.
    const late: [string, Item][] = [
      [app.names.lsi, { pk: { S: 'late' }, sk: { N: '1' }, n: { N: '1' } }],
      [app.names.gsi, { pk: { S: 'late' }, s: { S: 'x' } }],
      [app.names.small, { pk: { S: 'late' } }],
    ];
    for (const [table, item] of late)
      await app.src.send(new PutItemCommand({ TableName: table, Item: item }));

    const cutover = await cli(['cutover', '--file', file, ...CUTOVER], app.env);

    expect(cutover.code, cutover.stderr).toBe(0);
    const out = JSON.parse(cutover.stdout);
    expect(out.tables.map((t: { outcome: string }) => t.outcome)).toEqual([
      'switched',
      'switched',
      'switched',
    ]);
    const moments = new Set(app.states().map((s) => s.cutover?.switchedAt));
    expect([...moments]).toEqual([out.switchedAt]);
    for (const table of Object.values(app.names)) {
      const diff = await compareTables(app.src, table, app.tgt, table);
      expect(diff, table).toMatchObject({ missingInTarget: [], extraInTarget: [], different: [] });
    }
    const status = await cli(['status', '--file', file, '--output', 'json'], app.env);
    expect(JSON.parse(status.stdout).migrations).toHaveLength(3);
    const aborted = await cli(['cutover', '--file', file, '--abort', '--output', 'json'], app.env);
    expect(aborted.code, aborted.stderr).toBe(0);
    expect(JSON.parse(aborted.stdout).tables.map((t: { freezeLifted: boolean }) => t.freezeLifted)).toEqual([
      true,
      true,
      true,
    ]);
  }, 600_000);

  it('cutover --file switches none when one table differs: every freeze stays (exit 1) until --abort lifts them all', async () => {
    const app = await application();
    const file = app.planFile();
    const migrated = await cli(['migrate', '--file', file, ...FLAGS, '--yes'], app.env);
    expect(migrated.code, migrated.stderr).toBe(0);
    // An item only the target has (no source change to replicate): `--verify full` finds it.
    await app.tgt.send(
      new PutItemCommand({ TableName: app.names.small, Item: { pk: { S: 'only-in-target' } } }),
    );

    const run = await cli(['cutover', '--file', file, '--verify', 'full', ...CUTOVER], app.env);

    expect(run.code, run.stderr).toBe(1);
    const out = JSON.parse(run.stdout);
    expect(out.switchedAt).toBeUndefined();
    expect(out.tables.map((t: { outcome: string }) => t.outcome)).toEqual([
      'proved',
      'proved',
      'differences',
    ]);
    expect(out.tables[2].report).toMatch(/differences\.ndjson$/);
    expect(app.states().every((s) => s.cutover?.switchedAt === undefined)).toBe(true);
    const policies = async () =>
      Promise.all(
        Object.values(app.names).map((t) =>
          app.src
            .send(
              new GetResourcePolicyCommand({
                ResourceArn: `arn:aws:dynamodb:${app.sides.source.region}:${app.sides.sourceAccount}:table/${t}`,
              }),
            )
            .then(
              (r) => r.Policy ?? null,
              () => null,
            ),
        ),
      );
    expect((await policies()).map((p) => p?.includes('DdbMigrateFreezeWrites'))).toEqual([true, true, true]);

    const aborted = await cli(['cutover', '--file', file, '--abort', '--output', 'json'], app.env);

    expect(aborted.code, aborted.stderr).toBe(0);
    expect(await policies()).toEqual([null, null, null]);
    expect(app.states().map((s) => s.cutover?.status)).toEqual(['aborted', 'aborted', 'aborted']);
  }, 600_000);
});
