import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import {
  CreateRoleCommand,
  GetPolicyCommand,
  GetPolicyVersionCommand,
  GetRoleCommand,
  GetRolePolicyCommand,
  IAMClient,
  ListAttachedRolePoliciesCommand,
} from '@aws-sdk/client-iam';
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
import { GetQueueAttributesCommand, GetQueueUrlCommand, SQSClient } from '@aws-sdk/client-sqs';
import { SOURCE_ACCOUNT, sourceSide, storedZip, TARGET_ACCOUNT, targetSide } from '@ddb-migrate/test-kit';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadTemplate, type ParameterValues, readTemplateText, resourcesFor } from './support/cfn-yaml.js';
import { createdResourceTypes, createStackAndWait, outputsOf, uniqueName } from './support/deploy.js';

/**
 * Both templates, unmodified, on moto's CloudFormation. moto 5.2.1 reaches CREATE_COMPLETE but
 * silently skips the resource types below (ListStackResources shows them with an empty type), so
 * they are covered by cfn-lint and the YAML-level tests instead. moto also ignores the bucket's
 * PublicAccessBlockConfiguration, OwnershipControls and LifecycleConfiguration.
 */
const MOTO_SKIPS = ['AWS::CloudWatch::Alarm', 'AWS::S3::BucketPolicy'];

