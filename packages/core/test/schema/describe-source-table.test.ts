import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { fakeSdkClient, sdkError } from '@ddb-migrate/test-kit';
import { describe, expect, it } from 'vitest';
import { AwsCallError } from '../../src/errors.js';
import { describeSourceTable } from '../../src/schema/describe-source-table.js';

// A scripted stand-in for the SDK client, for answers moto does not give (paged tags, denied
// policy reads, failures). The happy path runs against moto in schema.int.test.ts.
const ARN = 'arn:aws:dynamodb:us-east-1:123456789012:table/t';

function scripted(overrides: Record<string, (input: Record<string, unknown>) => unknown>) {
  const defaults: Record<string, (input: Record<string, unknown>) => unknown> = {
    DescribeTable: () => ({ Table: { TableName: 't', TableArn: ARN, TableStatus: 'ACTIVE' } }),
    DescribeTimeToLive: () => ({ TimeToLiveDescription: { TimeToLiveStatus: 'DISABLED' } }),
    DescribeContinuousBackups: () => ({
      ContinuousBackupsDescription: { ContinuousBackupsStatus: 'ENABLED' },
    }),
    ListTagsOfResource: () => ({ Tags: [] }),
    GetResourcePolicy: () => {
      throw sdkError('PolicyNotFoundException', 400, { message: 'no policy' });
    },
  };
  return fakeSdkClient({ ...defaults, ...overrides }) as unknown as DynamoDBClient;
}

describe('describeSourceTable', () => {
  it('reads every page of tags', async () => {
    const client = scripted({
      ListTagsOfResource: (input) =>
        input.NextToken === undefined
          ? { Tags: [{ Key: 'a', Value: '1' }], NextToken: 'page2' }
          : { Tags: [{ Key: 'b', Value: '2' }] },
    });

    const info = await describeSourceTable(client, 't');

    expect(info.tags).toEqual([
      { Key: 'a', Value: '1' },
      { Key: 'b', Value: '2' },
    ]);
    expect(info.resourcePolicy).toBeUndefined();
    expect(info.warnings).toBeUndefined();
  });

  it('treats an unsupported GetResourcePolicy as no policy', async () => {
    const client = scripted({
      GetResourcePolicy: () => {
        throw sdkError('UnknownOperationException', 400, { message: 'unknown' });
      },
    });
    expect((await describeSourceTable(client, 't')).resourcePolicy).toBeUndefined();
  });

  it('turns a denied policy read into a warning, not an error', async () => {
    const client = scripted({
      GetResourcePolicy: () => {
        throw sdkError('AccessDeniedException', 400, { message: 'denied' });
      },
    });

    const info = await describeSourceTable(client, 't');

    expect(info.resourcePolicy).toBeUndefined();
    expect(info.warnings?.[0]).toMatch(/GetResourcePolicy/);
  });

  it('wraps other SDK failures in AwsCallError naming the operation', async () => {
    const client = scripted({
      DescribeContinuousBackups: () => {
        throw sdkError('InternalServerError', 500, { message: 'boom' });
      },
    });

    const error = await describeSourceTable(client, 't').catch((e: unknown) => e);

    expect(error).toBeInstanceOf(AwsCallError);
    expect((error as AwsCallError).operation).toBe('DescribeContinuousBackups');
    expect((error as AwsCallError).message).toContain('InternalServerError: boom');
  });
});
