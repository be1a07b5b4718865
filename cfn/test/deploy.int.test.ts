import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { GetRoleCommand, GetRolePolicyCommand, IAMClient } from '@aws-sdk/client-iam';
import {
  GetFunctionConfigurationCommand,
  LambdaClient,
  ListEventSourceMappingsCommand,
} from '@aws-sdk/client-lambda';
import {
  CreateBucketCommand,
  GetBucketEncryptionCommand,
  HeadBucketCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { SOURCE_ACCOUNT, sourceSide, storedZip, TARGET_ACCOUNT, targetSide } from '@ddb-migrate/test-kit';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadTemplate, readTemplateText } from './support/cfn-yaml.js';
import { createdResourceTypes, createStackAndWait, outputsOf, uniqueName } from './support/deploy.js';

/**
 * Both templates, unmodified, on moto's CloudFormation. moto 5.2.1 reaches CREATE_COMPLETE but
 * silently skips the resource types below (ListStackResources shows them with an empty type), so
 * they are covered by cfn-lint and the YAML-level tests instead. moto also ignores the bucket's
 * PublicAccessBlockConfiguration, OwnershipControls and LifecycleConfiguration.
 */
const MOTO_SKIPS = ['AWS::CloudWatch::Alarm', 'AWS::S3::BucketPolicy'];

function expectCreatedAllBut(
  template: ReturnType<typeof loadTemplate>,
  created: string[],
  conditional: string[] = [],
) {
  const declared = new Set(
    Object.entries(template.Resources)
      .filter(([id]) => !conditional.includes(id))
      .map(([, r]) => r.Type),
  );
  const missing = [...declared].filter((type) => !created.includes(type)).sort();
  expect(
    missing.every((type) => MOTO_SKIPS.includes(type)),
    `not created: ${missing.join(', ')}`,
  ).toBe(true);
}