/** Every resource type the stack declares for these parameters was created (but moto's skips). */
function expectCreatedAllBut(
  template: ReturnType<typeof loadTemplate>,
  created: string[],
  parameters: ParameterValues = {},
) {
  const ids = resourcesFor(template, parameters);
  const declared = new Set(ids.map((id) => template.Resources[id]?.Type ?? ''));
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

describe('templates on moto with CdcAccount=target (the CDC Lambda in the target account)', () => {
  const source = sourceSide();
  const target = targetSide();
  const operatorRole = uniqueName('operator');
  const operatorArn = `arn:aws:iam::${SOURCE_ACCOUNT}:role/${operatorRole}`;
  const names = {
    targetStack: uniqueName('tgt-cdc-stack'),
    sourceStack: uniqueName('src-policy-stack'),
    bucket: uniqueName('export'),
    codeBucket: uniqueName('code'),
    role: uniqueName('xacct'),
    lambdaRole: uniqueName('cdc-role'),
    functionName: uniqueName('cdc-fn'),
    targetTable: uniqueName('target-table'),
    sourceTable: uniqueName('orders'),
  };
  const targetParameters: ParameterValues = {
    SourceAccountId: SOURCE_ACCOUNT,
    OperatorPrincipalArns: operatorArn,
    TargetTableName: names.targetTable,
    RoleName: names.role,
    BucketName: names.bucket,
    CdcAccount: 'target',
    SourceTableName: names.sourceTable,
    CodeS3Bucket: names.codeBucket,
    CodeS3Key: 'ddb-migrate-cdc-lambda-0.0.0.zip',
    FunctionName: names.functionName,
    FunctionRoleName: names.lambdaRole,
  };
  const sourceParameters: ParameterValues = {
    CdcAccount: 'target',
    SourceTableName: names.sourceTable,
    OperatorRoleNames: operatorRole,
  };
  let targetOutputs: Record<string, string>;
  let sourceOutputs: Record<string, string>;
  let sourceTypes: string[];

  beforeAll(async () => {
    // The code bucket is the target account's: the function is created there.
    const s3 = new S3Client({ ...target, forcePathStyle: true });
    await s3.send(new CreateBucketCommand({ Bucket: names.codeBucket }));
    await s3.send(
      new PutObjectCommand({
        Bucket: names.codeBucket,
        Key: 'ddb-migrate-cdc-lambda-0.0.0.zip',
        Body: storedZip({ 'index.mjs': 'export const handler = async () => ({ batchItemFailures: [] });\n' }),
      }),
    );
    const targetCfn = new CloudFormationClient(target);
    const targetStack = await createStackAndWait(
      targetCfn,
      names.targetStack,
      readTemplateText('target.yaml'),
      targetParameters,
    );
    expect(targetStack.StackStatus, targetStack.StackStatusReason).toBe('CREATE_COMPLETE');
    targetOutputs = outputsOf(targetStack);
    expectCreatedAllBut(
      loadTemplate('target.yaml'),
      await createdResourceTypes(targetCfn, names.targetStack),
      targetParameters,
    );

    // The operator role the source stack attaches its policy to (it exists before the stack).
    await new IAMClient(source).send(
      new CreateRoleCommand({
        RoleName: operatorRole,
        AssumeRolePolicyDocument: JSON.stringify({
          Version: '2012-10-17',
          Statement: [
            {
              Effect: 'Allow',
              Principal: { AWS: `arn:aws:iam::${SOURCE_ACCOUNT}:root` },
              Action: 'sts:AssumeRole',
            },
          ],
        }),
      }),
    );
    const sourceCfn = new CloudFormationClient(source);
    const sourceStack = await createStackAndWait(
      sourceCfn,
      names.sourceStack,
      readTemplateText('source.yaml'),
      sourceParameters,
    );
    expect(sourceStack.StackStatus, sourceStack.StackStatusReason).toBe('CREATE_COMPLETE');
    sourceOutputs = outputsOf(sourceStack);
    sourceTypes = await createdResourceTypes(sourceCfn, names.sourceStack);
  });

  it('creates the function, its role and its DLQ in the target account', async () => {
    expect(targetOutputs).toMatchObject({
      BucketName: names.bucket,
      RoleArn: `arn:aws:iam::${TARGET_ACCOUNT}:role/${names.role}`,
      CdcFunctionName: names.functionName,
      CdcFunctionArn: `arn:aws:lambda:${target.region}:${TARGET_ACCOUNT}:function:${names.functionName}`,
      CdcFunctionRoleArn: `arn:aws:iam::${TARGET_ACCOUNT}:role/${names.lambdaRole}`,
      CdcDlqArn: `arn:aws:sqs:${target.region}:${TARGET_ACCOUNT}:${names.functionName}-dlq`,
    });
    expect(targetOutputs.CdcDlqUrl).toMatch(new RegExp(`/${TARGET_ACCOUNT}/${names.functionName}-dlq$`));
    expect(targetOutputs).not.toHaveProperty('CdcEventSourceMappingId');

    const config = await new LambdaClient(target).send(
      new GetFunctionConfigurationCommand({ FunctionName: names.functionName }),
    );
    expect(config).toMatchObject({
      Handler: 'index.handler',
      Runtime: 'nodejs22.x',
      Role: targetOutputs.CdcFunctionRoleArn,
    });
    const variables = config.Environment?.Variables ?? {};
    // moto 5.2.1 hands Number parameters to Lambda as numbers; Lambda stores strings.
    expect(String(variables.EXPORT_TIME_MARGIN_SECONDS)).toBe('300');
    expect({ ...variables, EXPORT_TIME_MARGIN_SECONDS: '300' }).toEqual({
      TARGET_DYNAMODB_TABLE_NAME: names.targetTable,
      TARGET_REGION: target.region,
      TARGET_AWS_ACCOUNT_NUMBER: TARGET_ACCOUNT,
      SQS_QUEUE_URL_FOR_FAILED_EVENTS: targetOutputs.CdcDlqUrl,
      EXPORT_TIME: '0',
      EXPORT_TIME_MARGIN_SECONDS: '300',
      TTL_DELETES: 'replicate',
      SOURCE_TABLE_ARN: `arn:aws:dynamodb:${target.region}:${SOURCE_ACCOUNT}:table/${names.sourceTable}`,
      POWERTOOLS_SERVICE_NAME: 'ddb-migrate-cdc',
      POWERTOOLS_METRICS_NAMESPACE: 'ddb-migrate',
    });
    const queue = await new SQSClient(target).send(
      new GetQueueAttributesCommand({ QueueUrl: targetOutputs.CdcDlqUrl, AttributeNames: ['All'] }),
    );
    expect(queue.Attributes).toMatchObject({
      MessageRetentionPeriod: '1209600',
      SqsManagedSseEnabled: 'true',
    });
  });

  it("grants the function's role the source account's stream and table, and writes to the local table only", async () => {
    const iam = new IAMClient(target);
    const policy = await iam.send(
      new GetRolePolicyCommand({ RoleName: names.lambdaRole, PolicyName: 'cdc' }),
    );
    const text = decodeURIComponent(policy.PolicyDocument ?? '');
    expect(text).toContain(
      `arn:aws:dynamodb:${target.region}:${SOURCE_ACCOUNT}:table/${names.sourceTable}/stream/*`,
    );
    expect(text).toContain(`arn:aws:dynamodb:${target.region}:${TARGET_ACCOUNT}:table/${names.targetTable}`);
    expect(text).not.toContain('sts:AssumeRole');
    // The migration role may operate the function (EXPORT_TIME, mapping, DLQ) but no longer
    // trusts a CDC Lambda of the source account.
    const operations = await iam.send(
      new GetRolePolicyCommand({ RoleName: names.role, PolicyName: 'cdc-operations' }),
    );
    expect(decodeURIComponent(operations.PolicyDocument ?? '')).toContain(targetOutputs.CdcFunctionArn);
    const role = await iam.send(new GetRoleCommand({ RoleName: names.role }));
    const trust = JSON.parse(decodeURIComponent(role.Role?.AssumeRolePolicyDocument ?? '{}'));
    // moto 5.2.1 leaves the dropped (AWS::NoValue) statement as null; CloudFormation removes it.
    const statements = (trust.Statement as ({ Sid?: string } | null)[]).filter((s) => s !== null);
    expect(statements.map((s) => s.Sid)).toEqual(['Operators']);
  });

  it("leaves nothing of CDC's in the source account, only the operator policy attached to the operator role", async () => {
    expect(sourceTypes).toEqual(['AWS::IAM::ManagedPolicy']);
    expect(Object.keys(sourceOutputs)).toEqual(['OperatorPolicyArn']);
    expect(sourceOutputs.OperatorPolicyArn).toMatch(new RegExp(`^arn:aws:iam::${SOURCE_ACCOUNT}:policy/`));
    const iam = new IAMClient(source);
    const attached = await iam.send(new ListAttachedRolePoliciesCommand({ RoleName: operatorRole }));
    expect(attached.AttachedPolicies?.map((p) => p.PolicyArn)).toEqual([sourceOutputs.OperatorPolicyArn]);
    const managed = await iam.send(new GetPolicyCommand({ PolicyArn: sourceOutputs.OperatorPolicyArn }));
    const version = await iam.send(
      new GetPolicyVersionCommand({
        PolicyArn: sourceOutputs.OperatorPolicyArn,
        VersionId: managed.Policy?.DefaultVersionId,
      }),
    );
    const text = decodeURIComponent(version.PolicyVersion?.Document ?? '');
    expect(text).toContain('dynamodb:PutResourcePolicy');
    expect(text).toContain(
      `arn:aws:dynamodb:${source.region}:${SOURCE_ACCOUNT}:table/${names.sourceTable}/stream/*`,
    );

    await expect(
      new LambdaClient(source).send(
        new GetFunctionConfigurationCommand({ FunctionName: names.functionName }),
      ),
    ).rejects.toThrow(/not found|does not exist/i);
    await expect(
      new SQSClient(source).send(new GetQueueUrlCommand({ QueueName: `${names.functionName}-dlq` })),
    ).rejects.toThrow(/does not exist|NonExistentQueue/i);
    await expect(iam.send(new GetRoleCommand({ RoleName: names.lambdaRole }))).rejects.toThrow(
      /not found|cannot be found|NoSuchEntity/i,
    );
  });
});
