// biome-ignore-all lint/suspicious/noTemplateCurlyInString: CloudFormation Fn::Sub strings, not JS templates
import { describe, expect, it } from 'vitest';
import { loadTemplate, readTemplateText } from './support/cfn-yaml.js';

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
    expect(source.Parameters?.TargetAccountId?.AllowedPattern).toBe('^[0-9]{12}$');
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

describe('both templates', () => {
  it('fit in a CreateStack TemplateBody (51,200 bytes), so bootstrap needs no staging bucket', () => {
    expect(Buffer.byteLength(readTemplateText('source.yaml'))).toBeLessThan(51_200);
    expect(Buffer.byteLength(readTemplateText('target.yaml'))).toBeLessThan(51_200);
  });
});
