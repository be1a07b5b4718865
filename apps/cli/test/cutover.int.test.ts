import {
  GetResourcePolicyCommand,
  GetItemCommand,
  PutItemCommand,
  PutResourcePolicyCommand,
} from '@aws-sdk/client-dynamodb';
import { compareTables } from '@ddb-migrate/test-kit';
import { describe, expect, it } from 'vitest';
import { cli, createFixture, type MigrationFixture } from './migrate-fixtures.js';

/** The side flags (and state dir) cutover, rollback and finish take: migrate's without its own. */
function sideArgs(fx: MigrationFixture): string[] {
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

async function migrateLocal(fx: MigrationFixture): Promise<void> {
  const run = await cli(
    [...fx.args, 'migrate', '--load-mode', 'write', '--cdc-mode', 'local', '--stop-after-idle', '2', '--yes'],
    fx.env,
  );
  expect(run.code, run.stderr).toBe(0);
}

async function verifyRecorded(fx: MigrationFixture): Promise<void> {
  const run = await cli(['verify', ...sideArgs(fx), '--recheck-attempts', '0', '--output', 'json'], fx.env);
  expect(run.code, run.stderr).toBe(0);
  expect(JSON.parse(run.stdout).recordedIn).toMatch(/\.json$/);
}

async function tablePolicy(fx: MigrationFixture): Promise<string | null> {
  const arn = `arn:aws:dynamodb:${fx.sides.source.region}:${fx.sides.sourceAccount}:table/${fx.table}`;
  try {
    return (await fx.src.send(new GetResourcePolicyCommand({ ResourceArn: arn }))).Policy ?? null;
  } catch (error) {
    if ((error as Error).name === 'PolicyNotFoundException') return null;
    throw error;
  }
}

const FAST = ['--freeze-settle-seconds', '0', '--poll-milliseconds', '200', '--yes', '--output', 'json'];

describe('cutover (local CDC on moto)', () => {
  it('refuses without a recorded clean verify, changing nothing (exit 2)', async () => {
    const fx = await createFixture({ items: 20 });
    await migrateLocal(fx);
    const run = await cli(['cutover', ...sideArgs(fx), ...FAST], fx.env);
    expect(run.code, run.stdout).toBe(2);
    expect(JSON.parse(run.stdout).error.code).toBe('VERIFY_NOT_RECORDED');
    expect(await tablePolicy(fx)).toBeNull();
    expect(fx.readState()?.cutover).toBeUndefined();
  });

  it("freezes with a policy merged into the owner's, drains a change made after CDC stopped, proves and switches; abort afterwards restores the owner's policy byte for byte", async () => {
    const fx = await createFixture({ items: 20 });
    await migrateLocal(fx);
    await verifyRecorded(fx);
    const arn = `arn:aws:dynamodb:${fx.sides.source.region}:${fx.sides.sourceAccount}:table/${fx.table}`;
    const owners = JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        {
          Sid: 'OwnerReader',
          Effect: 'Allow',
          Principal: { AWS: `arn:aws:iam::${fx.sides.sourceAccount}:root` },
          Action: 'dynamodb:GetItem',
          Resource: arn,
        },
      ],
    });
    await fx.src.send(new PutResourcePolicyCommand({ ResourceArn: arn, Policy: owners }));
    // Written after migrate's local CDC stopped: only cutover's own drain can deliver it.
    await fx.src.send(
      new PutItemCommand({ TableName: fx.table, Item: { pk: { S: 'late-change' }, v: { N: '1' } } }),
    );

    const run = await cli(['cutover', ...sideArgs(fx), ...FAST], fx.env);

    expect(run.code, run.stderr).toBe(0);
    const out = JSON.parse(run.stdout);
    expect(out.outcome).toBe('switched');
    expect(Date.parse(out.switchedAt)).toBeGreaterThan(0);
    expect(out.record.freeze).toMatchObject({ mode: 'policy', probe: 'unverified', originalPolicy: owners });
    expect(out.record.proof).toMatchObject({ mode: 'changed', differences: 0 });
    expect(out.record.proof.checked).toBeGreaterThanOrEqual(1);
    expect(out.record.fence.seenAt).toBeTruthy();
    const frozen = JSON.parse((await tablePolicy(fx)) as string);
    expect(frozen.Statement[0]).toEqual(JSON.parse(owners).Statement[0]);
    expect(frozen.Statement.map((s: { Sid: string }) => s.Sid)).toEqual([
      'OwnerReader',
      'DdbMigrateFreezeWrites',
    ]);
    const late = await fx.tgt.send(
      new GetItemCommand({
        TableName: fx.targetTable,
        Key: { pk: { S: 'late-change' } },
        ConsistentRead: true,
      }),
    );
    expect(late.Item?.v).toEqual({ N: '1' });
    expect(await compareTables(fx.src, fx.table, fx.tgt, fx.targetTable)).toMatchObject({
      sourceCount: 21,
      targetCount: 21,
      missingInTarget: [],
      extraInTarget: [],
      different: [],
    });

    const aborted = await cli(['cutover', ...sideArgs(fx), '--abort', '--output', 'json'], fx.env);
    expect(aborted.code, aborted.stderr).toBe(0);
    expect(JSON.parse(aborted.stdout).abort.freeze).toBe('lifted');
    expect(await tablePolicy(fx)).toBe(owners);
  });
});
