import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { fakeSdkClient, sdkError } from '@ddb-migrate/test-kit';
import { describe, expect, it } from 'vitest';
import { applyPostCreateSettings } from '../../src/schema/apply-post-create-settings.js';
import type { PostCreateSetting } from '../../src/schema/types.js';

// A recording stand-in for the SDK client: orchestration only (ordering, chunking, error
// isolation). The real calls are exercised against moto in schema.int.test.ts.
const ACTIVE = {
  Table: { TableArn: 'arn:aws:dynamodb:us-east-1:222222222222:table/t', TableStatus: 'ACTIVE' },
};

/** DescribeTable answers ACTIVE; every other operation goes to `handler` (default: `{}`). */
function fakeClient(handler: (operation: string, input: Record<string, unknown>) => unknown = () => ({})) {
  const fake = fakeSdkClient({ DescribeTable: () => ACTIVE }, handler);
  return { client: fake as unknown as DynamoDBClient, calls: fake.calls };
}

const noSleep = { sleep: async () => {} };

describe('applyPostCreateSettings', () => {
  it('treats "TimeToLive is already enabled" as applied', async () => {
    const { client } = fakeClient((name) => {
      if (name === 'UpdateTimeToLive')
        throw sdkError('ValidationException', 400, { message: 'TimeToLive is already enabled' });
      return {};
    });
    const ttl: PostCreateSetting = { kind: 'ttl', attributeName: 'expiresAt', description: 'ttl' };

    const result = await applyPostCreateSettings(client, 't', [ttl], undefined, noSleep);

    expect(result).toEqual({ applied: [ttl], failed: [] });
  });

  it('records a failed setting and still applies the others', async () => {
    const { client, calls } = fakeClient((name) => {
      if (name === 'UpdateContinuousBackups')
        throw sdkError('AccessDeniedException', 400, { message: 'not allowed' });
      return {};
    });
    const settings: PostCreateSetting[] = [
      { kind: 'pitr', recoveryPeriodInDays: 7, description: 'pitr' },
      { kind: 'deletion-protection', enabled: true, description: 'dp' },
    ];

    const result = await applyPostCreateSettings(client, 't', settings, undefined, noSleep);

    expect(result.applied.map((s) => s.kind)).toEqual(['deletion-protection']);
    expect(result.failed).toEqual([{ setting: settings[0], error: 'AccessDeniedException: not allowed' }]);
    expect(calls.find((c) => c.operation === 'UpdateContinuousBackups')?.input).toEqual({
      TableName: 't',
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true, RecoveryPeriodInDays: 7 },
    });
    expect(calls.find((c) => c.operation === 'UpdateTable')?.input).toEqual({
      TableName: 't',
      DeletionProtectionEnabled: true,
    });
  });

  it('tags in chunks of 50 using the table ARN', async () => {
    const { client, calls } = fakeClient();
    const tags = Array.from({ length: 120 }, (_, i) => ({ Key: `k${i}`, Value: `v${i}` }));

    const result = await applyPostCreateSettings(client, 't', [{ kind: 'tags', tags, description: 'tags' }]);

    const tagCalls = calls.filter((c) => c.operation === 'TagResource');
    expect(tagCalls.map((c) => (c.input.Tags as unknown[]).length)).toEqual([50, 50, 20]);
    expect(
      tagCalls.every((c) => c.input.ResourceArn === 'arn:aws:dynamodb:us-east-1:222222222222:table/t'),
    ).toBe(true);
    expect(result.failed).toEqual([]);
  });

  it('uses an ARN given as the table name for every call', async () => {
    const arn = 'arn:aws:dynamodb:us-east-1:222222222222:table/other';
    const { client, calls } = fakeClient();

    await applyPostCreateSettings(
      client,
      arn,
      [
        { kind: 'tags', tags: [{ Key: 'a', Value: 'b' }], description: 'tags' },
        { kind: 'table-class', tableClass: 'STANDARD_INFREQUENT_ACCESS', description: 'class' },
      ],
      undefined,
      noSleep,
    );

    expect(calls.find((c) => c.operation === 'TagResource')?.input.ResourceArn).toBe(arn);
    expect(calls.find((c) => c.operation === 'UpdateTable')?.input.TableName).toBe(arn);
  });

  it('waits for the table to be ACTIVE before an UpdateTable', async () => {
    let describes = 0;
    const fake = fakeSdkClient(
      {
        DescribeTable: () => {
          describes += 1;
          return { Table: { TableStatus: describes < 3 ? 'UPDATING' : 'ACTIVE' } };
        },
      },
      () => ({}),
    );
    const client = fake as unknown as DynamoDBClient;

    const result = await applyPostCreateSettings(
      client,
      't',
      [{ kind: 'warm-throughput', warmThroughput: { ReadUnitsPerSecond: 15000 }, description: 'warm' }],
      undefined,
      noSleep,
    );

    expect(fake.operations()).toEqual(['DescribeTable', 'DescribeTable', 'DescribeTable', 'UpdateTable']);
    expect(result.applied).toHaveLength(1);
  });

  it('accepts an already-enabled stream only when its view type matches', async () => {
    const client = fakeSdkClient({
      DescribeTable: () => ({
        Table: {
          TableStatus: 'ACTIVE',
          StreamSpecification: { StreamEnabled: true, StreamViewType: 'KEYS_ONLY' },
        },
      }),
    }) as unknown as DynamoDBClient;
    const same: PostCreateSetting = { kind: 'stream', streamViewType: 'KEYS_ONLY', description: 's' };
    const other: PostCreateSetting = { kind: 'stream', streamViewType: 'NEW_IMAGE', description: 's' };

    const result = await applyPostCreateSettings(client, 't', [same, other], undefined, noSleep);

    expect(result.applied).toEqual([same]);
    expect(result.failed[0]?.error).toMatch(/already has a KEYS_ONLY stream, not NEW_IMAGE/);
  });
});
