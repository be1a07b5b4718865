import {
  CreateTableCommand,
  DeleteResourcePolicyCommand,
  DescribeTableCommand,
  DynamoDBClient,
  GetResourcePolicyCommand,
  PutResourcePolicyCommand,
  UpdateContinuousBackupsCommand,
} from '@aws-sdk/client-dynamodb';
import {
  GetEventSourceMappingCommand,
  GetFunctionConfigurationCommand,
  LambdaClient,
  ListEventSourceMappingsCommand,
  ListFunctionsCommand,
  UpdateFunctionConfigurationCommand,
} from '@aws-sdk/client-lambda';
import { IAMClient } from '@aws-sdk/client-iam';
import { ListQueuesCommand, SQSClient } from '@aws-sdk/client-sqs';
import {
  createCrossAccountStreamsModel,
  createLambdaRole,
  type FaultProxy,
  motoEndpoint,
  startFaultProxy,
  uniqueName,
} from '@ddb-migrate/test-kit';
import { afterEach, describe, expect, it } from 'vitest';
import { cli, createFixture, type MigrationFixture, sideArgs } from './migrate-fixtures.js';
import { createCdcFunction } from './support/cdc-function.js';

const CDC_STREAM_SID = 'DdbMigrateCdcReadStream';
const CDC_TABLE_SID = 'DdbMigrateCdcFetchOnChange';

interface Policy {
  Statement: { Sid?: string; Principal?: { AWS?: string }; Action?: string[]; Resource?: string }[];
}

const cleanup: (() => unknown)[] = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});

/**
 * moto cannot put a policy on a stream ARN nor map a stream of another account (it looks the stream
 * up in the caller's account): the test-kit model of AWS's cross-account stream access answers those
 * calls in front of moto, and everything else reaches moto unchanged.
 */
async function throughModel(fx: MigrationFixture, opts: { propagationMs?: number } = {}) {
  const sourceKey = fx.env.AWS_ACCESS_KEY_ID as string;
  const model = createCrossAccountStreamsModel({
    motoEndpoint: motoEndpoint(),
    // The CLI signs the source side with the env's keys and the target side with the role it assumes.
    callerAccount: (key) => (key === sourceKey ? fx.sides.sourceAccount : fx.sides.targetAccount),
    ...opts,
  });
  const proxy: FaultProxy = await startFaultProxy({ target: motoEndpoint(), authorize: model.authorize });
  cleanup.push(
    () => proxy.close(),
    () => model.close(),
  );
  const source = {
    region: fx.sides.source.region,
    endpoint: proxy.endpoint,
    credentials: {
      accessKeyId: sourceKey,
      secretAccessKey: fx.env.AWS_SECRET_ACCESS_KEY as string,
      ...(fx.env.AWS_SESSION_TOKEN ? { sessionToken: fx.env.AWS_SESSION_TOKEN } : {}),
    },
  };
  const target = { ...fx.sides.target, endpoint: proxy.endpoint };
  return { model, proxy, source, target, env: { ...fx.env, AWS_ENDPOINT_URL: proxy.endpoint } };
}

async function policyOf(ddb: DynamoDBClient, arn: string): Promise<Policy> {
  const out = await ddb.send(new GetResourcePolicyCommand({ ResourceArn: arn }));
  return JSON.parse(out.Policy ?? '{}') as Policy;
}

