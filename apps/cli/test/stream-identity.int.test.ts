import { DescribeTableCommand, UpdateTableCommand } from '@aws-sdk/client-dynamodb';
import { CreateEventSourceMappingCommand, CreateFunctionCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { IAMClient } from '@aws-sdk/client-iam';
import { createLambdaRole, storedZip, uniqueName } from '@ddb-migrate/test-kit';
import type { MigrationState } from '@ddb-migrate/migration';
import { describe, expect, it } from 'vitest';
import { cli, createFixture, type MigrationFixture } from './migrate-fixtures.js';
import { migrateInProcess as migrate } from './support/migrate-in-process.js';

/** Runs migrate in-process; `afterSave` may change the world between steps (as infrastructure code would). */
async function migrateInProcess(
  fx: MigrationFixture,
  extra: string[],
  afterSave: (s: Readonly<MigrationState>) => Promise<void>,
) {
  return migrate([...fx.args, ...extra], fx.env, { onStateSaved: afterSave });
}

/** UpdateTable StreamEnabled=false (moto keeps LatestStreamArn and reports StreamEnabled false, as AWS does). */
async function disableStream(fx: MigrationFixture): Promise<void> {
  await fx.src.send(
    new UpdateTableCommand({ TableName: fx.table, StreamSpecification: { StreamEnabled: false } }),
  );
}

describe('migrate stops when the recorded stream is gone (moto, two accounts)', () => {
  it('stops before local CDC when the stream was disabled during the load, and the resume is refused in preflight', async () => {
    const fx = await createFixture({ items: 40, motoImportSafe: true });
    let disabled = false;
    const run = migrateInProcess(fx, ['--cdc-mode', 'local', '--stop-after-idle', '2'], async (s) => {
      if (!disabled && s.load?.status === 'done') {
        disabled = true;
        await disableStream(fx);
      }
    });
    await expect(run).rejects.toMatchObject({ code: 'STREAM_DISABLED' });
    const state = fx.readState();
    const recorded = state?.stream?.streamArn ?? '';
    expect(recorded).not.toBe('');
    expect(state?.cdc).toBeUndefined();

    const again = await cli(
      [...fx.args, 'migrate', '--cdc-mode', 'local', '--stop-after-idle', '2', '--yes'],
      fx.env,
    );
    expect(again.code, again.stderr).toBe(2);
    expect(again.stderr).toContain(recorded);
    expect(again.stderr).toMatch(/verify --repair/);
    expect(fx.readState()?.cdc).toBeUndefined();
  });

  it('refuses local mode in preflight while an event source mapping reads the source stream', async () => {
    const fx = await createFixture({
      items: 10,
      motoImportSafe: true,
      table: { stream: 'NEW_AND_OLD_IMAGES' },
    });
    const streamArn = (await fx.src.send(new DescribeTableCommand({ TableName: fx.table }))).Table
      ?.LatestStreamArn;
    const iam = new IAMClient(fx.sides.source);
    const role = await createLambdaRole(iam);
    iam.destroy();
    const lambda = new LambdaClient(fx.sides.source);
    const name = uniqueName('reader');
    await lambda.send(
      new CreateFunctionCommand({
        FunctionName: name,
        Runtime: 'nodejs20.x',
        Handler: 'index.handler',
        Role: role,
        Code: { ZipFile: storedZip({ 'index.mjs': 'export const handler = async () => ({});\n' }) },
      }),
    );
    const mapping = await lambda.send(
      new CreateEventSourceMappingCommand({
        FunctionName: name,
        EventSourceArn: streamArn,
        StartingPosition: 'TRIM_HORIZON',
      }),
    );
    const run = await cli(
      [...fx.args, 'migrate', '--cdc-mode', 'local', '--stop-after-idle', '2', '--yes'],
      fx.env,
    );
    expect(run.code, run.stderr).toBe(2);
    expect(run.stderr).toContain(mapping.UUID ?? 'no uuid');
    expect(fx.readState()).toBeUndefined();
  });
});
