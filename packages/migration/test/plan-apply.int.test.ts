import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient, UpdateContinuousBackupsCommand } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import {
  applyMigration,
  type MigrationClients,
  type MigrationProgress,
  type PlanMigrationInput,
  planMigration,
} from '@ddb-migrate/migration';
import {
  compareTables,
  createBucket,
  createTable,
  generateItems,
  isolatedSides,
  putItems,
  uniqueName,
} from '@ddb-migrate/test-kit';
import { describe, expect, it } from 'vitest';

/** A source table with items and PITR, a bucket in the target account, and the engine's input. */
async function fixture(items: number) {
  const sides = isolatedSides();
  const src = new DynamoDBClient(sides.source);
  const tgt = new DynamoDBClient(sides.target);
  const table = uniqueName('src');
  const targetTable = uniqueName('dst');
  await createTable(src, { name: table });
  await src.send(
    new UpdateContinuousBackupsCommand({
      TableName: table,
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
    }),
  );
  await putItems(src, table, generateItems(items, { seed: 11 }));
  const bucketName = await createBucket(new S3Client({ ...sides.target, forcePathStyle: true }));
  const stateDir = mkdtempSync(join(tmpdir(), 'ddb-migrate-engine-'));
  const input: PlanMigrationInput = {
    source: { config: sides.source, tableName: table, accountId: sides.sourceAccount },
    target: {
      config: sides.target,
      tableName: targetTable,
      accountId: sides.targetAccount,
      access: { kind: 'assume-role', roleArn: sides.targetRoleArn },
      bucketName,
    },
    // moto's exports are exact (it ignores ExportTime), so the +-1 min settle wait buys nothing here.
    options: {
      loadMode: 'write',
      cdcMode: 'local',
      stopAfterIdleSeconds: 1,
      stateDir,
      pollSeconds: 1,
      streamSettleSeconds: 0,
    },
  };
  return { sides, src, tgt, table, targetTable, stateDir, input };
}

describe('planMigration and applyMigration through the package entry (moto, two accounts)', () => {
  it('plans without changing anything, applies the plan with every phase reported from start to end, and a second apply resumes with the same export', async () => {
    const fx = await fixture(300);
    const calls: string[] = [];
    const targetDdb = new DynamoDBClient(fx.sides.target);
    // The injection seam: a client the caller owns, seen by every target DynamoDB call of the plan.
    const counted = {
      send: ((command: { constructor: { name: string } }) => {
        calls.push(command.constructor.name);
        return targetDdb.send(command as never);
      }) as MigrationClients['targetDdb']['send'],
    };

    const plan = await planMigration(fx.input, { clients: { targetDdb: counted } });
    expect(plan).toMatchObject({
      loadMode: 'write',
      cdcMode: 'local',
      bucket: fx.input.target.bucketName,
      source: { account: fx.sides.sourceAccount, table: fx.table, itemCount: 300 },
      target: { account: fx.sides.targetAccount, exists: false },
    });
    expect(plan.resume).toBeUndefined();
    expect(plan.facts).toMatchObject({ loadMode: 'write', replaceLoad: false, pitrEnabled: true });
    expect(calls).toContain('DescribeTableCommand');
    expect(readdirSync(fx.stateDir)).toEqual([]);
    const factsBefore = JSON.stringify(plan.facts);

    const events: MigrationProgress[] = [];
    const result = await applyMigration(plan, { onProgress: (e) => events.push(e) });
    expect(JSON.stringify(plan.facts)).toBe(factsBefore);
    expect(result.state.completedAt).toBeTruthy();
    expect(result.cdc).toMatchObject({ records: 0, stoppedBy: 'idle' });
    expect(existsSync(result.stateFile)).toBe(true);
    expect(JSON.parse(readFileSync(result.stateFile, 'utf8'))).toEqual(
      JSON.parse(JSON.stringify(result.state)),
    );
    // Every phase opens with start and closes with end, in the order of the steps.
    const phases = events.filter((e) => e.type !== 'update').map((e) => `${e.phase}:${e.type}`);
    expect(phases).toEqual(['export:start', 'export:end', 'load:start', 'load:end', 'cdc:start', 'cdc:end']);
    expect(events.find((e) => e.phase === 'export' && e.type === 'end')).toMatchObject({
      outcome: 'completed',
    });
    expect(events.find((e) => e.phase === 'load' && e.type === 'end')).toMatchObject({ items: 300 });
    const diff = await compareTables(fx.src, fx.table, fx.tgt, fx.targetTable);
    expect(diff.missingInTarget.length + diff.extraInTarget.length + diff.different.length).toBe(0);

    const again = await planMigration(fx.input);
    expect(again.resume).toMatchObject({ runId: result.state.runId, lastStep: 'completed' });
    const resumed = await applyMigration(again);
    expect(resumed.state.runId).toBe(result.state.runId);
    expect(resumed.state.export?.exportArn).toBe(result.state.export?.exportArn);
    expect(resumed.stateFile).toBe(result.stateFile);
    targetDdb.destroy();
  });
});
