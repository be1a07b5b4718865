import { describe, expect, it } from 'vitest';
import { exportTableStep } from '../src/steps/export-table.js';
import { awsError, fakeClient, streamStatus, tableWithStream } from '@ddb-migrate/test-kit/fakes';
import { fakeStepContext } from './support/fake-step-context.js';

const TABLE_ARN = 'arn:aws:dynamodb:us-east-1:111111111111:table/src';
const facts = {
  source: { table: { TableArn: TABLE_ARN }, tags: [] },
  bucket: 'target-bucket',
  targetAccountId: '222222222222',
} as never;
const stream = {
  status: 'done' as const,
  streamArn: 'arn:aws:dynamodb:us-east-1:111111111111:table/src/stream/2026-01-01T00:00:00.000',
  enabledAt: '2026-01-01T00:00:00Z',
  enabledByUs: true,
};
/** The recorded stream is still the table's ENABLED stream (checked before every export request). */
const tableReplies = { DescribeTableCommand: [tableWithStream(stream.streamArn)] };
const streams = () => fakeClient({ DescribeStreamCommand: [streamStatus('ENABLED')] });
const completed = {
  ExportDescription: {
    ExportStatus: 'COMPLETED',
    ExportTime: new Date('2026-01-01T00:05:00Z'),
    ItemCount: 7,
  },
};

describe('export step on AWS semantics', () => {
  it('keeps waiting when DescribeExport is throttled (a throttled poll is not a failed export)', async () => {
    const ddb = fakeClient({
      ...tableReplies,
      ExportTableToPointInTimeCommand: [
        { ExportDescription: { ExportArn: 'arn:e1', ExportStatus: 'IN_PROGRESS' } },
      ],
      DescribeExportCommand: [
        awsError('ThrottlingException', 400, 'Rate exceeded'),
        { ExportDescription: { ExportStatus: 'IN_PROGRESS' } },
        awsError('InternalServerError', 500),
        completed,
      ],
    });
    const { ctx } = fakeStepContext({
      clients: { sourceDdb: ddb, sourceStreams: streams() },
      facts,
      state: { stream },
    });
    await exportTableStep(ctx);
    expect(ctx.state.export).toMatchObject({
      status: 'done',
      exportTime: '2026-01-01T00:05:00.000Z',
      itemCount: 7,
    });
  });

  it('retries a throttled ExportTableToPointInTime with the same ClientToken', async () => {
    const ddb = fakeClient({
      ...tableReplies,
      ExportTableToPointInTimeCommand: [
        awsError('LimitExceededException', 400, 'Too many exports'),
        { ExportDescription: { ExportArn: 'arn:e1' } },
      ],
      DescribeExportCommand: [completed],
    });
    const { ctx } = fakeStepContext({
      clients: { sourceDdb: ddb, sourceStreams: streams() },
      facts,
      state: { stream },
    });
    await exportTableStep(ctx);
    const tokens = ddb.calls
      .filter((c) => c.command === 'ExportTableToPointInTimeCommand')
      .map((c) => c.input.ClientToken);
    expect(tokens).toHaveLength(2);
    expect(tokens[0]).toBe(tokens[1]);
    expect(ctx.state.export?.exportArn).toBe('arn:e1');
  });

  it('surfaces a FAILED export with FailureCode, FailureMessage and a remedy; the re-run starts a new export', async () => {
    const failed = {
      ExportDescription: {
        ExportStatus: 'FAILED',
        FailureCode: 'S3AccessDenied',
        FailureMessage: 'Access Denied',
      },
    };
    const first = fakeClient({
      ...tableReplies,
      ExportTableToPointInTimeCommand: [{ ExportDescription: { ExportArn: 'arn:e1' } }],
      DescribeExportCommand: [failed],
    });
    const run1 = fakeStepContext({
      clients: { sourceDdb: first, sourceStreams: streams() },
      facts,
      state: { stream },
    });
    const err = await exportTableStep(run1.ctx).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'EXPORT_FAILED', message: expect.stringContaining('S3AccessDenied') });
    expect((err as Error).message).toContain('Access Denied');
    expect((err as { hint: string }).hint).toMatch(/s3:PutObject/);
    expect(run1.ctx.state.export?.failure?.code).toBe('S3AccessDenied');

    // Re-run with the state of run 1: a new export (new ClientToken), not the failed one again.
    const second = fakeClient({
      ...tableReplies,
      ExportTableToPointInTimeCommand: [{ ExportDescription: { ExportArn: 'arn:e2' } }],
      DescribeExportCommand: [
        (input: Record<string, unknown>) => (input.ExportArn === 'arn:e2' ? completed : failed),
      ],
    });
    const run2 = fakeStepContext({
      clients: { sourceDdb: second, sourceStreams: streams() },
      facts,
      state: structuredClone(run1.ctx.state),
    });
    await exportTableStep(run2.ctx);
    expect(run2.ctx.state.export).toMatchObject({
      status: 'done',
      exportArn: 'arn:e2',
      failedExportArns: ['arn:e1'],
    });
    expect(run2.ctx.state.export?.clientToken).not.toBe(run1.ctx.state.export?.clientToken);
    expect(run2.ctx.state.export?.failure).toBeUndefined();
  });
});
