import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient, UpdateContinuousBackupsCommand } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import {
  compareTables,
  createBucket,
  createTable,
  isolatedSides,
  motoEndpoint,
  putItems,
  sideEnv,
  uniqueName,
} from '@ddb-migrate/test-kit';
import { describe, expect, it } from 'vitest';
import { cli, plainItems } from './migrate-fixtures.js';

/** A valid DynamoDB table name of exactly 255 characters (the longest allowed). */
const name255 = (prefix: string) => {
  const base = `${uniqueName(prefix)}-`;
  return `${base}${'x'.repeat(255 - base.length)}`;
};

describe('tables with the longest names DynamoDB allows (255 characters)', () => {
  it('migrates between two 255-character tables with local CDC, and status lists the migration', async () => {
    const sides = isolatedSides();
    const src = new DynamoDBClient(sides.source);
    const tgt = new DynamoDBClient(sides.target);
    const table = name255('src');
    const targetTable = name255('dst');
    await createTable(src, { name: table });
    await src.send(
      new UpdateContinuousBackupsCommand({
        TableName: table,
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      }),
    );
    await putItems(src, table, plainItems(60));
    const bucket = await createBucket(new S3Client({ ...sides.target, forcePathStyle: true }));
    const env = { ...(await sideEnv(sides.source)), AWS_ENDPOINT_URL: motoEndpoint() };
    const stateDir = mkdtempSync(join(tmpdir(), 'ddb-migrate-long-'));
    const args = [
      '--source-region',
      sides.source.region,
      '--source-table-name',
      table,
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
      '--stream-settle-seconds',
      '0',
      '--cdc-mode',
      'local',
      '--stop-after-idle',
      '2',
    ];

    const run = await cli(['migrate', ...args, '--yes'], env);
    expect(run.stderr).not.toMatch(/^Error/m);
    expect(run.code).toBe(0);
    const files = readdirSync(stateDir);
    const stateFiles = files.filter((f) => f.endsWith('.json') && !f.endsWith('.cdc-checkpoint.json'));
    expect(stateFiles).toHaveLength(1);
    expect(files.some((f) => f.endsWith('.cdc-checkpoint.json'))).toBe(true);
    for (const f of files) expect(Buffer.byteLength(f)).toBeLessThanOrEqual(255);
    const diff = await compareTables(src, table, tgt, targetTable);
    expect(diff.missingInTarget.length + diff.extraInTarget.length + diff.different.length).toBe(0);

    const status = await cli(['status', '--state-dir', stateDir, '--output', 'json'], env);
    expect(status.code, status.stderr).toBe(0);
    const doc = JSON.parse(status.stdout) as {
      migrations: { key: { sourceTableName: string; targetTableName: string }; lastStep: string }[];
    };
    expect(doc.migrations).toEqual([
      expect.objectContaining({
        key: expect.objectContaining({ sourceTableName: table, targetTableName: targetTable }),
        lastStep: 'completed',
      }),
    ]);

    // The re-run finds the same state (a resume, not a second migration).
    const again = await cli(['plan', ...args, '--output', 'json'], env);
    expect(again.code, again.stderr).toBe(0);
    expect((JSON.parse(again.stdout) as { resume?: { lastStep: string } }).resume?.lastStep).toBe(
      'completed',
    );
    src.destroy();
    tgt.destroy();
  });
});
