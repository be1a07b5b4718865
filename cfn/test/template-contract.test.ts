// biome-ignore-all lint/suspicious/noTemplateCurlyInString: CloudFormation Fn::Sub strings, not JS templates
import { describe, expect, it } from 'vitest';
import { loadTemplate, outputsFor, readTemplateText, resourcesFor } from './support/cfn-yaml.js';

const source = loadTemplate('source.yaml');
const target = loadTemplate('target.yaml');

describe('source.yaml', () => {
  const fn = source.Resources.CdcFunction?.Properties ?? {};

  it('runs the published zip as index.handler on Node.js 22+ with batch-sized memory and timeout', () => {
    expect(fn.Handler).toBe('index.handler');
    expect(fn.Code).toEqual({ S3Bucket: { Ref: 'CodeS3Bucket' }, S3Key: { Ref: 'CodeS3Key' } });
    expect(source.Parameters?.Runtime?.AllowedValues).toEqual(['nodejs22.x', 'nodejs24.x']);
    expect(source.Parameters?.MemorySize?.Default).toBeGreaterThanOrEqual(512);
    expect(source.Parameters?.Timeout?.Default).toBeGreaterThanOrEqual(300);
    expect(fn.ReservedConcurrentExecutions).toEqual({
      'Fn::If': ['HasReservedConcurrency', { Ref: 'ReservedConcurrency' }, { Ref: 'AWS::NoValue' }],
    });
  });

  it("sets the Lambda environment with the seed's variable names", () => {
    const variables = (fn.Environment as { Variables: Record<string, unknown> }).Variables;
    expect(Object.keys(variables)).toEqual(
      expect.arrayContaining([
        'TARGET_DYNAMODB_TABLE_NAME',
        'TARGET_REGION',
        'TARGET_AWS_ACCOUNT_NUMBER',
        'SQS_QUEUE_URL_FOR_FAILED_EVENTS',
        'EXPORT_TIME',
        'TARGET_ROLE_ARN',
        'EXPORT_TIME_MARGIN_SECONDS',
        'TTL_DELETES',
        'SOURCE_TABLE_ARN',
      ]),
    );
    expect(variables.SQS_QUEUE_URL_FOR_FAILED_EVENTS).toEqual({ Ref: 'FailedEventsQueue' });
  });

  it('keeps failed records 14 days in an encrypted DLQ', () => {
    const queue = source.Resources.FailedEventsQueue?.Properties ?? {};
    expect(queue.MessageRetentionPeriod).toBe(1209600);
    expect(queue.SqsManagedSseEnabled).toEqual({ 'Fn::If': ['UseDlqKms', { Ref: 'AWS::NoValue' }, true] });
    expect(queue.KmsMasterKeyId).toEqual({
      'Fn::If': ['UseDlqKms', { Ref: 'DlqKmsKeyArn' }, { Ref: 'AWS::NoValue' }],
    });
  });

  it('creates the event source mapping only on request, from TRIM_HORIZON with bounded retries and a DLQ', () => {
    const mapping = source.Resources.StreamMapping;
    expect(mapping?.Condition).toBe('CreateMapping');
    expect(source.Parameters?.CreateEventSourceMapping?.Default).toBe('false');
    expect(mapping?.Properties).toMatchObject({
      StartingPosition: 'TRIM_HORIZON',
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      BisectBatchOnFunctionError: true,
      MaximumRetryAttempts: { Ref: 'MaximumRetryAttempts' },
      MaximumRecordAgeInSeconds: -1,
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': ['FailedEventsQueue', 'Arn'] } } },
    });
    // -1: retry until the record expires (a discarded batch leaves only metadata in the queue).
    expect(source.Parameters?.MaximumRetryAttempts?.MinValue).toBe(-1);
    expect(source.Parameters?.MaximumRetryAttempts?.Default).toBe(-1);
  });

  it('alarms on IteratorAge, Errors, Throttles and DLQ depth, notifying the optional topic', () => {
    const alarms = Object.values(source.Resources).filter((r) => r.Type === 'AWS::CloudWatch::Alarm');
    expect(alarms.map((a) => a.Properties?.MetricName).sort()).toEqual([
      'ApproximateNumberOfMessagesVisible',
      'Errors',
      'IteratorAge',
      'Throttles',
    ]);
    for (const alarm of alarms) {
      expect(alarm.Properties?.AlarmActions).toEqual({
        'Fn::If': ['HasAlarmTopic', [{ Ref: 'AlarmTopicArn' }], { Ref: 'AWS::NoValue' }],
      });
    }
    expect(Object.values(source.Resources).some((r) => r.Type === 'AWS::CloudWatch::Dashboard')).toBe(true);
  });

  it('constrains account ids and table names, and outputs what the CLI reads', () => {
    // Empty only in the target layout: the CdcInSourceNeedsCodeAndTarget rule requires them otherwise.
    expect(source.Parameters?.TargetAccountId?.AllowedPattern).toBe('^$|^[0-9]{12}$');
    expect(source.Parameters?.SourceTableName?.AllowedPattern).toBe('^[a-zA-Z0-9_.-]{3,255}$');
    expect(Object.keys(source.Outputs ?? {})).toEqual(
      expect.arrayContaining(['FunctionName', 'FunctionArn', 'DlqUrl', 'DlqArn', 'FunctionRoleArn']),
    );
  });
});

