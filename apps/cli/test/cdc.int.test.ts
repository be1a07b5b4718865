import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeleteItemCommand, DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { batchWrite } from '@ddb-migrate/core';
import { createTable, expectTablesEqual, generateItems, isolatedSides, sideEnv } from '@ddb-migrate/test-kit';
import { describe, expect, it } from 'vitest';
import { cli } from './support/run-cli.js';

async function setup(stream: 'NEW_AND_OLD_IMAGES' | false = 'NEW_AND_OLD_IMAGES') {
  const sides = isolatedSides();
  const sourceClient = new DynamoDBClient(sides.source);
  const targetClient = new DynamoDBClient(sides.target);
  const source = await createTable(sourceClient, { stream });
  const target = await createTable(targetClient, { stream: false });
  const env = await sideEnv(sides.source);
  const checkpointDir = await mkdtemp(join(tmpdir(), 'cdc-cli-'));
  const args = [
    'cdc',
    'run',
    '--source-region',
    'us-east-1',
    '--source-table-name',
    source.name,
    '--target-table-name',
    target.name,
    '--target-role-arn',
    sides.targetRoleArn,
    '--checkpoint-dir',
    checkpointDir,
    '--stop-after-idle',
    '1',
  ];
  return { sourceClient, targetClient, source, target, env, args };
}

describe('ddb-migrate cdc run', () => {
  it('applies the stream to the target, prints one JSON document, and resumes from its checkpoint', async () => {
    const s = await setup();
    const items = generateItems(60, { seed: 4 });
    await batchWrite(
      s.sourceClient,
      items.map((item) => ({ type: 'put' as const, item })),
      { tableName: s.source.name, keyNames: { partitionKey: 'pk' } },
    );
    await s.sourceClient.send(
      new DeleteItemCommand({ TableName: s.source.name, Key: { pk: items[0]?.pk as never } }),
    );

    const first = await cli([...s.args, '--output', 'json'], s.env);

    expect(first.code, first.stderr).toBe(0);
    const doc = JSON.parse(first.stdout);
    expect(doc).toMatchObject({ stoppedBy: 'idle', records: 61, dlq: 0, failed: 0, fetchOnChange: false });
    await expectTablesEqual(s.sourceClient, s.source.name, s.targetClient, s.target.name);

    await s.sourceClient.send(new PutItemCommand({ TableName: s.source.name, Item: { pk: { S: 'later' } } }));
    const second = await cli([...s.args, '--output', 'json'], s.env);
    expect(second.code).toBe(0);
    expect(JSON.parse(second.stdout)).toMatchObject({ records: 1, applied: 1 });
    await expectTablesEqual(s.sourceClient, s.source.name, s.targetClient, s.target.name);
  });

  it('skips records older than --export-time minus the margin', async () => {
    const s = await setup();
    await s.sourceClient.send(new PutItemCommand({ TableName: s.source.name, Item: { pk: { S: 'old' } } }));
    const exportTime = new Date(Date.now() + 400_000).toISOString();

    const run = await cli([...s.args, '--export-time', exportTime, '--output', 'json'], s.env);

    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ records: 1, skipped: 1, applied: 0 });
  });

  it('refuses a source table without a stream with exit 2', async () => {
    const s = await setup(false);
    const run = await cli(s.args, s.env);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/has no stream enabled/);
  });

  it('refuses a margin below 120 seconds and a malformed export time with exit 2', async () => {
    const s = await setup();
    expect((await cli([...s.args, '--export-time-margin-seconds', '30'], s.env)).code).toBe(2);
    const bad = await cli([...s.args, '--export-time', 'yesterday'], s.env);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--export-time "yesterday"/);
  });
});