describe('migrate --cdc-mode lambda --cdc-account target (moto + the cross-account streams model)', () => {
  it('puts the stream policy for the target function, configures and maps it in the target account, nothing of CDC in the source; re-runs put a removed policy back; finish takes it out', async () => {
    const fx = await createFixture({ items: 40, motoImportSafe: true });
    // A new stream policy reaches Lambda's check only after a while (policies are eventually
    // consistent): mapping creation is refused until then, and migrate waits for it.
    const { model, source, target, env } = await throughModel(fx, { propagationMs: 4000 });
    const fn = await createCdcFunction(fx.sides.target);
    const flags = ['--cdc-mode', 'lambda', '--cdc-account', 'target', '--cdc-lambda-function-name', fn.name];

    const plan = await cli([...fx.args, 'plan', ...flags, '--output', 'json'], env);
    expect(plan.code, plan.stderr).toBe(0);
    const planned = JSON.parse(plan.stdout) as {
      cdcAccount: string;
      steps: { step: string; account?: string }[];
    };
    expect(planned.cdcAccount).toBe('target');
    expect(planned.steps.find((s) => s.step === 'cdc')?.account).toBe('target');

    const run = await cli([...fx.args, 'migrate', ...flags, '--yes'], env);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/waiting for the stream policy to reach Lambda/);
    const state = fx.readState();
    expect(state?.cdc).toMatchObject({ status: 'done', account: 'target', functionRoleArn: fn.roleArn });

    // The stream's policy, read back through DynamoDB's API: the function's role may read the stream.
    const srcDdb = new DynamoDBClient(source);
    const streamArn = (await srcDdb.send(new DescribeTableCommand({ TableName: fx.table }))).Table
      ?.LatestStreamArn as string;
    const policy = await policyOf(srcDdb, streamArn);
    expect(policy.Statement).toEqual([
      {
        Sid: CDC_STREAM_SID,
        Effect: 'Allow',
        Principal: { AWS: fn.roleArn },
        Action: ['dynamodb:DescribeStream', 'dynamodb:GetRecords', 'dynamodb:GetShardIterator'],
        Resource: streamArn,
      },
    ]);

    // The function in the target account: EXPORT_TIME, the local table, no role to assume.
    const tgtLambda = new LambdaClient(target);
    const config = await tgtLambda.send(new GetFunctionConfigurationCommand({ FunctionName: fn.name }));
    expect(config.Environment?.Variables).toMatchObject({
      EXPORT_TIME: state?.export?.exportTime,
      TARGET_DYNAMODB_TABLE_NAME: fx.targetTable,
      TARGET_AWS_ACCOUNT_NUMBER: fx.sides.targetAccount,
      TARGET_ROLE_ARN: '',
      SQS_QUEUE_URL_FOR_FAILED_EVENTS: fn.dlq.url,
      POWERTOOLS_SERVICE_NAME: 'cdc-replicator',
    });
    const mapping = await tgtLambda.send(new GetEventSourceMappingCommand({ UUID: state?.cdc?.esmUuid }));
    expect(mapping).toMatchObject({
      EventSourceArn: streamArn,
      FunctionArn: config.FunctionArn,
      StartingPosition: 'TRIM_HORIZON',
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      BisectBatchOnFunctionError: true,
      DestinationConfig: { OnFailure: { Destination: fn.dlq.arn } },
      State: 'Enabled',
    });
    expect(model.mappings().map((m) => m.UUID)).toEqual([mapping.UUID]);

    // Nothing of the migration's CDC in the source account: no mapping, function or queue.
    const srcLambda = new LambdaClient(source);
    expect(
      (await srcLambda.send(new ListEventSourceMappingsCommand({ EventSourceArn: streamArn })))
        .EventSourceMappings,
    ).toEqual([]);
    expect((await srcLambda.send(new ListFunctionsCommand({}))).Functions ?? []).toEqual([]);
    expect((await new SQSClient(source).send(new ListQueuesCommand({}))).QueueUrls ?? []).toEqual([]);

    // The owner deletes the policy; the next migrate puts it back before relying on the mapping.
    await srcDdb.send(new DeleteResourcePolicyCommand({ ResourceArn: streamArn }));
    const again = await cli([...fx.args, 'migrate', ...flags, '--yes'], env);
    expect(again.code, again.stderr).toBe(0);
    expect((await policyOf(srcDdb, streamArn)).Statement.map((s) => s.Sid)).toEqual([CDC_STREAM_SID]);
    expect(fx.readState()?.cdc?.esmUuid).toBe(mapping.UUID);

    // The function redeployed with another execution role: the next run grants that role instead.
    const newRole = await createLambdaRole(new IAMClient(fx.sides.target));
    await tgtLambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: fn.name, Role: newRole }));
    const third = await cli([...fx.args, 'migrate', ...flags, '--yes'], env);
    expect(third.code, third.stderr).toBe(0);
    expect((await policyOf(srcDdb, streamArn)).Statement).toEqual([
      expect.objectContaining({ Sid: CDC_STREAM_SID, Principal: { AWS: newRole } }),
    ]);

    const finish = await cli(['finish', ...sideArgs(fx), '--yes'], env);
    expect(finish.code, finish.stderr).toBe(0);
    expect(model.mappings()).toEqual([]);
    await expect(srcDdb.send(new GetResourcePolicyCommand({ ResourceArn: streamArn }))).rejects.toMatchObject(
      {
        name: 'PolicyNotFoundException',
      },
    );
  }, 300_000);

  it("fetch-on-change (an existing KEYS_ONLY stream): the source table's policy gains a read statement beside the owner's", async () => {
    const fx = await createFixture({ items: 20, motoImportSafe: true });
    const { source, env } = await throughModel(fx);
    const srcDdb = new DynamoDBClient(source);
    // A second table with a KEYS_ONLY stream and an owner's policy of its own.
    const table = uniqueName('keys-only');
    const created = await srcDdb.send(
      new CreateTableCommand({
        TableName: table,
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
        AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
        BillingMode: 'PAY_PER_REQUEST',
        StreamSpecification: { StreamEnabled: true, StreamViewType: 'KEYS_ONLY' },
      }),
    );
    const tableArn = created.TableDescription?.TableArn as string;
    await srcDdb.send(
      new UpdateContinuousBackupsCommand({
        TableName: table,
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      }),
    );
    const owner = {
      Version: '2012-10-17',
      Statement: [
        {
          Sid: 'OwnerReads',
          Effect: 'Allow',
          Principal: { AWS: `arn:aws:iam::${fx.sides.sourceAccount}:root` },
          Action: 'dynamodb:GetItem',
          Resource: tableArn,
        },
      ],
    };
    await srcDdb.send(new PutResourcePolicyCommand({ ResourceArn: tableArn, Policy: JSON.stringify(owner) }));
    const fn = await createCdcFunction(fx.sides.target);
    const args = fx.args.map((a) => (a === fx.table ? table : a));
    const run = await cli(
      [
        ...args,
        'migrate',
        '--load-mode',
        'write',
        '--cdc-mode',
        'lambda',
        '--cdc-account',
        'target',
        '--cdc-lambda-function-name',
        fn.name,
        '--yes',
      ],
      env,
    );
    expect(run.code, run.stderr).toBe(0);
    const policy = await policyOf(srcDdb, tableArn);
    expect(policy.Statement).toEqual([
      owner.Statement[0],
      {
        Sid: CDC_TABLE_SID,
        Effect: 'Allow',
        Principal: { AWS: fn.roleArn },
        Action: ['dynamodb:BatchGetItem', 'dynamodb:GetItem'],
        Resource: tableArn,
      },
    ]);
    const config = await new LambdaClient({ ...fx.sides.target }).send(
      new GetFunctionConfigurationCommand({ FunctionName: fn.name }),
    );
    expect(config.Environment?.Variables?.SOURCE_TABLE_ARN).toBe(tableArn);
  }, 300_000);
});

