import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { CreateRoleCommand, GetRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import { GetFunctionConfigurationCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { HeadBucketCommand, ListBucketsCommand, S3Client } from '@aws-sdk/client-s3';
import { GetQueueUrlCommand, SQSClient } from '@aws-sdk/client-sqs';
import { isolatedSides, motoEndpoint, sideEnv, storedZip, uniqueName } from '@ddb-migrate/test-kit';
import { describe, expect, it } from 'vitest';
import type { BootstrapResult } from '../src/commands/bootstrap/run.js';
import { cli } from './support/run-cli.js';

const FUNCTION = 'dynamodb-cross-account-cdc-lambda-function';

/** Fresh accounts, a function zip, unique stack names, and the flags that reach the target as admin. */
async function setUp() {
  const sides = isolatedSides();
  const env = await sideEnv(sides.source);
  delete env.AWS_ENDPOINT_URL;
  const zipFile = join(
    await mkdtemp(join(tmpdir(), 'bootstrap-cdc-target-')),
    'ddb-migrate-cdc-lambda-0.0.0.zip',
  );
  await writeFile(
    zipFile,
    storedZip({ 'index.mjs': 'export const handler = async () => ({ batchItemFailures: [] });\n' }),
  );
  const targetStack = uniqueName('tgt');
  const sourceStack = uniqueName('src');
  const args = [
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
    '--target-stack-name',
    targetStack,
    '--source-stack-name',
    sourceStack,
    '--poll-interval',
    '0.1',
  ];
  const exists = async (client: CloudFormationClient, name: string) =>
    client.send(new DescribeStacksCommand({ StackName: name })).then(
      () => true,
      (error: Error) => {
        if (/does not exist/.test(error.message)) return false;
        throw error;
      },
    );
  const stacks = async () => ({
    target: await exists(new CloudFormationClient(sides.target), targetStack),
    source: await exists(new CloudFormationClient(sides.source), sourceStack),
  });
  const bucketNames = async (side: typeof sides.source) =>
    (
      (await new S3Client({ ...side, forcePathStyle: true }).send(new ListBucketsCommand({}))).Buckets ?? []
    ).map((b) => b.Name);
  return { sides, env, args, zipFile, stacks, bucketNames };
}

const lines = (stderr: string) => stderr.split('\n').filter((line) => line !== '');

describe('bootstrap --cdc-account target on moto', () => {
  it('uploads the zip into the target account and deploys the function there; the source stack holds only the operator policy', async () => {
    const { sides, env, args, zipFile } = await setUp();
    const codeBucket = uniqueName('code');
    const run = await cli(
      [
        ...args,
        '--cdc-account',
        'target',
        '--code-bucket',
        codeBucket,
        '--code-file',
        zipFile,
        '--output',
        'json',
      ],
      env,
    );
    expect(run.stderr).not.toMatch(/^Error/m);
    expect(run.code).toBe(0);
    const result = JSON.parse(run.stdout) as BootstrapResult;
    expect(result).toMatchObject({
      sourceAccountId: sides.sourceAccount,
      targetAccountId: sides.targetAccount,
      cdcAccount: 'target',
    });
    expect(result.target).toMatchObject({
      action: 'created',
      status: 'CREATE_COMPLETE',
      outputs: {
        CdcFunctionName: FUNCTION,
        CdcFunctionArn: `arn:aws:lambda:us-east-1:${sides.targetAccount}:function:${FUNCTION}`,
        CdcFunctionRoleArn: `arn:aws:iam::${sides.targetAccount}:role/ddb-migrate-cdc-lambda`,
        CdcDlqArn: `arn:aws:sqs:us-east-1:${sides.targetAccount}:${FUNCTION}-dlq`,
      },
    });
    expect(result.source).toMatchObject({ action: 'created', status: 'CREATE_COMPLETE' });
    expect(Object.keys(result.source?.outputs ?? {})).toEqual(['OperatorPolicyArn']);
    expect(result.source?.outputs.OperatorPolicyArn).toMatch(
      new RegExp(`^arn:aws:iam::${sides.sourceAccount}:policy/`),
    );
    expect(result.nextCommand).toContain(`--cdc-lambda-function-name ${FUNCTION}`);
    expect(result.nextCommand).toContain('--cdc-account target');

    // The code went to the target account, before its stack.
    await new S3Client({ ...sides.target, forcePathStyle: true }).send(
      new HeadBucketCommand({ Bucket: codeBucket, ExpectedBucketOwner: sides.targetAccount }),
    );
    expect(run.stderr.indexOf(`target: uploading ${zipFile}`)).toBeGreaterThanOrEqual(0);
    expect(run.stderr.indexOf(`target: uploading`)).toBeLessThan(
      run.stderr.indexOf('target: creating stack'),
    );

    const fn = await new LambdaClient(sides.target).send(
      new GetFunctionConfigurationCommand({ FunctionName: FUNCTION }),
    );
    expect(fn.Role).toBe(result.target?.outputs.CdcFunctionRoleArn);
    expect(fn.Environment?.Variables).toMatchObject({
      TARGET_DYNAMODB_TABLE_NAME: 'orders-migrated',
      TARGET_REGION: 'us-east-1',
      TARGET_AWS_ACCOUNT_NUMBER: sides.targetAccount,
      EXPORT_TIME: '0',
      SOURCE_TABLE_ARN: `arn:aws:dynamodb:us-east-1:${sides.sourceAccount}:table/orders`,
    });
    expect(fn.Environment?.Variables).not.toHaveProperty('TARGET_ROLE_ARN');

    // Nothing of CDC's in the source account.
    await expect(
      new LambdaClient(sides.source).send(new GetFunctionConfigurationCommand({ FunctionName: FUNCTION })),
    ).rejects.toThrow(/not found/i);
    await expect(
      new SQSClient(sides.source).send(new GetQueueUrlCommand({ QueueName: `${FUNCTION}-dlq` })),
    ).rejects.toThrow(/does not exist|NonExistentQueue/i);
    await expect(
      new IAMClient(sides.source).send(new GetRoleCommand({ RoleName: 'ddb-migrate-cdc-lambda' })),
    ).rejects.toThrow(/not found|NoSuchEntity/i);

    // A re-run without --cdc-account keeps the deployed layout; asking to switch it is refused.
    // (--stacks target: moto 5.2.1's UpdateStack also updates resources whose condition is false
    // when a parameter they use is passed, and fails on the source stack's absent function;
    // CloudFormation skips them.)
    const again = await cli([...args, '--stacks', 'target', '--output', 'json'], env);
    expect(again.stderr).not.toMatch(/^Error/m);
    expect(again.code).toBe(0);
    const second = JSON.parse(again.stdout) as BootstrapResult;
    expect(second.cdcAccount).toBe('target');
    expect(['updated', 'unchanged']).toContain(second.target?.action);
    expect(second.target?.outputs.CdcFunctionName).toBe(FUNCTION);

    const switched = await cli([...args, '--cdc-account', 'source'], env);
    expect(switched.code).toBe(2);
    const refusal = lines(switched.stderr);
    expect(refusal).toHaveLength(1);
    expect(refusal[0]).toMatch(/bootstrap found 2 problems/);
    expect(refusal[0]).toContain('holds the CDC layout CdcAccount=target, not source');
    expect(switched.stderr).not.toContain('updating stack');
    // Still there.
    await new LambdaClient(sides.target).send(
      new GetFunctionConfigurationCommand({ FunctionName: FUNCTION }),
    );
  });

  it('refuses a function role name already taken in the target account, creating nothing (exit 2)', async () => {
    const { sides, env, args, zipFile, stacks, bucketNames } = await setUp();
    await new IAMClient(sides.target).send(
      new CreateRoleCommand({ RoleName: 'ddb-migrate-cdc-lambda', AssumeRolePolicyDocument: '{}' }),
    );
    const codeBucket = uniqueName('code');
    const run = await cli(
      [...args, '--cdc-account', 'target', '--code-bucket', codeBucket, '--code-file', zipFile],
      env,
    );
    expect(run.code).toBe(2);
    expect(lines(run.stderr)).toEqual([
      expect.stringMatching(
        new RegExp(
          `IAM role ddb-migrate-cdc-lambda already exists in account ${sides.targetAccount} .*--cdc-lambda-role-name`,
        ),
      ),
    ]);
    expect(run.stderr).not.toContain('uploading');
    expect(await stacks()).toEqual({ target: false, source: false });
    expect(await bucketNames(sides.target)).not.toContain(codeBucket);
  });

  it('refuses a target stack without the function code before anything is created (exit 2)', async () => {
    const { env, args, stacks } = await setUp();
    const run = await cli([...args, '--cdc-account', 'target'], env);
    expect(run.code).toBe(2);
    expect(lines(run.stderr)).toEqual([
      expect.stringMatching(/Creating the target stack .* needs --code-bucket\/--code-key/),
    ]);
    expect(await stacks()).toEqual({ target: false, source: false });
  });

  it('refuses the function in another Region than the source stream (exit 2)', async () => {
    const { env, args, zipFile, stacks } = await setUp();
    const run = await cli(
      [
        ...args,
        '--cdc-account',
        'target',
        '--target-region',
        'us-west-2',
        '--code-bucket',
        uniqueName('code'),
        '--code-file',
        zipFile,
      ],
      env,
    );
    expect(run.code).toBe(2);
    expect(lines(run.stderr)).toEqual([
      expect.stringContaining(
        "--cdc-account target puts the CDC Lambda in the target stack's Region us-west-2",
      ),
    ]);
    expect(await stacks()).toEqual({ target: false, source: false });
  });

  it('refuses an unknown --cdc-account value with one line (exit 2)', async () => {
    const { env, args, stacks } = await setUp();
    const run = await cli([...args, '--cdc-account', 'sideways'], env);
    expect(run.code).toBe(2);
    expect(lines(run.stderr)).toHaveLength(1);
    expect(run.stderr).toMatch(/cdc-account.*sideways|sideways.*cdc-account/);
    expect(await stacks()).toEqual({ target: false, source: false });
  });
});
