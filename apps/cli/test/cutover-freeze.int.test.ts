import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { assumeRoleCredentials } from '@ddb-migrate/core';
import {
  compareTables,
  createPolicyEnforcer,
  motoEndpoint,
  resolveCredentials,
  roleArn,
  startFaultProxy,
} from '@ddb-migrate/test-kit';
import { afterAll, describe, expect, it } from 'vitest';
import { cli, createFixture, migrateLocal, sideArgs } from './migrate-fixtures.js';

// moto stores resource policies and enforces none: the fault proxy's authorize hook evaluates the
// table's policy for every write (test-kit's policy enforcer, a model of DynamoDB's enforcement
// with a propagation delay), so a freeze really refuses the application's writes here.
describe('cutover under a live writer (policy enforcement modelled in the fault proxy)', () => {
  const cleanup: (() => Promise<void> | void)[] = [];
  afterAll(async () => {
    for (const c of cleanup.reverse()) await c();
  });

  it('the writer keeps writing until the freeze refuses it; the fence arrives, the proof finds 0 differences and no acknowledged write is lost', async () => {
    const fx = await createFixture({ items: 30 });
    await migrateLocal(fx);
    const side = sideArgs(fx);
    const verify = await cli(['verify', ...side, '--recheck-attempts', '0'], fx.env);
    expect(verify.code, verify.stderr).toBe(0);

    // The application: its own role in the source account, never exempt from the freeze.
    const appRole = roleArn(fx.sides.sourceAccount, 'app-writer');
    const app = await resolveCredentials(
      assumeRoleCredentials(fx.sides.source, { roleArn: appRole, sessionName: 'app' }),
    );
    const tool = { accessKeyId: fx.env.AWS_ACCESS_KEY_ID as string };
    const enforcer = createPolicyEnforcer({
      motoEndpoint: motoEndpoint(),
      propagationMs: 1500,
      principals: (key) =>
        key === app.accessKeyId
          ? `arn:aws:sts::${fx.sides.sourceAccount}:assumed-role/app-writer/app`
          : key === tool.accessKeyId
            ? `arn:aws:sts::${fx.sides.sourceAccount}:assumed-role/ddb-migrate-test-source/isolated-source`
            : // The tool's target-side credentials (assumed in-process): the target role.
              fx.sides.targetRoleArn,
    });
    const proxy = await startFaultProxy({ target: motoEndpoint(), authorize: enforcer.authorize });
    cleanup.push(
      () => proxy.close(),
      () => enforcer.close(),
    );
    // The probe signs as the application (a profile with its keys).
    const dir = mkdtempSync(join(tmpdir(), 'ddb-migrate-probe-'));
    writeFileSync(
      join(dir, 'credentials'),
      `[app]\naws_access_key_id = ${app.accessKeyId}\naws_secret_access_key = ${app.secretAccessKey}\n${app.sessionToken ? `aws_session_token = ${app.sessionToken}\n` : ''}`,
    );
    process.env.AWS_SHARED_CREDENTIALS_FILE = join(dir, 'credentials');
    process.env.AWS_CONFIG_FILE = join(dir, 'config');
    writeFileSync(join(dir, 'config'), '');

    const writer = new DynamoDBClient({
      region: fx.sides.source.region,
      endpoint: proxy.endpoint,
      credentials: app,
      maxAttempts: 1,
    });
    const acknowledged = new Map<string, number>();
    const refused: string[] = [];
    const other: string[] = [];
    let stop = false;
    const writing = (async () => {
      for (let n = 0; !stop && refused.length < 20; n += 1) {
        const pk = `w-${n % 7}`;
        try {
          await writer.send(
            new PutItemCommand({ TableName: fx.table, Item: { pk: { S: pk }, n: { N: String(n) } } }),
          );
          acknowledged.set(pk, n);
        } catch (error) {
          if ((error as Error).name !== 'AccessDeniedException')
            other.push(`${(error as Error).name}: ${(error as Error).message}`);
          else refused.push(pk);
        }
        await new Promise((r) => setTimeout(r, 20));
      }
    })();
    cleanup.push(() => {
      stop = true;
      writer.destroy();
    });
    await new Promise((r) => setTimeout(r, 500));
    const run = await cli(
      [
        'cutover',
        ...side,
        '--endpoint-url',
        proxy.endpoint,
        '--probe-profile',
        'app',
        '--poll-milliseconds',
        '200',
        '--yes',
        '--output',
        'json',
      ],
      fx.env,
    );
    stop = true;
    await writing;

    expect(other).toEqual([]);
    expect(run.code, run.stderr).toBe(0);
    const out = JSON.parse(run.stdout);
    expect(out.outcome).toBe('switched');
    expect(out.record.freeze.probe).toBe('refused');
    expect(out.record.proof.differences).toBe(0);
    expect(acknowledged.size).toBeGreaterThan(0);
    expect(refused.length).toBeGreaterThan(0);
    expect(enforcer.stats().denied).toBeGreaterThanOrEqual(refused.length);
    // Every acknowledged write is in the target with its last acknowledged value; refused ones nowhere.
    for (const [pk, n] of acknowledged) {
      const got = await fx.tgt.send(
        new GetItemCommand({ TableName: fx.targetTable, Key: { pk: { S: pk } }, ConsistentRead: true }),
      );
      expect(got.Item?.n, pk).toEqual({ N: String(n) });
    }
    expect(await compareTables(fx.src, fx.table, fx.tgt, fx.targetTable)).toMatchObject({
      missingInTarget: [],
      extraInTarget: [],
      different: [],
    });
  }, 400_000); // migrate, verify and a cutover under a writer: minutes on a loaded 2-core machine
});