describe('plan for a source table under an AWS managed KMS key', () => {
  it('refuses --cdc-account target and names the source layout as the fallback; the default layout is not refused', async () => {
    const fx = await createFixture({ items: 5, motoImportSafe: true });
    const { model } = await throughModel(fx);
    // moto's UpdateTable ignores SSESpecification: a table created encrypted, in the source account.
    const table = uniqueName('sse');
    const created = await fx.src.send(
      new CreateTableCommand({
        TableName: table,
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
        AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
        BillingMode: 'PAY_PER_REQUEST',
        SSESpecification: { Enabled: true, SSEType: 'KMS' },
      }),
    );
    await fx.src.send(
      new UpdateContinuousBackupsCommand({
        TableName: table,
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      }),
    );
    const keyArn = created.TableDescription?.SSEDescription?.KMSMasterKeyArn;
    expect(keyArn, 'moto names the key it encrypts with').toBeDefined();
    // On AWS, SSEType KMS without a key of one's own is the AWS managed key aws/dynamodb: KMS's
    // DescribeKey answers KeyManager AWS for it (KMS API reference, KeyMetadata). moto makes a key it
    // reports as CUSTOMER, so the proxy answers DescribeKey as AWS does for that key.
    const proxy = await startFaultProxy({
      target: motoEndpoint(),
      authorize: (req) =>
        req.service === 'kms' && req.operation === 'DescribeKey'
          ? {
              status: 200,
              headers: { 'content-type': 'application/x-amz-json-1.1' },
              body: JSON.stringify({
                KeyMetadata: {
                  KeyId: keyArn?.split('/').pop(),
                  Arn: keyArn,
                  KeyManager: 'AWS',
                  Enabled: true,
                },
              }),
            }
          : model.authorize(req),
    });
    cleanup.push(() => proxy.close());
    const env = { ...fx.env, AWS_ENDPOINT_URL: proxy.endpoint };
    const fn = await createCdcFunction(fx.sides.target);
    const args = fx.args.map((a) => (a === fx.table ? table : a));
    const base = [...args, 'plan', '--cdc-mode', 'lambda', '--cdc-lambda-function-name', fn.name];
    const refused = await cli([...base, '--cdc-account', 'target', '--output', 'json'], env);
    expect(refused.code).toBe(2);
    const problems = (
      JSON.parse(refused.stdout) as { error: { problems: { code: string; message: string; fix: string }[] } }
    ).error.problems;
    const kms = problems.find((p) => p.code === 'CDC_ACCOUNT_TARGET_UNSUPPORTED');
    expect(kms?.message).toMatch(/AWS managed KMS key/);
    expect(kms?.fix).toMatch(/--cdc-account source/);
    expect(fx.readState()).toBeUndefined();
    // The source layout works with any key: no refusal about it, and no recommendation of target.
    const inSource = await createCdcFunction(fx.sides.source);
    const plain = await cli(
      [
        ...args,
        'plan',
        '--cdc-mode',
        'lambda',
        '--cdc-lambda-function-name',
        inSource.name,
        '--output',
        'json',
      ],
      env,
    );
    expect(plain.code, plain.stderr).toBe(0);
    const codes = (JSON.parse(plain.stdout) as { findings: { code: string }[] }).findings.map((f) => f.code);
    expect(codes).not.toContain('CDC_ACCOUNT_TARGET_POSSIBLE');
    expect(codes).not.toContain('CDC_ACCOUNT_TARGET_UNSUPPORTED');
  }, 180_000);
});

