import { describe, expect, it } from 'vitest';
import { identifyOperation } from '../src/index.js';

const auth = (service: string) => ({
  authorization: `AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/${service}/aws4_request, SignedHeaders=host, Signature=x`,
});
const none = Buffer.alloc(0);

describe('identifyOperation', () => {
  it('reads JSON-protocol operations from X-Amz-Target', () => {
    expect(
      identifyOperation('POST', '/', { 'x-amz-target': 'DynamoDB_20120810.BatchWriteItem' }, none),
    ).toEqual({
      service: 'dynamodb',
      operation: 'BatchWriteItem',
      protocol: 'json',
    });
    expect(
      identifyOperation('POST', '/', { 'x-amz-target': 'DynamoDBStreams_20120810.GetRecords' }, none),
    ).toMatchObject({ service: 'dynamodbstreams', operation: 'GetRecords' });
    expect(identifyOperation('POST', '/', { 'x-amz-target': 'AmazonSQS.SendMessage' }, none)).toMatchObject({
      service: 'sqs',
      operation: 'SendMessage',
    });
  });

  it('reads query-protocol actions from the form body', () => {
    const headers = { ...auth('sts'), 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' };
    const body = Buffer.from('Action=AssumeRole&Version=2011-06-15&RoleArn=x');
    expect(identifyOperation('POST', '/', headers, body)).toEqual({
      service: 'sts',
      operation: 'AssumeRole',
      protocol: 'query',
    });
  });

  it('derives S3 operations from x-id or method and path', () => {
    expect(identifyOperation('PUT', '/b/k?x-id=PutObject', auth('s3'), none).operation).toBe('PutObject');
    expect(identifyOperation('GET', '/b?list-type=2&prefix=p', auth('s3'), none).operation).toBe(
      'ListObjectsV2',
    );
    expect(identifyOperation('GET', '/b/a/b.gz', auth('s3'), none).operation).toBe('GetObject');
    expect(identifyOperation('PUT', '/b', auth('s3'), none).operation).toBe('CreateBucket');
  });
});