describe('target.yaml', () => {
  const bucket = target.Resources.ExportBucket?.Properties ?? {};

  it('enforces bucket-owner ownership, blocks public access, encrypts and expires old exports', () => {
    expect(bucket.OwnershipControls).toEqual({ Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] });
    expect(bucket.PublicAccessBlockConfiguration).toEqual({
      BlockPublicAcls: true,
      BlockPublicPolicy: true,
      IgnorePublicAcls: true,
      RestrictPublicBuckets: true,
    });
    expect(JSON.stringify(bucket.BucketEncryption)).toContain('"SSEAlgorithm":"AES256"');
    expect(JSON.stringify(bucket.BucketEncryption)).toContain('"SSEAlgorithm":"aws:kms"');
    expect(JSON.stringify(bucket.LifecycleConfiguration)).toContain('{"Ref":"ExportExpirationDays"}');
  });

  it('names the role cross_account_assume_role by default and outputs BucketName and RoleArn', () => {
    expect(target.Parameters?.RoleName?.Default).toBe('cross_account_assume_role');
    expect(target.Parameters?.SourceAccountId?.AllowedPattern).toBe('^[0-9]{12}$');
    expect(Object.keys(target.Outputs ?? {})).toEqual(expect.arrayContaining(['BucketName', 'RoleArn']));
  });
});