describe('--cdc-account refusals (one line, exit 2, nothing changed)', () => {
  it.each([
    [['--cdc-account', 'elsewhere'], /--cdc-account must be one of source, target \(got elsewhere\)/],
    [['--cdc-account', 'target', '--cdc-mode', 'local'], /--cdc-account only applies to --cdc-mode lambda/],
  ])('%j', async (extra, message) => {
    const fx = await createFixture({ items: 5, motoImportSafe: true });
    const run = await cli([...fx.args, 'migrate', ...extra, '--yes'], fx.env);
    expect(run.code).toBe(2);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toMatch(message);
    expect(fx.readState()).toBeUndefined();
    const table = await fx.src.send(new DescribeTableCommand({ TableName: fx.table }));
    expect(table.Table?.StreamSpecification?.StreamEnabled ?? false).toBe(false);
  });

  it('--cdc-account target across Regions (a mapping reads streams of its own Region)', async () => {
    const fx = await createFixture({ items: 5, motoImportSafe: true });
    const args = fx.args.map((a, i) => (fx.args[i - 1] === '--target-region' ? 'eu-west-1' : a));
    const run = await cli([...args, 'migrate', '--cdc-account', 'target', '--yes'], fx.env);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/--cdc-account target needs the source and target in one Region/);
    expect(run.stderr).toMatch(/--cdc-account source/);
    expect(fx.readState()).toBeUndefined();
  });
});
