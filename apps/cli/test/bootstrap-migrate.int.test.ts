import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient, UpdateContinuousBackupsCommand } from '@aws-sdk/client-dynamodb';
import {
  GetFunctionConfigurationCommand,
  LambdaClient,
  ListEventSourceMappingsCommand,
} from '@aws-sdk/client-lambda';
import { batchWrite } from '@ddb-migrate/core';
import {
  createTable,
  isolatedSides,
  motoEndpoint,
  scanAll,
  sideEnv,
  storedZip,
  uniqueName,
} from '@ddb-migrate/test-kit';
import { describe, expect, it } from 'vitest';
import type { BootstrapResult } from '../src/commands/bootstrap/run.js';
import { cli } from './support/run-cli.js';

/**
 * The deploy story end to end on moto: bootstrap both stacks, then `migrate --cdc-mode lambda`
 * using only what the stacks created (the export bucket, the cross-account role and the CDC
 * function with its DLQ). moto cannot run the function (no Docker), so CDC is checked up to the
 * event source mapping that migrate creates on the stack's function.
 */
describe('migrate (lambda mode) against the bootstrapped stacks', () => {
  it('exports into the stack bucket, imports through the stack role and maps the stream to the stack function', async () => {
    const sides = isolatedSides();
    const env = await sideEnv(sides.source);
    const src = new DynamoDBClient(sides.source);
    const table = await createTable(src, { name: uniqueName('orders') });
    await src.send(
      new UpdateContinuousBackupsCommand({
        TableName: table.name,
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      }),
    );
    // Plain items: with 150 generateItems() items, moto 5.2.1's ImportTable ended COMPLETED with
    // ProcessedItemCount 0 although the export held all 150. This test is about the stacks.
    const items = Array.from({ length: 150 }, (_, i) => ({
      pk: { S: `order-${i}` },
      n: { N: `${i}.5` },
      b: { B: new Uint8Array([i % 256, 0, 255]) },
    }));
    const written = await batchWrite(
      src,
      items.map((item) => ({ type: 'put' as const, item })),
      { tableName: table.name, keyNames: { partitionKey: 'pk' } },
    );
    expect(written.failed).toEqual([]);
    const targetTable = `${table.name}-migrated`;
    const zipDir = mkdtempSync(join(tmpdir(), 'bootstrap-migrate-'));
    const zipFile = join(zipDir, 'ddb-migrate-cdc-lambda-0.0.0.zip');
    writeFileSync(
      zipFile,
      storedZip({ 'index.mjs': 'export const handler = async () => ({ batchItemFailures: [] });\n' }),
    );

    const common = ['--endpoint-url', motoEndpoint(), '--source-region', 'us-east-1', '--output', 'json'];
    const boot = await cli(
      [
        'bootstrap',
        ...common,
        '--target-account-id',
        sides.targetAccount,
        '--target-role-name',
        'OrganizationAccountAccessRole',
        '--source-table-name',
        table.name,
        '--target-table-name',
        targetTable,
        '--code-bucket',
        uniqueName('code'),
        '--code-file',
        zipFile,
        '--poll-interval',
        '0.1',
      ],
      env,
    );
    expect(boot.stderr).not.toMatch(/^Error/m);
    expect(boot.code).toBe(0);
    const stacks = JSON.parse(boot.stdout) as BootstrapResult;
    const bucket = stacks.target?.outputs.BucketName ?? '';
    const functionName = stacks.source?.outputs.FunctionName ?? '';

    const migrate = await cli(
      [
        'migrate',
        ...common,
        '--source-table-name',
        table.name,
        '--source-account-id',
        sides.sourceAccount,
        '--target-table-name',
        targetTable,
        '--target-account-id',
        sides.targetAccount,
        '--target-s3-bucket-name',
        bucket,
        '--cdc-lambda-function-name',
        functionName,
        '--cdc-mode',
        'lambda',
        '--state-dir',
        mkdtempSync(join(tmpdir(), 'bootstrap-migrate-state-')),
        '--poll-seconds',
        '1',
        '--stream-settle-seconds',
        '0',
        '--yes',
      ],
      env,
    );
    expect(migrate.stderr).not.toMatch(/^Error/m);
    expect(migrate.code).toBe(0);

    // The role the target stack created was enough to import the table in the target account.
    const target = new DynamoDBClient(sides.target);
    expect((await scanAll(target, targetTable)).length).toBe(items.length);

    // The stack's function now carries the export cut-off and is mapped to the source stream
    // with the stack's DLQ as the failure destination.
    const lambda = new LambdaClient(sides.source);
    const config = await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: functionName }));
    expect(config.Environment?.Variables?.EXPORT_TIME).not.toBe('0');
    expect(config.Environment?.Variables?.TARGET_ROLE_ARN).toBe(stacks.target?.outputs.RoleArn);
    const mappings = await lambda.send(new ListEventSourceMappingsCommand({ FunctionName: functionName }));
    expect(mappings.EventSourceMappings).toHaveLength(1);
    expect(mappings.EventSourceMappings?.[0]).toMatchObject({
      StartingPosition: 'TRIM_HORIZON',
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      DestinationConfig: { OnFailure: { Destination: stacks.source?.outputs.DlqArn } },
    });
  });
});