describe('CdcAccount layouts', () => {
  const inTarget = { CdcAccount: 'target' };

  it('keeps both stacks as they were by default (CdcAccount source)', () => {
    expect(source.Parameters?.CdcAccount).toMatchObject({
      Default: 'source',
      AllowedValues: ['source', 'target'],
    });
    expect(target.Parameters?.CdcAccount).toMatchObject({
      Default: 'source',
      AllowedValues: ['source', 'target'],
    });
    expect(resourcesFor(source).sort()).toEqual(
      [
        'CdcFunction',
        'Dashboard',
        'DlqDepthAlarm',
        'ErrorsAlarm',
        'FailedEventsQueue',
        'FunctionLogGroup',
        'FunctionRole',
        'IteratorAgeAlarm',
        'ThrottlesAlarm',
      ].sort(),
    );
    expect(resourcesFor(target).sort()).toEqual(['CrossAccountRole', 'ExportBucket', 'ExportBucketPolicy']);
    expect(outputsFor(target).sort()).toEqual([
      'BucketArn',
      'BucketName',
      'RoleArn',
      'RoleName',
      'TargetTableName',
    ]);
    expect(outputsFor(source).sort()).toEqual(
      [
        'DashboardName',
        'DlqArn',
        'DlqUrl',
        'FunctionArn',
        'FunctionName',
        'FunctionRoleArn',
        'LogGroupName',
      ].sort(),
    );
  });

  it('moves the function, its role, DLQ, alarms and dashboard to the target stack with CdcAccount target', () => {
    expect(resourcesFor(target, inTarget).sort()).toEqual(
      [
        'CdcDashboard',
        'CdcDlqDepthAlarm',
        'CdcErrorsAlarm',
        'CdcFailedEventsQueue',
        'CdcFunction',
        'CdcFunctionLogGroup',
        'CdcFunctionRole',
        'CdcIteratorAgeAlarm',
        'CdcOperationsPolicy',
        'CdcThrottlesAlarm',
        'CrossAccountRole',
        'ExportBucket',
        'ExportBucketPolicy',
      ].sort(),
    );
    expect(resourcesFor(target, { ...inTarget, CreateEventSourceMapping: 'true' })).toContain(
      'CdcStreamMapping',
    );
    expect(outputsFor(target, inTarget)).toEqual(
      expect.arrayContaining([
        'CdcFunctionName',
        'CdcFunctionArn',
        'CdcFunctionRoleArn',
        'CdcDlqUrl',
        'CdcDlqArn',
      ]),
    );
    expect(outputsFor(target, inTarget)).not.toContain('CdcEventSourceMappingId');
    expect(outputsFor(target, { ...inTarget, CreateEventSourceMapping: 'true' })).toContain(
      'CdcEventSourceMappingId',
    );
    // The source account's Lambda no longer assumes the role.
    expect(target.Conditions?.TrustCdcLambda).toEqual({
      'Fn::And': [
        { 'Fn::Not': [{ 'Fn::Equals': [{ Ref: 'CdcLambdaRoleName' }, ''] }] },
        { Condition: 'CdcInSource' },
      ],
    });
  });

  it('leaves the source stack only the operator policy for the stream policy with CdcAccount target', () => {
    expect(resourcesFor(source, inTarget)).toEqual(['OperatorPolicy']);
    expect(resourcesFor(source, { ...inTarget, CreateEventSourceMapping: 'true' })).toEqual([
      'OperatorPolicy',
    ]);
    expect(outputsFor(source, inTarget)).toEqual(['OperatorPolicyArn']);
    expect(source.Resources.OperatorPolicy?.Properties?.Roles).toEqual({
      'Fn::If': ['HasOperatorRoles', { Ref: 'OperatorRoleNames' }, { Ref: 'AWS::NoValue' }],
    });
  });

  it('requires the code in the layout that holds the function, and nothing of it in the other', () => {
    const rules = (t: typeof source) => JSON.stringify(t.Rules);
    expect(source.Rules?.CdcInSourceNeedsCodeAndTarget).toMatchObject({
      RuleCondition: { 'Fn::Equals': [{ Ref: 'CdcAccount' }, 'source'] },
    });
    expect(target.Rules?.CdcInTargetNeedsCodeAndTable).toMatchObject({
      RuleCondition: { 'Fn::Equals': [{ Ref: 'CdcAccount' }, 'target'] },
    });
    for (const key of ['CodeS3Bucket', 'CodeS3Key', 'TargetAccountId', 'TargetRegion', 'TargetTableName'])
      expect(rules(source)).toContain(`{"Ref":"${key}"}`);
    for (const key of ['CodeS3Bucket', 'CodeS3Key', 'SourceTableName'])
      expect(rules(target)).toContain(`{"Ref":"${key}"}`);
  });

  it('declares the shared CDC parameters as source.yaml does (same names, defaults and bounds)', () => {
    const shared = [
      'CdcAccount',
      'CodeS3Bucket',
      'CodeS3Key',
      'FunctionName',
      'FunctionRoleName',
      'Runtime',
      'Architecture',
      'MemorySize',
      'Timeout',
      'ReservedConcurrency',
      'LogRetentionDays',
      'ExportTimeMarginSeconds',
      'TtlDeletes',
      'DlqKmsKeyArn',
      'CreateEventSourceMapping',
      'SourceStreamArn',
      'BatchSize',
      'MaximumRetryAttempts',
      'ParallelizationFactor',
      'MaximumBatchingWindowInSeconds',
      'AlarmTopicArn',
      'IteratorAgeAlarmSeconds',
    ];
    const bounds = (p: Record<string, unknown> | undefined) => {
      const { Description: _d, ...rest } = p ?? {};
      return rest;
    };
    for (const name of shared) {
      expect(bounds(target.Parameters?.[name]), name).toEqual(bounds(source.Parameters?.[name]));
    }
    expect(target.Parameters?.FunctionName?.Default).toBe('dynamodb-cross-account-cdc-lambda-function');
  });
});

