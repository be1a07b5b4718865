import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import {
  CreateEventSourceMappingCommand,
  type EventSourceMappingConfiguration,
  GetFunctionConfigurationCommand,
  type LambdaClient,
  ListEventSourceMappingsCommand,
} from '@aws-sdk/client-lambda';
import { describe, expect, it } from 'vitest';
import { cli, createFixture } from './migrate-fixtures.js';
import { createCdcFunction } from './support/cdc-function.js';
import type { MigrationState } from '@ddb-migrate/migration';

const LAMBDA_FLAGS = [
  '--cdc-mode',
  'lambda',
  '--lambda-event-source-batch-size',
  '250',
  '--parallelization-factor',
  '3',
  '--max-retry-attempts',
  '7',
  '--export-time-margin-seconds',
  '180',
  '--yes',
];

async function mappingsOf(lambda: LambdaClient, fn: string): Promise<EventSourceMappingConfiguration[]> {
  return (
    (await lambda.send(new ListEventSourceMappingsCommand({ FunctionName: fn }))).EventSourceMappings ?? []
  );
}

// moto clears a table's stream once a mapping is attached (it cannot invoke the function without
// Docker), so these tables' streams are read by nobody: only the configuration is checked here.
describe('migrate --cdc-mode lambda (moto, two accounts)', () => {
  it('configures the function and maps the stream with reported failures; a re-run reuses the recorded mapping', async () => {
    const fx = await createFixture({ items: 60, motoImportSafe: true });
    const { lambda, name, dlq } = await createCdcFunction(fx.sides.source);

    const run = await cli(
      [...fx.args, 'migrate', '--cdc-lambda-function-name', name, ...LAMBDA_FLAGS],
      fx.env,
    );
    expect(run.stderr).not.toMatch(/^Error/m);
    expect(run.code).toBe(0);
    const state = fx.readState();
    expect(state?.cdc?.status).toBe('done');
    const exportTime = state?.export?.exportTime ?? '';
    expect(Number.isNaN(Date.parse(exportTime))).toBe(false);

    const config = await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: name }));
    const env = config.Environment?.Variables ?? {};
    expect(env).toMatchObject({
      EXPORT_TIME: exportTime,
      EXPORT_TIME_MARGIN_SECONDS: '180',
      TARGET_DYNAMODB_TABLE_NAME: fx.targetTable,
      TARGET_REGION: fx.sides.target.region,
      TARGET_AWS_ACCOUNT_NUMBER: fx.sides.targetAccount,
      SQS_QUEUE_URL_FOR_FAILED_EVENTS: dlq.url,
      TARGET_ROLE_ARN: `arn:aws:iam::${fx.sides.targetAccount}:role/cross_account_assume_role`,
      // The function's own variables survive.
      POWERTOOLS_SERVICE_NAME: 'cdc-replicator',
      TTL_DELETES: 'skip',
    });
    // NEW_AND_OLD_IMAGES stream: the images are in the records, no source reads needed.
    expect(env.SOURCE_TABLE_ARN).toBeUndefined();

    const streamArn = (await fx.src.send(new DescribeTableCommand({ TableName: fx.table }))).Table
      ?.LatestStreamArn;
    const [mapping, ...others] = await mappingsOf(lambda, name);
    expect(others).toEqual([]);
    expect(mapping?.UUID).toBe(state?.cdc?.esmUuid);
    expect(mapping).toMatchObject({
      EventSourceArn: streamArn,
      StartingPosition: 'TRIM_HORIZON',
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      BisectBatchOnFunctionError: true,
      MaximumRetryAttempts: 7,
      DestinationConfig: { OnFailure: { Destination: dlq.arn } },
      BatchSize: 250,
      ParallelizationFactor: 3,
    });

    const again = await cli(
      [...fx.args, 'migrate', '--cdc-lambda-function-name', name, ...LAMBDA_FLAGS],
      fx.env,
    );
    expect(again.stderr).not.toMatch(/^Error/m);
    expect(again.code).toBe(0);
    expect((await mappingsOf(lambda, name)).map((m) => m.UUID)).toEqual([mapping?.UUID]);
    expect(fx.readState()?.cdc?.esmUuid).toBe(mapping?.UUID);

    // A crash between CreateEventSourceMapping and the state save: the re-run finds the mapping
    // instead of adding one, and brings it to the new flags.
    const stateFile = join(fx.stateDir, readdirSync(fx.stateDir).find((f) => f.endsWith('.json')) ?? '');
    const saved = JSON.parse(readFileSync(stateFile, 'utf8')) as MigrationState;
    delete saved.cdc?.esmUuid;
    writeFileSync(stateFile, JSON.stringify(saved));
    const flags = [...LAMBDA_FLAGS];
    flags[flags.indexOf('250')] = '100';
    const resumed = await cli([...fx.args, 'migrate', '--cdc-lambda-function-name', name, ...flags], fx.env);
    expect(resumed.code, resumed.stderr).toBe(0);
    const after = await mappingsOf(lambda, name);
    expect(after.map((m) => [m.UUID, m.BatchSize])).toEqual([[mapping?.UUID, 100]]);
    expect(fx.readState()?.cdc?.esmUuid).toBe(mapping?.UUID);
  });

  it('refuses to reuse a mapping that starts at LATEST (it skipped the changes since the export)', async () => {
    const fx = await createFixture({
      items: 30,
      motoImportSafe: true,
      table: { stream: 'NEW_AND_OLD_IMAGES' },
    });
    const { lambda, name } = await createCdcFunction(fx.sides.source);
    const streamArn = (await fx.src.send(new DescribeTableCommand({ TableName: fx.table }))).Table
      ?.LatestStreamArn;
    const stale = await lambda.send(
      new CreateEventSourceMappingCommand({
        FunctionName: name,
        EventSourceArn: streamArn,
        StartingPosition: 'LATEST',
      }),
    );
    const run = await cli(
      [...fx.args, 'migrate', '--cdc-lambda-function-name', name, ...LAMBDA_FLAGS],
      fx.env,
    );
    // Refused in preflight: exit 2, nothing exported or created.
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/starts at LATEST.*delete-event-source-mapping --uuid/);
    expect((await mappingsOf(lambda, name)).map((m) => m.UUID)).toEqual([stale.UUID]);
    expect(fx.readState()).toBeUndefined();
    await expect(fx.tgt.send(new DescribeTableCommand({ TableName: fx.targetTable }))).rejects.toThrow(
      /not found/i,
    );
  });

  it('refuses a TRIM_HORIZON mapping that this migration did not record (where it has read to is unknown)', async () => {
    const fx = await createFixture({
      items: 20,
      motoImportSafe: true,
      table: { stream: 'NEW_AND_OLD_IMAGES' },
    });
    const { lambda, name } = await createCdcFunction(fx.sides.source);
    const streamArn = (await fx.src.send(new DescribeTableCommand({ TableName: fx.table }))).Table
      ?.LatestStreamArn;
    const stranger = await lambda.send(
      new CreateEventSourceMappingCommand({
        FunctionName: name,
        EventSourceArn: streamArn,
        StartingPosition: 'TRIM_HORIZON',
      }),
    );
    const run = await cli(
      [...fx.args, 'migrate', '--cdc-lambda-function-name', name, ...LAMBDA_FLAGS],
      fx.env,
    );
    expect(run.code, run.stderr).toBe(2);
    expect(run.stderr).toContain(`delete-event-source-mapping --uuid ${stranger.UUID}`);
    expect(run.stderr).toMatch(/not recorded/);
    expect(fx.readState()).toBeUndefined();
  });

  it('points a function on a KEYS_ONLY stream at the source table (fetch-on-change)', async () => {
    const fx = await createFixture({ items: 40, motoImportSafe: true, table: { stream: 'KEYS_ONLY' } });
    const { lambda, name } = await createCdcFunction(fx.sides.source);
    const flags = LAMBDA_FLAGS.filter(
      (f, i, all) => f !== '--max-retry-attempts' && all[i - 1] !== '--max-retry-attempts',
    );
    const run = await cli([...fx.args, 'migrate', '--cdc-lambda-function-name', name, ...flags], fx.env);
    expect(run.stderr).not.toMatch(/^Error/m);
    expect(run.code).toBe(0);
    const source = (await fx.src.send(new DescribeTableCommand({ TableName: fx.table }))).Table;
    const env =
      (await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: name }))).Environment
        ?.Variables ?? {};
    expect(env.SOURCE_TABLE_ARN).toBe(source?.TableArn);
    const mappings = await mappingsOf(lambda, name);
    expect(mappings.map((m) => m.EventSourceArn)).toEqual([source?.LatestStreamArn]);
    // No --max-retry-attempts: retry until the record expires (the handler parks what can never succeed).
    expect(mappings[0]).toMatchObject({ MaximumRetryAttempts: -1, MaximumRecordAgeInSeconds: -1 });
  });
});
