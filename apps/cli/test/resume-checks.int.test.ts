import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CreateTableCommand, DeleteTableCommand, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import {
  CreateFunctionCommand,
  DeleteEventSourceMappingCommand,
  DeleteFunctionCommand,
  LambdaClient,
} from '@aws-sdk/client-lambda';
import { DeleteObjectsCommand, DeleteBucketCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { DeleteQueueCommand, SQSClient } from '@aws-sdk/client-sqs';
import { IAMClient } from '@aws-sdk/client-iam';
import type { MigrationState } from '@ddb-migrate/migration';
import { createLambdaRole, createQueue, storedZip, uniqueName } from '@ddb-migrate/test-kit';
import { describe, expect, it } from 'vitest';
import { type CliRun, cli, createFixture, type MigrationFixture } from './migrate-fixtures.js';
import { migrateInProcess } from './support/migrate-in-process.js';

/** The migration's state file. */
function stateFile(fx: MigrationFixture): string {
  const [file] = readdirSync(fx.stateDir).filter((f) => f.endsWith('.json') && !f.includes('cdc-checkpoint'));
  return join(fx.stateDir, file ?? '');
}

/** The state file's bytes (a refusal must leave it as it was). */
function stateBytes(fx: MigrationFixture): string {
  return readFileSync(stateFile(fx), 'utf8');
}

/** The one `Error:` line a refusal prints (and that it is the only one). */
function refusalLine(run: CliRun): string {
  expect(run.code, run.stderr).toBe(2);
  const lines = run.stderr.split('\n').filter((l) => l.startsWith('Error'));
  expect(lines, run.stderr).toHaveLength(1);
  return lines[0] ?? '';
}

async function tableNames(fx: MigrationFixture): Promise<string[]> {
  return (await fx.tgt.send(new ListTablesCommand({}))).TableNames ?? [];
}

/** Runs migrate in-process and aborts it (a crash) once `when(state)` holds. */
async function crashWhen(fx: MigrationFixture, when: (s: MigrationState) => boolean, extra: string[]) {
  const controller = new AbortController();
  const run = migrateInProcess([...fx.args, ...extra], fx.env, {
    signal: controller.signal,
    onStateSaved: (s) => {
      if (when(s)) controller.abort(new Error('simulated crash'));
    },
  });
  await expect(run).rejects.toThrow();
}

describe('migrate and plan re-check what the state file records before resuming (exit 2, nothing changed)', () => {
  it('names a deleted target table and a deleted dead-letter queue of a finished migration, then a re-created (empty) target table', async () => {
    const fx = await createFixture({ items: 200, motoImportSafe: true });
    const sqs = new SQSClient(fx.sides.source);
    const dlq = await createQueue(sqs, { name: uniqueName('dlq') });
    const args = [...fx.args, '--cdc-mode', 'local', '--stop-after-idle', '2', '--dlq-url', dlq.url];
    const first = await cli(['migrate', ...args, '--yes'], fx.env);
    expect(first.code, first.stderr).toBe(0);

    await fx.tgt.send(new DeleteTableCommand({ TableName: fx.targetTable }));
    await sqs.send(new DeleteQueueCommand({ QueueUrl: dlq.url }));
    const before = stateBytes(fx);
    for (const command of ['migrate', 'plan']) {
      const line = refusalLine(await cli([command, ...args, '--yes'], fx.env));
      expect(line).toMatch(
        new RegExp(`Target table ${fx.targetTable}, which run \\S+ loaded \\(200 items\\), no longer exists`),
      );
      expect(line).toMatch(/move this migration's state file away \(.*\.json\)/);
      expect(line).toContain(`Dead-letter queue ${dlq.url} is not reachable`);
      expect(line).not.toMatch(/Done|throttl/i);
    }
    expect(stateBytes(fx)).toBe(before);
    expect(await tableNames(fx)).not.toContain(fx.targetTable);

    // Someone creates a new, empty table under the same name: not the table this migration loaded.
    await fx.tgt.send(
      new CreateTableCommand({
        TableName: fx.targetTable,
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
        AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
        BillingMode: 'PAY_PER_REQUEST',
      }),
    );
    // As if the migration had finished an hour ago (the clock allowance is a minute).
    const state = JSON.parse(before) as MigrationState;
    state.updatedAt = new Date(Date.now() - 3_600_000).toISOString();
    writeFileSync(stateFile(fx), `${JSON.stringify(state, null, 2)}\n`);
    const replaced = refusalLine(
      await cli(['migrate', ...fx.args, '--cdc-mode', 'local', '--stop-after-idle', '2', '--yes'], fx.env),
    );
    expect(replaced).toMatch(
      new RegExp(`Target table ${fx.targetTable} was created at \\S+, after this migration's last record`),
    );
  });

  it('names export data files and then the export bucket deleted after the export, before the load', async () => {
    const fx = await createFixture({ items: 120, motoImportSafe: true });
    await crashWhen(fx, (s) => s.export?.status === 'done', ['--cdc-mode', 'none']);
    const exp = fx.readState()?.export;
    expect(exp?.status).toBe('done');
    const listed = await fx.tgtS3.send(new ListObjectsV2Command({ Bucket: fx.bucket, Prefix: exp?.prefix }));
    const keys = (listed.Contents ?? []).map((o) => ({ Key: o.Key ?? '' }));
    expect(keys.length).toBeGreaterThan(0);
    await fx.tgtS3.send(new DeleteObjectsCommand({ Bucket: fx.bucket, Delete: { Objects: keys } }));
    const before = stateBytes(fx);

    const gone = refusalLine(await cli(['migrate', ...fx.args, '--cdc-mode', 'none', '--yes'], fx.env));
    expect(gone).toContain(`The data files of export ${exp?.exportArn}`);
    expect(gone).toMatch(
      /are gone from s3:\/\/.*; the load needs them\. Move this migration's state file away/,
    );

    await fx.tgtS3.send(new DeleteBucketCommand({ Bucket: fx.bucket }));
    const noBucket = refusalLine(await cli(['plan', ...fx.args, '--cdc-mode', 'none'], fx.env));
    expect(noBucket).toContain(
      `Export bucket ${fx.bucket}, which holds this migration's export (run ${fx.readState()?.runId}`,
    );
    expect(noBucket).toMatch(/no longer exists/);
    expect(stateBytes(fx)).toBe(before);
    expect(await tableNames(fx)).not.toContain(fx.targetTable);
  });

  it('lambda mode: names a deleted CDC function (refused) and a deleted event source mapping (planned anew)', async () => {
    const fx = await createFixture({ items: 40, motoImportSafe: true });
    const iam = new IAMClient(fx.sides.source);
    const role = await createLambdaRole(iam);
    iam.destroy();
    const dlq = await createQueue(new SQSClient(fx.sides.source), { name: uniqueName('cdc-dlq') });
    const lambda = new LambdaClient(fx.sides.source);
    const fn = uniqueName('cdc');
    const createFunction = () =>
      lambda.send(
        new CreateFunctionCommand({
          FunctionName: fn,
          Runtime: 'nodejs22.x',
          Handler: 'index.handler',
          Role: role,
          // moto never runs it (no Docker): only the configuration matters here.
          Code: { ZipFile: storedZip({ 'index.mjs': 'export const handler = async () => ({});\n' }) },
          Environment: { Variables: { SQS_QUEUE_URL_FOR_FAILED_EVENTS: dlq.url } },
        }),
      );
    await createFunction();
    const args = [...fx.args, '--cdc-mode', 'lambda', '--cdc-lambda-function-name', fn];
    const first = await cli(['migrate', ...args, '--yes'], fx.env);
    expect(first.code, first.stderr).toBe(0);
    const uuid = fx.readState()?.cdc?.esmUuid ?? '';
    expect(uuid).not.toBe('');

    await lambda.send(new DeleteFunctionCommand({ FunctionName: fn }));
    const before = stateBytes(fx);
    const line = refusalLine(await cli(['migrate', ...args, '--yes'], fx.env));
    expect(line).toContain(`CDC Lambda function ${fn}, which this migration`);
    expect(line).toMatch(
      /no longer exists in the source account: the target is not kept in sync\. Deploy it again/,
    );
    expect(stateBytes(fx)).toBe(before);

    await createFunction();
    await lambda.send(new DeleteEventSourceMappingCommand({ UUID: uuid }));
    const plan = await cli(['plan', ...args, '--output', 'json'], fx.env);
    expect(plan.code, plan.stderr).toBe(0);
    const doc = JSON.parse(plan.stdout) as {
      findings: { code: string; message: string; fix?: string }[];
      steps: { step: string; status: string; eventSourceMappingUuid?: string }[];
    };
    expect(doc.findings).toContainEqual(
      expect.objectContaining({
        code: 'ESM_GONE',
        message: expect.stringContaining(`Event source mapping ${uuid}`),
        fix: expect.stringContaining('TRIM_HORIZON'),
      }),
    );
    expect(doc.steps.at(-1)).toEqual(expect.objectContaining({ step: 'cdc', status: 'resume' }));
    expect(doc.steps.at(-1)).not.toHaveProperty('eventSourceMappingUuid');
    lambda.destroy();
  });
});