describe('target.yaml with CdcAccount target', () => {
  const fn = target.Resources.CdcFunction?.Properties ?? {};

  it('runs the published zip as index.handler, as source.yaml does', () => {
    const sourceFn = source.Resources.CdcFunction?.Properties ?? {};
    expect(target.Resources.CdcFunction?.Condition).toBe('CdcInTarget');
    expect(fn.Handler).toBe('index.handler');
    expect(fn.Code).toEqual({ S3Bucket: { Ref: 'CodeS3Bucket' }, S3Key: { Ref: 'CodeS3Key' } });
    for (const key of [
      'Runtime',
      'Architectures',
      'MemorySize',
      'Timeout',
      'ReservedConcurrentExecutions',
      'FunctionName',
    ])
      expect(fn[key], key).toEqual(sourceFn[key]);
    expect(fn.Role).toEqual({ 'Fn::GetAtt': ['CdcFunctionRole', 'Arn'] });
  });

  it("sets the seed's environment for a local target table: this account and Region, no TARGET_ROLE_ARN", () => {
    const variables = (fn.Environment as { Variables: Record<string, unknown> }).Variables;
    const sourceTableArn = {
      'Fn::Sub': [
        'arn:${AWS::Partition}:dynamodb:${SourceTableRegion}:${SourceAccountId}:table/${SourceTableName}',
        {
          SourceTableRegion: {
            'Fn::If': ['HasSourceRegion', { Ref: 'SourceRegion' }, { Ref: 'AWS::Region' }],
          },
        },
      ],
    };
    expect(variables).toEqual({
      TARGET_DYNAMODB_TABLE_NAME: { Ref: 'TargetTableName' },
      TARGET_REGION: { Ref: 'AWS::Region' },
      TARGET_AWS_ACCOUNT_NUMBER: { Ref: 'AWS::AccountId' },
      SQS_QUEUE_URL_FOR_FAILED_EVENTS: { Ref: 'CdcFailedEventsQueue' },
      EXPORT_TIME: '0',
      EXPORT_TIME_MARGIN_SECONDS: { Ref: 'ExportTimeMarginSeconds' },
      TTL_DELETES: { Ref: 'TtlDeletes' },
      SOURCE_TABLE_ARN: sourceTableArn,
      POWERTOOLS_SERVICE_NAME: 'ddb-migrate-cdc',
      POWERTOOLS_METRICS_NAMESPACE: 'ddb-migrate',
    });
  });

  it("creates the mapping only on request, with source.yaml's StreamMapping settings", () => {
    const mapping = target.Resources.CdcStreamMapping;
    expect(mapping?.Condition).toBe('CreateMapping');
    expect(target.Conditions?.CreateMapping).toEqual({
      'Fn::And': [
        { Condition: 'CdcInTarget' },
        { 'Fn::Equals': [{ Ref: 'CreateEventSourceMapping' }, 'true'] },
      ],
    });
    expect(mapping?.Properties).toMatchObject({
      StartingPosition: 'TRIM_HORIZON',
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      BisectBatchOnFunctionError: true,
      MaximumRecordAgeInSeconds: -1,
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': ['CdcFailedEventsQueue', 'Arn'] } } },
    });
    const { FunctionName, DestinationConfig, ...settings } = mapping?.Properties ?? {};
    const {
      FunctionName: _f,
      DestinationConfig: _d,
      ...sourceSettings
    } = source.Resources.StreamMapping?.Properties ?? {};
    expect(FunctionName).toEqual({ Ref: 'CdcFunction' });
    expect(DestinationConfig).toBeDefined();
    expect(settings).toEqual(sourceSettings);
  });

  it('keeps failed records 14 days in an encrypted DLQ named after the function', () => {
    const queue = target.Resources.CdcFailedEventsQueue?.Properties ?? {};
    expect(queue).toEqual(source.Resources.FailedEventsQueue?.Properties);
  });

  it('alarms on IteratorAge, Errors, Throttles and DLQ depth of the target-account function', () => {
    const alarms = Object.values(target.Resources).filter((r) => r.Type === 'AWS::CloudWatch::Alarm');
    expect(alarms.map((a) => a.Properties?.MetricName).sort()).toEqual([
      'ApproximateNumberOfMessagesVisible',
      'Errors',
      'IteratorAge',
      'Throttles',
    ]);
    for (const alarm of alarms) {
      expect(alarm.Condition).toBe('CdcInTarget');
      expect(alarm.Properties?.AlarmActions).toEqual({
        'Fn::If': ['HasAlarmTopic', [{ Ref: 'AlarmTopicArn' }], { Ref: 'AWS::NoValue' }],
      });
    }
  });
});

describe('both templates', () => {
  it('fit in a CreateStack TemplateBody (51,200 bytes), so bootstrap needs no staging bucket', () => {
    expect(Buffer.byteLength(readTemplateText('source.yaml'))).toBeLessThan(51_200);
    expect(Buffer.byteLength(readTemplateText('target.yaml'))).toBeLessThan(51_200);
  });
});
