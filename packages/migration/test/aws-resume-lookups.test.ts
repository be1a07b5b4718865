import { describe, expect, it } from 'vitest';
import { exportTableStep } from '../src/steps/export-table.js';
import { importTableStep } from '../src/steps/import-table.js';
import { awsError, fakeClient } from '@ddb-migrate/test-kit/fakes';
import { fakeStepContext } from './support/fake-step-context.js';

// On resume after a crash between a request and its record, migrate finds the export (ListExports)
// or the import (ListImports) it started. Those control-plane reads are throttled like any other
// (ThrottlingException, 400) and the ARNs carry the partition (aws, aws-cn, aws-us-gov; AWS General
// Reference, "Amazon Resource Names (ARNs)": arn:partition:service:region:account-id:resource).
const CN_TABLE = 'arn:aws-cn:dynamodb:cn-north-1:111111111111:table/src';
const stream = {
  status: 'done' as const,
  streamArn: `${CN_TABLE}/stream/2026-01-01T00:00:00.000`,
  enabledAt: '2026-01-01T00:00:00Z',
  enabledByUs: true,
};
const startedExport = {
  status: 'started' as const,
  clientToken: 'e',
  bucket: 'target-bucket',
  bucketOwner: '222222222222',
  prefix: 'ddb-migrate/src/r1',
  requestedAt: new Date().toISOString(),
};
const completedExport = {
  ExportDescription: {
    ExportStatus: 'COMPLETED',
    ExportTime: new Date('2026-01-01T00:05:00Z'),
    ItemCount: 3,
    S3Bucket: 'target-bucket',
    S3Prefix: 'ddb-migrate/src/r1',
  },
};

describe('resume look-ups of a recorded export or import', () => {
  it('retries a throttled ListExports/DescribeExport instead of failing the resume', async () => {
    const ddb = fakeClient({
      ListExportsCommand: [
        awsError('ThrottlingException', 400, 'Rate exceeded'),
        { ExportSummaries: [{ ExportArn: `${CN_TABLE}/export/01` }] },
      ],
      DescribeExportCommand: [awsError('ThrottlingException', 400, 'Rate exceeded'), completedExport],
      ExportTableToPointInTimeCommand: [{ ExportDescription: { ExportArn: 'arn:second' } }],
    });
    const { ctx } = fakeStepContext({
      clients: { sourceDdb: ddb },
      facts: { source: { table: { TableArn: CN_TABLE }, tags: [] } } as never,
      state: { stream, export: { ...startedExport } },
    });
    await exportTableStep(ctx);
    expect(ctx.state.export).toMatchObject({ status: 'done', exportArn: `${CN_TABLE}/export/01` });
    expect(ddb.names()).not.toContain('ExportTableToPointInTime');
  });

  it('looks the import up by a target table ARN in the partition of the recorded ARNs', async () => {
    const ddb = fakeClient({
      ListImportsCommand: [
        {
          ImportSummaryList: [
            {
              ImportArn: 'arn:aws-cn:dynamodb:cn-north-1:222222222222:table/dst/import/01',
              ImportStatus: 'COMPLETED',
              S3BucketSource: { S3Bucket: 'target-bucket', S3KeyPrefix: 'p/AWSDynamoDB/01/data/' },
            },
          ],
        },
      ],
      DescribeImportCommand: [
        { ImportTableDescription: { ImportStatus: 'COMPLETED', ImportedItemCount: 3, ErrorCount: 0 } },
      ],
      DescribeTableCommand: [{ Table: { TableStatus: 'ACTIVE' } }],
    });
    const { ctx } = fakeStepContext({
      clients: { targetDdb: ddb },
      facts: { targetAccountId: '222222222222' },
      options: { targetRegion: 'cn-north-1' },
      state: {
        stream,
        export: {
          ...startedExport,
          status: 'done',
          exportArn: `${CN_TABLE}/export/01`,
          exportTime: '2026-01-01T00:05:00.000Z',
          itemCount: 3,
        },
        load: {
          status: 'started',
          mode: 'import',
          clientToken: 'tok',
          requestedAt: new Date().toISOString(),
          dataPrefix: 'p/AWSDynamoDB/01/data/',
          loadedFiles: [],
          itemsLoaded: 0,
        },
      },
    });
    await importTableStep(ctx);
    const list = ddb.calls.find((c) => c.command === 'ListImportsCommand');
    expect(list?.input.TableArn).toBe('arn:aws-cn:dynamodb:cn-north-1:222222222222:table/dst');
    expect(ctx.state.load?.importArn).toBe('arn:aws-cn:dynamodb:cn-north-1:222222222222:table/dst/import/01');
    expect(ddb.names()).not.toContain('ImportTable');
  });

  it('retries a throttled S3 read while locating the recorded export for the import', async () => {
    const manifest = JSON.stringify({
      manifestFilesS3Key: 'AWSDynamoDB/01/manifest-files.json',
      itemCount: 3,
    });
    const files = JSON.stringify({ dataFileS3Key: 'AWSDynamoDB/01/data/a.json.gz', itemCount: 3 });
    const body = (text: string) => ({ Body: { transformToString: async () => text } });
    const s3 = fakeClient({
      GetObjectCommand: [
        awsError('SlowDown', 503, 'Please reduce your request rate'),
        body(manifest),
        body(`${files}\n`),
      ],
    });
    const ddb = fakeClient({
      ImportTableCommand: [{ ImportTableDescription: { ImportArn: 'arn:i1' } }],
      DescribeImportCommand: [
        { ImportTableDescription: { ImportStatus: 'COMPLETED', ImportedItemCount: 3, ErrorCount: 0 } },
      ],
      DescribeTableCommand: [{ Table: { TableStatus: 'ACTIVE' } }],
    });
    const { ctx } = fakeStepContext({
      clients: { targetDdb: ddb, targetS3: s3 },
      facts: {
        source: {
          table: {
            TableName: 'src',
            TableArn: CN_TABLE,
            KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
            AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
            BillingModeSummary: { BillingMode: 'PAY_PER_REQUEST' },
          },
          tags: [],
        },
        targetAccountId: '222222222222',
      } as never,
      state: {
        stream,
        export: {
          ...startedExport,
          prefix: '',
          status: 'done',
          exportArn: `${CN_TABLE}/export/01`,
          exportTime: '2026-01-01T00:05:00.000Z',
          itemCount: 3,
        },
      },
    });
    await importTableStep(ctx);
    expect(ctx.state.load).toMatchObject({ status: 'done', importArn: 'arn:i1', totalFiles: 1 });
  });
});
