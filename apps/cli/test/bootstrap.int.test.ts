import { writeFile } from 'node:fs/promises';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { GetFunctionConfigurationCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { isolatedSides, motoEndpoint, sideEnv, storedZip, uniqueName } from '@ddb-migrate/test-kit';
import { beforeAll, describe, expect, it } from 'vitest';
import type { BootstrapResult } from '../src/commands/bootstrap/run.js';
import { cli } from './support/run-cli.js';

/**
 * The shipped templates, unmodified, deployed by `ddb-migrate bootstrap` on moto: source stack
 * in a fresh source account, target stack in a fresh target account through an assumed admin
 * role. moto 5.2.1 completes both stacks but silently skips AWS::S3::BucketPolicy and
 * AWS::CloudWatch::Alarm (covered by cfn-lint and the cfn package's YAML tests instead).
 */
describe('ddb-migrate bootstrap on moto', () => {
  const sides = isolatedSides();
  let env: NodeJS.ProcessEnv;
  let base: string[];
  let zipFile: string;

  beforeAll(async () => {
    env = await sideEnv(sides.source);
    delete env.AWS_ENDPOINT_URL; // the flag below is what the test exercises
    zipFile = join(await mkdtemp(join(tmpdir(), 'bootstrap-')), 'ddb-migrate-cdc-lambda-0.0.0.zip');
    await writeFile(
      zipFile,
      storedZip({ 'index.mjs': 'export const handler = async () => ({ batchItemFailures: [] });\n' }),
    );
    base = [
      'bootstrap',
      '--endpoint-url',
      motoEndpoint(),
      '--source-region',
      'us-east-1',
      '--target-account-id',
      sides.targetAccount,
      '--target-role-name',
      'OrganizationAccountAccessRole',
      '--source-table-name',
      'orders',
      '--target-table-name',
      'orders-migrated',
      '--poll-interval',
      '0.1',
      '--output',
      'json',
    ];
  });

  it('creates the target stack, then the source stack wired to its role, and prints the outputs', async () => {
    const codeBucket = uniqueName('code');
    const run = await cli([...base, '--code-bucket', codeBucket, '--code-file', zipFile], env);
    expect(run.stderr).not.toMatch(/^Error/m);
    expect(run.code).toBe(0);
    const result = JSON.parse(run.stdout) as BootstrapResult;
    expect(result).toMatchObject({
      sourceAccountId: sides.sourceAccount,
      targetAccountId: sides.targetAccount,
    });
    expect(result.target).toMatchObject({
      stackName: 'ddb-migrate-target',
      action: 'created',
      status: 'CREATE_COMPLETE',
      outputs: {
        BucketName: `dynamodb-export-to-s3-us-east-1-${sides.targetAccount}`,
        RoleArn: `arn:aws:iam::${sides.targetAccount}:role/cross_account_assume_role`,
      },
    });
    expect(result.source).toMatchObject({
      stackName: 'ddb-migrate-source',
      action: 'created',
      status: 'CREATE_COMPLETE',
      outputs: {
        FunctionName: 'dynamodb-cross-account-cdc-lambda-function',
        FunctionRoleArn: `arn:aws:iam::${sides.sourceAccount}:role/ddb-migrate-cdc-lambda`,
      },
    });
    expect(result.source?.outputs.DlqArn).toContain(`:${sides.sourceAccount}:`);
    expect(result.nextCommand).toContain(`--target-role-arn ${result.target?.outputs.RoleArn}`);

    // Progress on stderr, in deploy order: target first.
    expect(run.stderr.indexOf('target: creating stack ddb-migrate-target')).toBeGreaterThanOrEqual(0);
    expect(run.stderr.indexOf('source: creating stack ddb-migrate-source')).toBeGreaterThan(
      run.stderr.indexOf('target: creating stack'),
    );
    expect(run.stderr).toMatch(
      /target: \d\d:\d\d:\d\d CREATE_COMPLETE AWS::CloudFormation::Stack ddb-migrate-target/,
    );

    const fn = await new LambdaClient(sides.source).send(
      new GetFunctionConfigurationCommand({ FunctionName: 'dynamodb-cross-account-cdc-lambda-function' }),
    );
    expect(fn.Environment?.Variables).toMatchObject({
      TARGET_ROLE_ARN: result.target?.outputs.RoleArn,
      TARGET_AWS_ACCOUNT_NUMBER: sides.targetAccount,
      TARGET_DYNAMODB_TABLE_NAME: 'orders-migrated',
      SOURCE_TABLE_ARN: `arn:aws:dynamodb:us-east-1:${sides.sourceAccount}:table/orders`,
    });

    // A second run updates in place (or finds nothing to update) and keeps previous parameters.
    const again = await cli([...base, '--source-parameter', 'MemorySize=1024'], env);
    expect(again.stderr).not.toMatch(/^Error/m);
    expect(again.code).toBe(0);
    const second = JSON.parse(again.stdout) as BootstrapResult;
    expect(['updated', 'unchanged']).toContain(second.target?.action);
    expect(['updated', 'unchanged']).toContain(second.source?.action);
    expect(second.source?.outputs.FunctionName).toBe('dynamodb-cross-account-cdc-lambda-function');
    const updated = await new LambdaClient(sides.source).send(
      new GetFunctionConfigurationCommand({ FunctionName: 'dynamodb-cross-account-cdc-lambda-function' }),
    );
    expect(updated.MemorySize).toBe(1024);
    expect(updated.Environment?.Variables?.TARGET_DYNAMODB_TABLE_NAME).toBe('orders-migrated');
  });

  it('refuses to deploy the target stack without deploying credentials for the target account (exit 2)', async () => {
    const run = await cli(
      [
        'bootstrap',
        '--endpoint-url',
        motoEndpoint(),
        '--source-region',
        'us-east-1',
        '--target-account-id',
        sides.targetAccount,
      ],
      env,
    );
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--target-admin-role-name');
  });

  it('refuses to create a source stack without the function code, creating nothing (exit 2)', async () => {
    const stackName = uniqueName('no-code');
    const run = await cli([...base, '--stacks', 'source', '--source-stack-name', stackName], env);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--code-bucket/--code-key');
    const cfn = new CloudFormationClient(sides.source);
    await expect(cfn.send(new DescribeStacksCommand({ StackName: stackName }))).rejects.toThrow(
      /does not exist/,
    );
  });
});
