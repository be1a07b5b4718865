import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DynamoDBClient,
  GetResourcePolicyCommand,
  PutItemCommand,
  PutResourcePolicyCommand,
  UpdateContinuousBackupsCommand,
} from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import {
  abortCutover,
  applyCutover,
  applyMigration,
  type CutoverInput,
  DEFAULT_CUTOVER_OPTIONS,
  type MigrationState,
  openCutoverClients,
  planCutover,
  planMigration,
  recordVerify,
  StateStore,
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

/** A migrated table pair (write load, local CDC), a clean verify recorded, and an owner's policy on the source. */
async function migrated() {
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
  await putItems(src, table, generateItems(20, { seed: 3 }));
  const bucketName = await createBucket(new S3Client({ ...sides.target, forcePathStyle: true }));
  const stateDir = mkdtempSync(join(tmpdir(), 'ddb-migrate-cutover-'));
  const target = {
    config: sides.target,
    tableName: targetTable,
    accountId: sides.targetAccount,
    access: { kind: 'assume-role' as const, roleArn: sides.targetRoleArn },
  };
  const plan = await planMigration({
    source: { config: sides.source, tableName: table, accountId: sides.sourceAccount },
    target: { ...target, bucketName },
    options: {
      loadMode: 'write',
      cdcMode: 'local',
      stopAfterIdleSeconds: 1,
      stateDir,
      pollSeconds: 1,
      streamSettleSeconds: 0,
    },
  });
  await applyMigration(plan);
  const recorded = await recordVerify(
    stateDir,
    {
      sourceRegion: sides.source.region,
      sourceTableName: table,
      targetRegion: sides.target.region,
      targetTableName: targetTable,
    },
    {
      startedAt: new Date(Date.now() - 1000).toISOString(),
      finishedAt: new Date().toISOString(),
      differences: 0,
      sourceScanned: 20,
      complete: true,
    },
  );
  expect(recorded).toBeTruthy();
  const arn = `arn:aws:dynamodb:${sides.source.region}:${sides.sourceAccount}:table/${table}`;
  const owners = JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      { Sid: 'Owner', Effect: 'Deny', Principal: '*', Action: 'dynamodb:DeleteTable', Resource: arn },
    ],
  });
  await src.send(new PutResourcePolicyCommand({ ResourceArn: arn, Policy: owners }));
  const input: CutoverInput = {
    source: { config: sides.source, tableName: table, accountId: sides.sourceAccount },
    target,
    options: {
      ...DEFAULT_CUTOVER_OPTIONS,
      stateDir,
      freezeSettleSeconds: 0,
      pollMilliseconds: 100,
      fenceTimeoutSeconds: 60,
    },
  };
  const policy = async () => (await src.send(new GetResourcePolicyCommand({ ResourceArn: arn }))).Policy;
  return { sides, src, tgt, table, targetTable, stateDir, input, owners, policy };
}

class Crash extends Error {}

/** Plans and applies a cutover that crashes right after its `at`-th state save (never, without `at`). */
async function cutoverCrashingAt(input: CutoverInput, at?: number) {
  const { clients, destroy } = openCutoverClients(input);
  try {
    const plan = await planCutover(input, { clients, logger: console as never, direction: 'forward' });
    let saves = 0;
    return await applyCutover(plan, {
      clients,
      onStateSaved: () => {
        saves += 1;
        if (saves === at) throw new Crash(`crash after save ${at}`);
      },
    });
  } finally {
    destroy();
  }
}

async function abort(input: CutoverInput) {
  const { clients, destroy } = openCutoverClients(input);
  try {
    const plan = await planCutover(input, {
      clients,
      logger: console as never,
      direction: 'forward',
      purpose: 'abort',
    });
    return await abortCutover(plan, { clients });
  } finally {
    destroy();
  }
}

const statusOf = async (input: CutoverInput): Promise<MigrationState['cutover']> => {
  const [state] = await new StateStore(input.options.stateDir).list();
  return state?.cutover;
};

describe('cutover crashes and aborts (moto, local CDC)', () => {
  it("a crash after every save in turn (each re-run crashes after its first save, one step further), converges to a switched cutover with the owner's policy recorded as the original", async () => {
    const fx = await migrated();
    await fx.src.send(new PutItemCommand({ TableName: fx.table, Item: { pk: { S: 'late' } } }));
    const crashedAt: string[] = [];
    let result: Awaited<ReturnType<typeof cutoverCrashingAt>> | undefined;
    for (let run = 1; run < 60 && result === undefined; run += 1) {
      try {
        result = await cutoverCrashingAt(fx.input, 1);
      } catch (error) {
        if (!(error instanceof Crash)) throw error;
        crashedAt.push((await statusOf(fx.input))?.status ?? 'none');
      }
    }
    expect(result?.outcome, crashedAt.join(' ')).toBe('switched');
    // Every step was crashed in at least once.
    expect(new Set(crashedAt)).toEqual(
      new Set(['freezing', 'frozen', 'fencing', 'fenced', 'proving', 'proved', 'switched']),
    );
    expect(result?.record.freeze.originalPolicy).toBe(fx.owners);
    expect(await compareTables(fx.src, fx.table, fx.tgt, fx.targetTable)).toMatchObject({
      missingInTarget: [],
      extraInTarget: [],
      different: [],
    });
    await abort(fx.input);
    expect(await fx.policy()).toBe(fx.owners);
  });

  it("--abort after a crash at any step leaves the source writable with the owner's policy back, byte for byte", async () => {
    const fx = await migrated();
    const seen = new Set<string>();
    for (let at = 1; at < 40; at += 1) {
      let crashed = false;
      try {
        await cutoverCrashingAt(fx.input, at);
      } catch (error) {
        if (!(error instanceof Crash)) throw error;
        crashed = true;
      }
      seen.add((await statusOf(fx.input))?.status ?? 'none');
      const result = await abort(fx.input);
      expect(await fx.policy()).toBe(fx.owners);
      expect((await statusOf(fx.input))?.status).toBe('aborted');
      expect(result.freeze === 'lifted' || result.freeze === 'not-frozen').toBe(true);
      // The policy in force is the owner's again: no write is denied by the freeze.
      if (!crashed) break;
    }
    expect([...seen]).toEqual(
      expect.arrayContaining(['freezing', 'frozen', 'fencing', 'fenced', 'proving', 'switched']),
    );
  });
});
