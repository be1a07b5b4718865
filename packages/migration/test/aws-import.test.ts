import { describe, expect, it } from 'vitest';
import { importTableStep } from '../src/steps/import-table.js';
import { awsError, fakeClient } from '@ddb-migrate/test-kit/fakes';
import { fakeStepContext } from './support/fake-step-context.js';

const facts = {
  source: {
    table: {
      TableName: 'src',
      TableArn: 'arn:aws:dynamodb:us-east-1:111111111111:table/src',
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
      BillingModeSummary: { BillingMode: 'PAY_PER_REQUEST' },
    },
    tags: [],
  },
  bucket: 'target-bucket',
  targetAccountId: '222222222222',
} as never;
const exportDone = {
  status: 'done' as const,
  clientToken: 'e',
  bucket: 'target-bucket',
  bucketOwner: '222222222222',
  prefix: 'p',
  requestedAt: '2026-01-01T00:00:00Z',
  exportArn: 'arn:aws:dynamodb:us-east-1:111111111111:table/src/export/01',
  exportTime: '2026-01-01T00:00:00.000Z',
  itemCount: 3,
};
const recordedLoad = (requestedAt: string) => ({
  status: 'started' as const,
  mode: 'import' as const,
  clientToken: 'tok-1',
  requestedAt,
  dataPrefix: 'p/AWSDynamoDB/01/data/',
  loadedFiles: [],
  itemsLoaded: 0,
});
const completed = {
  ImportTableDescription: { ImportStatus: 'COMPLETED', ImportedItemCount: 3, ErrorCount: 0 },
};
const active = { Table: { TableStatus: 'ACTIVE' } };

describe('import step on AWS semantics', () => {
  it('keeps waiting when DescribeImport is throttled', async () => {
    // DescribeImport's throttle on AWS: ThrottlingException (400) or 5xx; both must be waited out.
    const ddb = fakeClient({
      ListImportsCommand: [{ ImportSummaryList: [] }],
      ImportTableCommand: [{ ImportTableDescription: { ImportArn: 'arn:i1' } }],
      DescribeImportCommand: [
        awsError('ThrottlingException', 400, 'Rate exceeded'),
        awsError('ServiceUnavailable', 503),
        completed,
      ],
      DescribeTableCommand: [active],
    });
    const { ctx } = fakeStepContext({
      clients: { targetDdb: ddb },
      facts,
      state: { export: exportDone, load: recordedLoad(new Date().toISOString()) },
    });
    await importTableStep(ctx);
    expect(ctx.state.load).toMatchObject({ status: 'done', importArn: 'arn:i1', itemsLoaded: 3 });
  });

  it('ignores an import of another run into a table of the same name when recovering the ARN', async () => {
    const ddb = fakeClient({
      ListImportsCommand: [
        {
          ImportSummaryList: [
            {
              ImportArn: 'arn:old',
              ImportStatus: 'COMPLETED',
              S3BucketSource: { S3Bucket: 'target-bucket', S3KeyPrefix: 'p/AWSDynamoDB/00/data/' },
            },
            {
              ImportArn: 'arn:ours',
              ImportStatus: 'IN_PROGRESS',
              S3BucketSource: { S3Bucket: 'target-bucket', S3KeyPrefix: 'p/AWSDynamoDB/01/data/' },
            },
          ],
        },
      ],
      DescribeImportCommand: [completed],
      DescribeTableCommand: [active],
    });
    const { ctx } = fakeStepContext({
      clients: { targetDdb: ddb },
      facts,
      state: { export: exportDone, load: recordedLoad(new Date().toISOString()) },
    });
    await importTableStep(ctx);
    expect(ctx.state.load?.importArn).toBe('arn:ours');
    expect(ddb.names()).not.toContain('ImportTable');
  });

  it('names the 50-import quota when ImportTable is refused with LimitExceededException', async () => {
    const ddb = fakeClient({
      ListImportsCommand: [{ ImportSummaryList: [] }],
      ImportTableCommand: [awsError('LimitExceededException', 400, 'There are too many concurrent imports')],
    });
    const { ctx } = fakeStepContext({
      clients: { targetDdb: ddb },
      facts,
      state: { export: exportDone, load: recordedLoad(new Date().toISOString()) },
    });
    const err = await importTableStep(ctx).catch((e: unknown) => e);
    expect((err as { hint: string }).hint).toMatch(/50 imports/);
    expect(ctx.state.load?.clientToken).toBe('tok-1');
  });

  it('says the target table exists when ImportTable is refused with ResourceInUseException', async () => {
    const ddb = fakeClient({
      ListImportsCommand: [{ ImportSummaryList: [] }],
      ImportTableCommand: [awsError('ResourceInUseException', 400, 'Table already exists: dst')],
    });
    const { ctx } = fakeStepContext({
      clients: { targetDdb: ddb },
      facts,
      state: { export: exportDone, load: recordedLoad(new Date().toISOString()) },
    });
    const err = await importTableStep(ctx).catch((e: unknown) => e);
    expect((err as { hint: string }).hint).toMatch(/already exists/);
  });

  it('does not re-send an ImportTable past the 8 h ClientToken window when the target table exists', async () => {
    const nineHoursAgo = new Date(Date.now() - 9 * 3600_000).toISOString();
    const ddb = fakeClient({
      ListImportsCommand: [
        awsError('AccessDeniedException', 400, 'not authorized to perform: dynamodb:ListImports'),
      ],
      DescribeTableCommand: [{ Table: { TableStatus: 'ACTIVE' } }],
      ImportTableCommand: [{ ImportTableDescription: { ImportArn: 'arn:second' } }],
    });
    const { ctx } = fakeStepContext({
      clients: { targetDdb: ddb },
      facts,
      state: { export: exportDone, load: recordedLoad(nineHoursAgo) },
    });
    await expect(importTableStep(ctx)).rejects.toMatchObject({ code: 'IMPORT_TOKEN_EXPIRED' });
    expect(ddb.names()).not.toContain('ImportTable');
  });

  it('past the 8 h window with no target table, sends a fresh request with a new ClientToken', async () => {
    const nineHoursAgo = new Date(Date.now() - 9 * 3600_000).toISOString();
    const ddb = fakeClient({
      ListImportsCommand: [{ ImportSummaryList: [] }],
      DescribeTableCommand: [
        awsError('ResourceNotFoundException', 400, 'Requested resource not found'),
        active,
      ],
      ImportTableCommand: [{ ImportTableDescription: { ImportArn: 'arn:i2' } }],
      DescribeImportCommand: [completed],
    });
    const { ctx } = fakeStepContext({
      clients: { targetDdb: ddb },
      facts,
      state: { export: exportDone, load: recordedLoad(nineHoursAgo) },
    });
    await importTableStep(ctx);
    const sent = ddb.calls.find((c) => c.command === 'ImportTableCommand');
    expect(sent?.input.ClientToken).not.toBe('tok-1');
    expect(ctx.state.load?.status).toBe('done');
  });
});
