import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createTable, generateItems, isolatedSides, putItems, sideEnv } from '@ddb-migrate/test-kit';
import { beforeAll, describe, expect, it } from 'vitest';
import { cli } from './support/run-cli.js';

/** Two accounts, 150 items, then 2 missing, 1 extra and 2 changed in the target. */
async function setup() {
  const sides = isolatedSides();
  const sourceClient = new DynamoDBClient(sides.source);
  const targetClient = new DynamoDBClient(sides.target);
  const schema = { partitionKey: 'pk', sortKey: { name: 'sk', type: 'N' as const } };
  const [source, target] = await Promise.all([
    createTable(sourceClient, schema),
    createTable(targetClient, schema),
  ]);
  const items = generateItems(150, { seed: 21, sk: 'sk' });
  const targetItems = items.slice(2).map((item) => ({ ...item }));
  targetItems[3]!.changed = { S: 'x' };
  targetItems[40]!.changed = { N: '2' };
  targetItems.push({ pk: { S: 'only-in-target' }, sk: { N: '7' } });
  await Promise.all([
    putItems(sourceClient, source.name, items),
    putItems(targetClient, target.name, targetItems),
  ]);
  const env = { ...(await sideEnv(sides.source)) };
  const base = [
    '--source-region',
    'us-east-1',
    '--source-table-name',
    source.name,
    '--target-table-name',
    target.name,
    '--target-role-arn',
    sides.targetRoleArn,
    '--recheck-delay',
    '0',
    '--recheck-attempts',
    '1',
    '--segments',
    '8',
  ];
  return { env, base };
}

/** The summary fields two runs over the same tables agree on (not times or capacity). */
function counts(doc: Record<string, unknown>) {
  const {
    durationMs: _d,
    startedAt: _s,
    consumedRcu: _c,
    coverage: _v,
    report: _r,
    summaryFile: _f,
    recordedIn: _i,
    ...rest
  } = doc;
  return rest;
}

describe('verify --engine local --workers N', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'verify-engines-'));
  });

  it('gives the same result, report and exit code with 3 worker processes as in one process', async () => {
    const s = await setup();
    const one = join(dir, 'one.ndjson');
    const three = join(dir, 'three.ndjson');

    const single = await cli(['verify', ...s.base, '--report', one, '--output', 'json'], s.env);
    const fanned = await cli(
      ['verify', ...s.base, '--workers', '3', '--concurrency', '2', '--report', three, '--output', 'json'],
      s.env,
    );

    expect(single.code).toBe(1);
    expect(fanned.code, fanned.stderr).toBe(1);
    const a = JSON.parse(single.stdout);
    const b = JSON.parse(fanned.stdout);
    expect(b).toMatchObject({
      differences: 5,
      missingInTarget: 2,
      extraInTarget: 1,
      different: 2,
      complete: true,
    });
    expect(b.segments).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    const sortKeys = (list: unknown[]) => list.map((d) => JSON.stringify(d)).sort();
    expect(sortKeys(b.differingKeys)).toEqual(sortKeys(a.differingKeys));
    const { differingKeys: _a, ...restA } = counts(a);
    const { differingKeys: _b, ...restB } = counts(b);
    expect(restB).toEqual(restA);
    const lines = async (path: string) => (await readFile(path, 'utf8')).split('\n').filter(Boolean).sort();
    expect(await lines(three)).toEqual(await lines(one));
    const summary = JSON.parse(await readFile(join(dir, 'three.summary.json'), 'utf8'));
    expect(summary).toMatchObject({ differences: 5, complete: true, totalSegments: 8 });
    // 8 segments in ranges of 4: two ranges, so two of the three workers get one.
    expect(fanned.stderr).toMatch(/2 ranges on 2 workers, 2 invocations/);
  });

  it('goes on from the checkpoints when every worker turn ends at once ("continue"), to the same result', async () => {
    const s = await setup();
    const env = { ...s.env, DDB_MIGRATE_VERIFY_INVOCATION_MS: '0' };

    const single = await cli(['verify', ...s.base, '--output', 'json'], s.env);
    const looped = await cli(
      ['verify', ...s.base, '--workers', '2', '--concurrency', '1', '--output', 'json'],
      env,
    );

    expect(looped.code, looped.stderr).toBe(1);
    const { differingKeys: a, ...restA } = counts(JSON.parse(single.stdout));
    const { differingKeys: b, pointReads: _p, ...restB } = counts(JSON.parse(looped.stdout));
    const { pointReads: _q, ...restA2 } = restA;
    expect(restB).toEqual(restA2);
    expect((b as unknown[]).map((d) => JSON.stringify(d)).sort()).toEqual(
      (a as unknown[]).map((d) => JSON.stringify(d)).sort(),
    );
    // 8 segments in 2 ranges of 4, one segment pair at a time and no time: each turn finishes one
    // segment (one page each here) and returns "continue", so each range takes 4 turns.
    expect(looped.stderr).toMatch(/2 ranges on 2 workers, 8 invocations/);
  });

  it('refuses flags of another engine, and hand-split runs, as bad input', async () => {
    const s = await setup();
    const bad = [
      [['--engine', 'stepfunctions', '--workers', '2'], /--workers is for --engine local/],
      [['--workers', '2', '--segment-range', '0-3'], /--segment-range and --sample/],
      [
        ['--state-machine-arn', 'arn:aws:states:us-east-1:123456789012:stateMachine:x'],
        /need --engine stepfunctions/,
      ],
      [['--workers', '0'], /--workers must be an integer/],
      [['--work-url', '/tmp/x'], /--work-url needs --workers 2/],
    ] as const;
    for (const [flags, message] of bad) {
      const run = await cli(['verify', ...s.base, ...flags], s.env);
      expect(run.code, flags.join(' ')).toBe(2);
      expect(run.stderr).toMatch(message);
    }
  });
});

describe('verify --dry-run', () => {
  it('estimates workers, time, RCU and cost from the table descriptions and changes nothing', async () => {
    const s = await setup();

    const run = await cli(['verify', ...s.base, '--workers', '4', '--dry-run', '--output', 'json'], s.env);

    expect(run.code, run.stderr).toBe(0);
    const estimate = JSON.parse(run.stdout);
    expect(estimate).toMatchObject({
      engine: 'local',
      sourceItems: 150,
      targetItems: 149,
      totalSegments: 8,
      ranges: 2,
      workers: 2,
      invocations: 0,
      costUsd: { lambda: 0, stepFunctions: 0 },
    });
    expect(estimate.rcu.source).toBeGreaterThan(0);
    const text = await cli(['verify', ...s.base, '--engine', 'stepfunctions', '--dry-run'], s.env);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/verify estimate \(--engine stepfunctions\)/);
    expect(text.stdout).toMatch(/MaxConcurrency 100 \(the template default/);
    expect(text.stdout).toMatch(/Lambda \$\d+\.\d\d \(\d+ invocations\)/);
  });

  it('refuses --engine stepfunctions without a stack, naming the fix', async () => {
    const s = await setup();
    const run = await cli(
      ['verify', ...s.base, '--engine', 'stepfunctions', '--stack-name', 'no-such-stack'],
      s.env,
    );
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/No verify-fanout stack "no-such-stack"/);
  });
});