describe('templates on moto (two accounts)', () => {
  const source = sourceSide();
  const target = targetSide();
  const operatorArn = `arn:aws:iam::${SOURCE_ACCOUNT}:role/${uniqueName('operator')}`;
  const names = {
    targetStack: uniqueName('tgt-stack'),
    sourceStack: uniqueName('src-stack'),
    bucket: uniqueName('export'),
    codeBucket: uniqueName('code'),
    role: uniqueName('xacct'),
    lambdaRole: uniqueName('cdc-role'),
    functionName: uniqueName('cdc-fn'),
    targetTable: uniqueName('target-table'),
  };
  let targetOutputs: Record<string, string>;
  let sourceOutputs: Record<string, string>;

  beforeAll(async () => {
    const targetCfn = new CloudFormationClient(target);
    const targetStack = await createStackAndWait(
      targetCfn,
      names.targetStack,
      readTemplateText('target.yaml'),
      {
        SourceAccountId: SOURCE_ACCOUNT,
        OperatorPrincipalArns: operatorArn,
        CdcLambdaRoleName: names.lambdaRole,
        TargetTableName: names.targetTable,
        RoleName: names.role,
        BucketName: names.bucket,
      },
    );
    expect(targetStack.StackStatus).toBe('CREATE_COMPLETE');
    targetOutputs = outputsOf(targetStack);
    expectCreatedAllBut(
      loadTemplate('target.yaml'),
      await createdResourceTypes(targetCfn, names.targetStack),
    );

    const s3 = new S3Client({ ...source, forcePathStyle: true });
    await s3.send(new CreateBucketCommand({ Bucket: names.codeBucket }));
    await s3.send(
      new PutObjectCommand({
        Bucket: names.codeBucket,
        Key: 'ddb-migrate-cdc-lambda-0.0.0.zip',
        Body: storedZip({ 'index.mjs': 'export const handler = async () => ({ batchItemFailures: [] });\n' }),
      }),
    );
    const sourceCfn = new CloudFormationClient(source);
    const sourceStack = await createStackAndWait(
      sourceCfn,
      names.sourceStack,
      readTemplateText('source.yaml'),
      {
        CodeS3Bucket: names.codeBucket,
        CodeS3Key: 'ddb-migrate-cdc-lambda-0.0.0.zip',
        FunctionName: names.functionName,
        FunctionRoleName: names.lambdaRole,
        SourceTableName: 'orders',
        TargetAccountId: TARGET_ACCOUNT,
        TargetRegion: target.region,
        TargetTableName: names.targetTable,
        TargetRoleName: targetOutputs.RoleName ?? '',
      },
    );
    expect(sourceStack.StackStatus).toBe('CREATE_COMPLETE');
    sourceOutputs = outputsOf(sourceStack);
    expectCreatedAllBut(
      loadTemplate('source.yaml'),
      await createdResourceTypes(sourceCfn, names.sourceStack),
      ['StreamMapping'],
    );
  });

  it('outputs the target bucket and the cross-account role in the target account', async () => {
    expect(targetOutputs).toMatchObject({
      BucketName: names.bucket,
      RoleArn: `arn:aws:iam::${TARGET_ACCOUNT}:role/${names.role}`,
      TargetTableName: names.targetTable,
    });
    const s3 = new S3Client({ ...target, forcePathStyle: true });
    await s3.send(new HeadBucketCommand({ Bucket: names.bucket, ExpectedBucketOwner: TARGET_ACCOUNT }));
    const encryption = await s3.send(new GetBucketEncryptionCommand({ Bucket: names.bucket }));
    expect(
      encryption.ServerSideEncryptionConfiguration?.Rules?.[0]?.ApplyServerSideEncryptionByDefault
        ?.SSEAlgorithm,
    ).toBe('AES256');
  });

  it('creates the role trusting only the named source principals, with the table-scoped policy', async () => {
    const iam = new IAMClient(target);
    const role = await iam.send(new GetRoleCommand({ RoleName: names.role }));
    const trust = JSON.parse(decodeURIComponent(role.Role?.AssumeRolePolicyDocument ?? '{}'));
    expect(trust.Statement).toEqual([
      expect.objectContaining({
        Sid: 'Operators',
        Principal: { AWS: `arn:aws:iam::${SOURCE_ACCOUNT}:root` },
        Condition: { ArnLike: { 'aws:PrincipalArn': [operatorArn] } },
      }),
      expect.objectContaining({
        Sid: 'CdcLambda',
        Condition: {
          ArnEquals: { 'aws:PrincipalArn': `arn:aws:iam::${SOURCE_ACCOUNT}:role/${names.lambdaRole}` },
        },
      }),
    ]);
    const policy = await iam.send(
      new GetRolePolicyCommand({ RoleName: names.role, PolicyName: 'target-table-admin' }),
    );
    const text = decodeURIComponent(policy.PolicyDocument ?? '');
    expect(text).toContain('dynamodb:ImportTable');
    expect(text).toContain(`arn:aws:dynamodb:${target.region}:${TARGET_ACCOUNT}:table/${names.targetTable}`);
  });

  it('outputs the function, its role and the DLQ in the source account', () => {
    expect(sourceOutputs).toMatchObject({
      FunctionName: names.functionName,
      FunctionArn: `arn:aws:lambda:${source.region}:${SOURCE_ACCOUNT}:function:${names.functionName}`,
      FunctionRoleArn: `arn:aws:iam::${SOURCE_ACCOUNT}:role/${names.lambdaRole}`,
      DlqArn: `arn:aws:sqs:${source.region}:${SOURCE_ACCOUNT}:${names.functionName}-dlq`,
    });
    expect(sourceOutputs.DlqUrl).toMatch(new RegExp(`/${SOURCE_ACCOUNT}/${names.functionName}-dlq$`));
    expect(sourceOutputs).not.toHaveProperty('EventSourceMappingId');
  });

  it('configures the Lambda to assume the role the target stack created and to park failures in the DLQ', async () => {
    const lambda = new LambdaClient(source);
    const config = await lambda.send(
      new GetFunctionConfigurationCommand({ FunctionName: names.functionName }),
    );
    expect(config).toMatchObject({
      Handler: 'index.handler',
      Runtime: 'nodejs22.x',
      MemorySize: 512,
      Timeout: 300,
    });
    expect(config.Environment?.Variables).toMatchObject({
      TARGET_DYNAMODB_TABLE_NAME: names.targetTable,
      TARGET_REGION: target.region,
      TARGET_AWS_ACCOUNT_NUMBER: TARGET_ACCOUNT,
      TARGET_ROLE_ARN: targetOutputs.RoleArn,
      SQS_QUEUE_URL_FOR_FAILED_EVENTS: sourceOutputs.DlqUrl,
      EXPORT_TIME: '0',
      TTL_DELETES: 'replicate',
      SOURCE_TABLE_ARN: `arn:aws:dynamodb:${source.region}:${SOURCE_ACCOUNT}:table/orders`,
    });
    expect(
      await new LambdaClient(source).send(
        new ListEventSourceMappingsCommand({ FunctionName: names.functionName }),
      ),
    ).toMatchObject({ EventSourceMappings: [] });
    const sqs = new SQSClient(source);
    const queue = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: sourceOutputs.DlqUrl, AttributeNames: ['All'] }),
    );
    expect(queue.Attributes).toMatchObject({
      MessageRetentionPeriod: '1209600',
      SqsManagedSseEnabled: 'true',
    });
  });

  it('grants the Lambda role the stream of its table and sts:AssumeRole on the target role only', async () => {
    const iam = new IAMClient(source);
    const policy = await iam.send(
      new GetRolePolicyCommand({ RoleName: names.lambdaRole, PolicyName: 'cdc' }),
    );
    const text = decodeURIComponent(policy.PolicyDocument ?? '');
    expect(text).toContain(`arn:aws:dynamodb:${source.region}:${SOURCE_ACCOUNT}:table/orders/stream/*`);
    expect(text).toContain(targetOutputs.RoleArn);
    expect(text).not.toContain('dynamodb:PutItem');
  });
});
