import { existsSync } from 'node:fs';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  compareTables,
  createTable,
  generateItems,
  isolatedSides,
  sideEnv,
  putItems,
} from '@ddb-migrate/test-kit';
import { beforeAll, describe, expect, it } from 'vitest';
import { cli } from './support/run-cli.js';

/** Two accounts, a table each, the same 120 items, then 1 missing, 1 extra, 1 changed in the target. */
async function setup() {
  const sides = isolatedSides();
  const sourceClient = new DynamoDBClient(sides.source);
  const targetClient = new DynamoDBClient(sides.target);
  const schema = { partitionKey: 'pk', sortKey: { name: 'sk', type: 'N' as const } };
  const [source, target] = await Promise.all([
    createTable(sourceClient, schema),
    createTable(targetClient, schema),
  ]);
  const items = generateItems(120, { seed: 9, sk: 'sk' });
  await putItems(sourceClient, source.name, items);
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
  ];
  return { sourceClient, targetClient, source, target, items, env, base };
}

/** `base` with another --target-table-name (yargs turns a repeated flag into an array). */
function withTarget(base: string[], name: string): string[] {
  const args = [...base];
  args[args.indexOf('--target-table-name') + 1] = name;
  return args;
}

describe('ddb-migrate verify', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'verify-cli-'));
  });

  it('exits 0 with one JSON document for identical tables', async () => {
    const s = await setup();
    await putItems(s.targetClient, s.target.name, s.items);

    const { code, stdout } = await cli(['verify', ...s.base, '--output', 'json'], s.env);

    expect(code).toBe(0);
    const doc = JSON.parse(stdout);
    expect(doc).toMatchObject({ identical: true, sourceScanned: 120, targetScanned: 120, matched: 120 });
  });

  it('exits 1 and writes the NDJSON report and its summary; split runs merge to the same result', async () => {
    const s = await setup();
    const changed = { ...s.items[7]!, extra: { S: 'changed' } };
    await putItems(s.targetClient, s.target.name, [
      ...s.items.slice(1).filter((item) => item !== s.items[7]),
      changed,
      { pk: { S: 'only-in-target' }, sk: { N: '1' } },
    ]);
    const report = join(dir, 'full.ndjson');

    const full = await cli(['verify', ...s.base, '--segments', '4', '--report', report], s.env);

    expect(full.code).toBe(1);
    expect(full.stdout).toContain('3 difference(s)');
    const lines = (await readFile(report, 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines.map((l) => l.kind).sort()).toEqual(['different', 'extra_in_target', 'missing_in_target']);
    expect(lines.find((l) => l.kind === 'different')).toEqual({
      kind: 'different',
      key: { pk: s.items[7]!.pk, sk: s.items[7]!.sk },
      attributes: ['extra'],
    });
    expect(lines.find((l) => l.kind === 'extra_in_target').key).toEqual({
      pk: { S: 'only-in-target' },
      sk: { N: '1' },
    });
    expect(existsSync(join(dir, 'full.summary.json'))).toBe(true);

    const parts = [join(dir, 'a.ndjson'), join(dir, 'b.ndjson')];
    const ranges = ['0-1', '2-3'];
    for (const [i, part] of parts.entries()) {
      const r = await cli(
        ['verify', ...s.base, '--segments', '4', '--segment-range', ranges[i]!, '--report', part],
        s.env,
      );
      expect([0, 1]).toContain(r.code);
    }
    const merged = join(dir, 'merged.ndjson');
    const m = await cli(['verify', 'merge', ...parts, '--report', merged, '--output', 'json'], {});
    expect(m.code).toBe(1);
    const mergedDoc = JSON.parse(m.stdout);
    const fullDoc = JSON.parse(await readFile(join(dir, 'full.summary.json'), 'utf8'));
    for (const field of [
      'sourceScanned',
      'targetScanned',
      'matched',
      'missingInTarget',
      'extraInTarget',
      'different',
    ]) {
      expect(mergedDoc[field], field).toBe(fullDoc[field]);
    }
    expect(mergedDoc.complete).toBe(true);
    const mergedLines = (await readFile(merged, 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(mergedLines.map((l) => JSON.stringify(l)).sort()).toEqual(
      lines.map((l) => JSON.stringify(l)).sort(),
    );
  });

  it('--repair makes the tables identical and exits 0', async () => {
    const s = await setup();
    await putItems(s.targetClient, s.target.name, [
      ...s.items.slice(2),
      { pk: { S: 'stray' }, sk: { N: '0' } },
    ]);

    const { code, stdout } = await cli(['verify', ...s.base, '--repair', '--output', 'json'], s.env);

    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({ differences: 3, repaired: 3, remaining: 0 });
    const diff = await compareTables(s.sourceClient, s.source.name, s.targetClient, s.target.name);
    expect(diff).toMatchObject({ missingInTarget: [], extraInTarget: [], different: [] });
  });

  it('exits 2 for an unknown table, different key schemas, or --segment-range without --segments', async () => {
    const s = await setup();
    const unknown = await cli(['verify', ...withTarget(s.base, 'nope')], s.env);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/target table "nope" does not exist/);

    const other = await createTable(s.targetClient, { partitionKey: 'pk' });
    const mismatch = await cli(['verify', ...withTarget(s.base, other.name)], s.env);
    expect(mismatch.code).toBe(2);
    expect(mismatch.stderr).toMatch(/primary keys differ/);

    const range = await cli(['verify', ...s.base, '--segment-range', '0-1'], s.env);
    expect(range.code).toBe(2);
    expect(range.stderr).toMatch(/--segment-range needs --segments/);
  });
});
