import { describe, expect, it } from 'vitest';
import { writeLoadStep } from '../src/steps/write-load.js';
import { awsError, fakeClient } from '@ddb-migrate/test-kit/fakes';
import { fakeStepContext } from './support/fake-step-context.js';

const facts = {
  source: {
    table: {
      TableName: 'src',
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
      BillingModeSummary: { BillingMode: 'PAY_PER_REQUEST' },
    },
    tags: [],
  },
} as never;
const exportDone = {
  status: 'done' as const,
  clientToken: 'e',
  bucket: 'b',
  bucketOwner: '222222222222',
  prefix: 'p',
  requestedAt: '2026-01-01T00:00:00Z',
  exportArn: 'arn:aws:dynamodb:us-east-1:111111111111:table/src/export/01',
  exportTime: '2026-01-01T00:00:00.000Z',
};
/** Stops the step where it starts reading the export: the table part is what is under test. */
const s3 = () =>
  fakeClient({
    ListObjectsV2Command: [new Error('stop: reading the export')],
    GetObjectCommand: [new Error('stop: reading the export')],
  });

describe('write-mode load on AWS semantics', () => {
  it('waits through DescribeTable ResourceNotFoundException right after CreateTable (eventually consistent)', async () => {
    const ddb = fakeClient({
      DescribeTableCommand: [
        awsError('ResourceNotFoundException', 400, 'Requested resource not found'),
        awsError('ResourceNotFoundException', 400, 'Requested resource not found'),
        { Table: { TableStatus: 'CREATING' } },
        { Table: { TableStatus: 'ACTIVE' } },
      ],
      CreateTableCommand: [
        awsError(
          'LimitExceededException',
          400,
          'Subscriber limit exceeded: only 1 table with indexes can be created',
        ),
        { TableDescription: { TableStatus: 'CREATING' } },
      ],
    });
    const { ctx } = fakeStepContext({
      clients: { targetDdb: ddb, targetS3: s3() },
      facts,
      state: { export: exportDone, loadMode: 'write' },
    });
    await expect(writeLoadStep(ctx)).rejects.toThrow(/stop: reading the export/);
    expect(ddb.names().filter((n) => n === 'CreateTable')).toHaveLength(2);
    expect(ctx.state.load?.tableCreated).toBe(true);
  });
});
