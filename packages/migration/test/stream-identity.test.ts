import { describe, expect, it } from 'vitest';
import type { PreflightContext } from '../src/preflight/preflight-types.js';
import { checkStream } from '../src/preflight/source-checks.js';
import { cdcLambdaStep } from '../src/steps/cdc-lambda-mode.js';
import { exportTableStep } from '../src/steps/export-table.js';
import { fakeClient, streamStatus, tableWithStream } from '@ddb-migrate/test-kit/fakes';
import { fakeStepContext } from './support/fake-step-context.js';

// Disabling and re-enabling a stream creates a new stream with a new ARN; the old one stops
// taking records (DynamoDB Developer Guide, "Change data capture for DynamoDB Streams", Enabling a
// stream). moto cannot enable a stream again, so the replaced ARN is modelled here.
const RECORDED = 'arn:aws:dynamodb:us-east-1:111111111111:table/src/stream/2026-01-01T00:00:00.000';
const REPLACED = 'arn:aws:dynamodb:us-east-1:111111111111:table/src/stream/2026-01-01T05:00:00.000';
const stream = {
  status: 'done' as const,
  streamArn: RECORDED,
  enabledAt: '2026-01-01T00:00:00Z',
  enabledByUs: true,
};
const exportDone = {
  status: 'done' as const,
  clientToken: 't',
  bucket: 'b',
  bucketOwner: '222222222222',
  prefix: 'p',
  requestedAt: '2026-01-01T00:01:00Z',
  exportArn: 'arn:aws:dynamodb:us-east-1:111111111111:table/src/export/01',
  exportTime: '2026-01-01T00:01:00.000Z',
};
const facts = {
  source: { table: { TableArn: 'arn:aws:dynamodb:us-east-1:111111111111:table/src' }, tags: [] },
  bucket: 'target-bucket',
  targetAccountId: '222222222222',
} as never;

describe('the recorded stream is checked before it is relied on', () => {
  it('refuses to start the export when the table has a new stream ARN, naming both and the remedy', async () => {
    const ddb = fakeClient({
      DescribeTableCommand: [tableWithStream(REPLACED)],
      ExportTableToPointInTimeCommand: [{ ExportDescription: { ExportArn: 'arn:e1' } }],
    });
    const streams = fakeClient({ DescribeStreamCommand: [streamStatus('ENABLED')] });
    const { ctx } = fakeStepContext({
      clients: { sourceDdb: ddb, sourceStreams: streams },
      facts,
      state: { stream },
    });
    const run = exportTableStep(ctx);
    await expect(run).rejects.toMatchObject({
      code: 'STREAM_REPLACED',
      message: expect.stringMatching(new RegExp(`${escapeRegExp(RECORDED)}.*${escapeRegExp(REPLACED)}`)),
      hint: expect.stringMatching(/new migration.*verify --repair/),
    });
    expect(ddb.names()).not.toContain('ExportTableToPointInTime');
  });

  it('refuses to start lambda CDC when the recorded stream is DISABLING, before touching the function', async () => {
    const ddb = fakeClient({ DescribeTableCommand: [tableWithStream(RECORDED)] });
    const streams = fakeClient({ DescribeStreamCommand: [streamStatus('DISABLING')] });
    const lambda = fakeClient({
      GetFunctionConfigurationCommand: [{ LastUpdateStatus: 'Successful' }],
      UpdateFunctionConfigurationCommand: [{}],
      ListEventSourceMappingsCommand: [{ EventSourceMappings: [] }],
      CreateEventSourceMappingCommand: [{ UUID: 'new' }],
    });
    const { ctx } = fakeStepContext({
      clients: { sourceDdb: ddb, sourceStreams: streams, sourceLambda: lambda },
      state: { stream, export: exportDone },
    });
    await expect(cdcLambdaStep(ctx)).rejects.toMatchObject({
      code: 'STREAM_DISABLED',
      message: expect.stringContaining('DISABLING'),
    });
    expect(lambda.names()).not.toContain('UpdateFunctionConfiguration');
    expect(lambda.names()).not.toContain('CreateEventSourceMapping');
  });

  it('refuses to start lambda CDC when the stream was disabled (table: StreamEnabled false)', async () => {
    const ddb = fakeClient({ DescribeTableCommand: [tableWithStream(RECORDED, { enabled: false })] });
    const streams = fakeClient({ DescribeStreamCommand: [streamStatus('DISABLED')] });
    const lambda = fakeClient({ CreateEventSourceMappingCommand: [{ UUID: 'new' }] });
    const { ctx } = fakeStepContext({
      clients: { sourceDdb: ddb, sourceStreams: streams, sourceLambda: lambda },
      state: { stream, export: exportDone },
    });
    await expect(cdcLambdaStep(ctx)).rejects.toMatchObject({ code: 'STREAM_DISABLED' });
    expect(lambda.calls).toEqual([]);
  });

  it('on resume, preflight refuses a recorded stream the table no longer has (exit 2, nothing changed)', async () => {
    const table = tableWithStream(REPLACED).Table;
    const streams = fakeClient({ DescribeStreamCommand: [streamStatus('ENABLED')] });
    const ctx = {
      options: { cdcMode: 'lambda', sourceTableName: 'src' },
      clients: { sourceStreams: streams },
      facts: { source: { table }, state: { stream, export: exportDone } },
    } as unknown as PreflightContext;
    const findings = await checkStream(ctx);
    expect(findings).toContainEqual(
      expect.objectContaining({
        level: 'error',
        code: 'STREAM_REPLACED',
        message: expect.stringContaining(RECORDED),
      }),
    );
  });

  it('on resume, preflight refuses when the table has no stream any more instead of planning a new one', async () => {
    const { Table: table } = tableWithStream(RECORDED, { enabled: false });
    const streams = fakeClient({ DescribeStreamCommand: [streamStatus('DISABLED')] });
    const facts = { source: { table }, state: { stream, export: exportDone } };
    const ctx = {
      options: { cdcMode: 'local', sourceTableName: 'src' },
      clients: { sourceStreams: streams },
      facts,
    } as unknown as PreflightContext;
    const findings = await checkStream(ctx);
    expect(findings).toContainEqual(expect.objectContaining({ level: 'error', code: 'STREAM_DISABLED' }));
    expect(facts).not.toHaveProperty('streamArn');
  });

  it('passes a recorded stream that is still the table ENABLED latest stream', async () => {
    const { Table: table } = tableWithStream(RECORDED);
    const streams = fakeClient({ DescribeStreamCommand: [streamStatus('ENABLED')] });
    const ctx = {
      options: { cdcMode: 'lambda', sourceTableName: 'src' },
      clients: { sourceStreams: streams },
      facts: { source: { table }, state: { stream, export: exportDone } },
    } as unknown as PreflightContext;
    const findings = await checkStream(ctx);
    expect(findings.filter((f) => f.level === 'error')).toEqual([]);
  });
});

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
