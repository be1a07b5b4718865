import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { createTable, isolatedSides, sideEnv } from '@ddb-migrate/test-kit';
import { describe, expect, it } from 'vitest';
import { cli } from './support/run-cli.js';

/** A source table and a target table in two accounts; the env names the source side (AWS_REGION too). */
async function twoTables(stream: 'NEW_AND_OLD_IMAGES' | false = false) {
  const sides = isolatedSides();
  const sourceClient = new DynamoDBClient(sides.source);
  const targetClient = new DynamoDBClient(sides.target);
  const source = await createTable(sourceClient, { stream });
  const target = await createTable(targetClient, { stream: false });
  const env = await sideEnv(sides.source);
  const put = (client: DynamoDBClient, table: string, pk: string, v: string) =>
    client.send(new PutItemCommand({ TableName: table, Item: { pk: { S: pk }, v: { S: v } } }));
  const tables = [
    '--source-table-name',
    source.name,
    '--target-table-name',
    target.name,
    '--target-role-arn',
    sides.targetRoleArn,
  ];
  return { sides, sourceClient, targetClient, source, target, env, put, tables };
}

describe('verify lists the differing keys and says what to do', () => {
  it('JSON without --report lists each differing key (never a value), and the text names cdc run and --repair', async () => {
    const t = await twoTables();
    await t.put(t.sourceClient, t.source.name, 'same', 'x');
    await t.put(t.targetClient, t.target.name, 'same', 'x');
    await t.put(t.sourceClient, t.source.name, 'changed', 'secret-new');
    await t.put(t.targetClient, t.target.name, 'changed', 'secret-old');
    await t.put(t.sourceClient, t.source.name, 'missing', 'secret');
    const args = ['verify', '--source-region', 'us-east-1', ...t.tables, '--recheck-attempts', '0'];

    const json = await cli([...args, '--output', 'json'], t.env);
    const text = await cli(args, t.env);

    expect(json.code, json.stderr).toBe(1);
    const doc = JSON.parse(json.stdout);
    expect(doc.differences).toBe(2);
    expect(doc.differencesListed).toBe(2);
    expect(doc.differingKeys).toEqual(
      expect.arrayContaining([
        { kind: 'different', key: { pk: { S: 'changed' } }, attributes: ['v'] },
        { kind: 'missing_in_target', key: { pk: { S: 'missing' } }, attributes: expect.any(Array) },
      ]),
    );
    expect(json.stdout).not.toContain('secret');
    expect(doc.nextSteps.join('\n')).toMatch(/ddb-migrate cdc run --source-region us-east-1 /);
    expect(text.code).toBe(1);
    expect(text.stdout).toMatch(/different\s+\{"pk":\{"S":"changed"\}\}/);
    expect(text.stdout).toMatch(/Next:[\s\S]*ddb-migrate cdc run [\s\S]*ddb-migrate verify .*--repair/);
    expect(text.stdout).not.toContain('secret');
  });

  it('--show-values puts the values in the JSON list', async () => {
    const t = await twoTables();
    await t.put(t.sourceClient, t.source.name, 'missing', 'shown');
    const run = await cli(
      [
        'verify',
        '--source-region',
        'us-east-1',
        ...t.tables,
        '--recheck-attempts',
        '0',
        '--show-values',
        '--output',
        'json',
      ],
      t.env,
    );
    expect(JSON.parse(run.stdout).differingKeys[0].source).toEqual({
      pk: { S: 'missing' },
      v: { S: 'shown' },
    });
  });
});

describe('the source side from --region or AWS_REGION (AWS CLI convention)', () => {
  it('verify finds the tables with AWS_REGION, or --region, and no --source-region', async () => {
    const t = await twoTables();

    const fromEnv = await cli(['verify', ...t.tables, '--recheck-attempts', '0'], {
      ...t.env,
      AWS_REGION: 'us-east-1',
    });
    const fromFlag = await cli(['verify', ...t.tables, '--region', 'us-east-1', '--recheck-attempts', '0'], {
      ...t.env,
      AWS_REGION: '',
      AWS_DEFAULT_REGION: '',
    });

    expect(fromEnv.code, fromEnv.stderr).toBe(0);
    expect(fromFlag.code, fromFlag.stderr).toBe(0);
  });
});

describe('cdc run on a stream it has caught up with', () => {
  it('reports lag 0 ("caught up"), not the age of the last record, and how to keep the target in sync', async () => {
    const t = await twoTables('NEW_AND_OLD_IMAGES');
    await t.put(t.sourceClient, t.source.name, 'a', '1');
    await t.put(t.sourceClient, t.source.name, 'b', '2');
    // The records are a few seconds old when cdc run reads them.
    await new Promise((r) => setTimeout(r, 3000));
    const stateDir = await mkdtemp(join(tmpdir(), 'cdc-lag-'));
    const args = [
      'cdc',
      'run',
      '--source-region',
      'us-east-1',
      ...t.tables,
      '--stop-after-idle',
      '1',
      '--state-dir',
      stateDir,
    ];

    const text = await cli(args, t.env);
    await t.put(t.sourceClient, t.source.name, 'c', '3');
    await new Promise((r) => setTimeout(r, 3000));
    const json = await cli([...args, '--output', 'json'], t.env);

    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/2 records/);
    expect(text.stdout).toMatch(/; caught up/);
    expect(text.stdout).not.toMatch(/lag \d/);
    expect(text.stdout).toMatch(
      /CDC has stopped: the target is no longer kept in sync[\s\S]*ddb-migrate cdc run /,
    );
    expect(JSON.parse(json.stdout)).toMatchObject({
      records: 1,
      lagMs: 0,
      keptInSync: false,
      checkpointOf: 'cdc',
    });
  });

  it('Ctrl-C stops it with exit 0 and the command that resumes it', async () => {
    const t = await twoTables('NEW_AND_OLD_IMAGES');
    await t.put(t.sourceClient, t.source.name, 'a', '1');
    const stateDir = await mkdtemp(join(tmpdir(), 'cdc-sigint-'));
    const run = cli(
      ['cdc', 'run', '--source-region', 'us-east-1', ...t.tables, '--state-dir', stateDir],
      t.env,
    );
    await new Promise((r) => setTimeout(r, 4000));
    expect(process.listenerCount('SIGINT')).toBeGreaterThan(0);

    process.emit('SIGINT');
    const stopped = await run;

    expect(stopped.code, stopped.stderr).toBe(0);
    expect(stopped.stdout).toMatch(/stopped \(aborted\)/);
    expect(stopped.stdout).toMatch(/Resume with[^\n]*:\n {2}ddb-migrate cdc run --source-region us-east-1 /);
  });
});
