import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
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
      throw named('PolicyNotFoundException', 'no policy');
    },
  };
  const handlers = { ...defaults, ...overrides };
  return {
    send: async (command: { constructor: { name: string }; input: Record<string, unknown> }) => {
      const name = command.constructor.name.replace(/Command$/, '');
      const handler = handlers[name];
      if (!handler) throw new Error(`unexpected ${name}`);
      return handler(command.input);
    },
  } as unknown as DynamoDBClient;
}

function named(name: string, message: string): Error {
  const e = new Error(message);
  e.name = name;
  return e;
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
        throw named('UnknownOperationException', 'unknown');
      },
    });
    expect((await describeSourceTable(client, 't')).resourcePolicy).toBeUndefined();
  });

  it('turns a denied policy read into a warning, not an error', async () => {
    const client = scripted({
      GetResourcePolicy: () => {
        throw named('AccessDeniedException', 'denied');
      },
    });

    const info = await describeSourceTable(client, 't');

    expect(info.resourcePolicy).toBeUndefined();
    expect(info.warnings?.[0]).toMatch(/GetResourcePolicy/);
  });

  it('wraps other SDK failures in AwsCallError naming the operation', async () => {
    const client = scripted({
      DescribeContinuousBackups: () => {
        throw named('InternalServerError', 'boom');
      },
    });

    const error = await describeSourceTable(client, 't').catch((e: unknown) => e);

    expect(error).toBeInstanceOf(AwsCallError);
    expect((error as AwsCallError).operation).toBe('DescribeContinuousBackups');
    expect((error as AwsCallError).message).toContain('InternalServerError: boom');
  });
});
