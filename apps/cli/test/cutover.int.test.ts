import {
  GetResourcePolicyCommand,
  GetItemCommand,
  PutItemCommand,
  PutResourcePolicyCommand,
} from '@aws-sdk/client-dynamodb';
import { compareTables } from '@ddb-migrate/test-kit';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli, createFixture, type MigrationFixture, migrateLocal, sideArgs } from './migrate-fixtures.js';

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
  }, 300_000);

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
  }, 300_000);

  it('--reverse keeps the source current after the switch; rollback brings the application back with 0 differences; finish lifts every freeze', async () => {
    const fx = await createFixture({ items: 20 });
    await migrateLocal(fx);
    await verifyRecorded(fx);
    const cutover = await cli(
      ['cutover', ...sideArgs(fx), '--reverse', '--stop-after-idle', '2', ...FAST],
      fx.env,
    );
    expect(cutover.code, cutover.stderr).toBe(0);
    const out = JSON.parse(cutover.stdout);
    expect(out.outcome).toBe('switched');
    expect(out.record.reverse.streamArn).toMatch(/stream/);
    // The application now writes to the target: a new key, a changed one, a deleted one.
    const key = (pk: string) => ({ pk: { S: pk } });
    const [changed, deleted] = [fx.items[0]?.pk, fx.items[1]?.pk] as { S: string }[];
    await fx.tgt.send(
      new PutItemCommand({ TableName: fx.targetTable, Item: { pk: { S: 'after-switch' }, v: { N: '7' } } }),
    );
    await fx.tgt.send(
      new PutItemCommand({ TableName: fx.targetTable, Item: { pk: changed as never, v: { N: '8' } } }),
    );
    const { DeleteItemCommand } = await import('@aws-sdk/client-dynamodb');
    await fx.tgt.send(new DeleteItemCommand({ TableName: fx.targetTable, Key: { pk: deleted as never } }));

    // Running cutover again after the switch replicates target -> source (the way back stays open).
    const again = await cli(
      ['cutover', ...sideArgs(fx), '--reverse', '--stop-after-idle', '2', ...FAST],
      fx.env,
    );
    expect(again.code, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout).replicatedBack.records).toBeGreaterThanOrEqual(3);
    const early = await fx.src.send(
      new GetItemCommand({ TableName: fx.table, Key: key('after-switch'), ConsistentRead: true }),
    );
    expect(early.Item?.v).toEqual({ N: '7' });
    const gone = await fx.src.send(
      new GetItemCommand({ TableName: fx.table, Key: { pk: deleted as never }, ConsistentRead: true }),
    );
    expect(gone.Item).toBeUndefined();
    await fx.tgt.send(
      new PutItemCommand({ TableName: fx.targetTable, Item: { pk: { S: 'before-rollback' } } }),
    );

    const rollback = await cli(['rollback', ...sideArgs(fx), ...FAST], fx.env);

    expect(rollback.code, rollback.stderr).toBe(0);
    const back = JSON.parse(rollback.stdout);
    expect(back.outcome).toBe('switched');
    expect(back.record.direction).toBe('back');
    expect(back.record.proof).toMatchObject({ mode: 'changed', differences: 0 });
    expect(back.record.proof.checked).toBeGreaterThanOrEqual(3);
    const after = await fx.src.send(
      new GetItemCommand({ TableName: fx.table, Key: key('after-switch'), ConsistentRead: true }),
    );
    expect(after.Item?.v).toEqual({ N: '7' });
    expect(await compareTables(fx.src, fx.table, fx.tgt, fx.targetTable)).toMatchObject({
      missingInTarget: [],
      extraInTarget: [],
      different: [],
    });
    // The source is writable again (its freeze lifted: it had no policy of its own); the target is frozen.
    expect(await tablePolicy(fx)).toBeNull();
    const targetArn = `arn:aws:dynamodb:${fx.sides.target.region}:${fx.sides.targetAccount}:table/${fx.targetTable}`;
    const targetPolicy = await fx.tgt.send(new GetResourcePolicyCommand({ ResourceArn: targetArn }));
    expect(targetPolicy.Policy).toContain('DdbMigrateFreezeWrites');

    const finish = await cli(['finish', ...sideArgs(fx), '--output', 'json'], fx.env);
    expect(finish.code, finish.stderr).toBe(0);
    expect(JSON.parse(finish.stdout).removed.join('\n')).toMatch(/freeze on the target table/);
    await expect(fx.tgt.send(new GetResourcePolicyCommand({ ResourceArn: targetArn }))).rejects.toMatchObject(
      {
        name: 'PolicyNotFoundException',
      },
    );
  }, 300_000);

  it('a failing --exec hook stops before the switch (exit 3, its exit code recorded); the error and status name the freeze and the command that lifts it; a re-run with a working hook switches', async () => {
    const fx = await createFixture({ items: 10 });
    await migrateLocal(fx);
    await verifyRecorded(fx);
    const failed = await cli(
      ['cutover', ...sideArgs(fx), '--exec', 'echo flipping >&2; exit 7', ...FAST],
      fx.env,
    );

    expect(failed.code, failed.stderr).toBe(3);
    const error = JSON.parse(failed.stdout).error;
    expect(error.code).toBe('SWITCH_HOOK_FAILED');
    expect(error.message).toMatch(/exited with 7/);
    expect(error.message).toMatch(
      /stay frozen; lift the freeze with: ddb-migrate cutover --abort .*--source-table-name/,
    );
    expect(failed.stderr).toContain('flipping');
    expect(fx.readState()?.cutover).toMatchObject({ status: 'proved', hook: { exitCode: 7 } });
    expect(await tablePolicy(fx)).toContain('DdbMigrateFreezeWrites');
    const status = await cli(['status', '--state-dir', fx.stateDir], fx.env);
    expect(status.stdout).toMatch(/FROZEN\s+arn:aws:dynamodb:.*lift with: ddb-migrate cutover --abort/);

    const marker = join(fx.stateDir, 'switched-at');
    const ok = await cli(
      ['cutover', ...sideArgs(fx), '--exec', `printf %s "$DDB_MIGRATE_SWITCHED_AT" > ${marker}`, ...FAST],
      fx.env,
    );
    expect(ok.code, ok.stderr).toBe(0);
    const out = JSON.parse(ok.stdout);
    expect(out.record.hook).toMatchObject({ exitCode: 0 });
    expect(readFileSync(marker, 'utf8')).toBe(out.switchedAt);
  }, 300_000);

  it('--freeze none puts no policy and still fences and proves; bad flags are one line on stderr, exit 2, nothing changed', async () => {
    const fx = await createFixture({ items: 10 });
    await migrateLocal(fx);
    await verifyRecorded(fx);
    for (const bad of [
      ['--allow-principal', 'not-an-arn'],
      ['--freeze', 'ice'],
      ['--fence-key', '{"pk":'],
      ['--verify', 'some'],
    ]) {
      const run = await cli(['cutover', ...sideArgs(fx), ...bad, '--yes'], fx.env);
      expect(run.code, bad.join(' ')).toBe(2);
      expect(run.stderr.trim().split('\n'), bad.join(' ')).toHaveLength(1);
    }
    const wrongKey = await cli(
      ['cutover', ...sideArgs(fx), '--fence-key', '{"id":{"S":"x"}}', ...FAST],
      fx.env,
    );
    expect(wrongKey.code).toBe(2);
    expect(JSON.parse(wrongKey.stdout).error.message).toMatch(/fence-key does not fit the table's key/);
    expect(fx.readState()?.cutover).toBeUndefined();
    expect(await tablePolicy(fx)).toBeNull();

    const run = await cli(['cutover', ...sideArgs(fx), '--freeze', 'none', ...FAST], fx.env);

    expect(run.code, run.stderr).toBe(0);
    const out = JSON.parse(run.stdout);
    expect(out.record.freeze).toEqual({ mode: 'none', inForceAt: expect.any(String) });
    expect(out.record.fence.removedAt).toBeTruthy();
    expect(out.record.proof.differences).toBe(0);
    expect(await tablePolicy(fx)).toBeNull();
  }, 300_000);
});
