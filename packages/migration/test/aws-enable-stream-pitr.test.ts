import { describe, expect, it } from 'vitest';
import { enablePitrStep } from '../src/steps/enable-pitr.js';
import { enableStreamStep } from '../src/steps/enable-stream.js';
import { awsError, fakeClient } from '@ddb-migrate/test-kit/fakes';
import { fakeStepContext } from './support/fake-step-context.js';

const ARN = 'arn:aws:dynamodb:us-east-1:111111111111:table/src/stream/2026-01-01T00:00:00.000';

/** A source table that is UPDATING for `busyCalls` UpdateTable calls, then takes the stream. */
function tableModel(busyCalls: number) {
  let busy = busyCalls;
  let stream = false;
  return fakeClient({
    DescribeTableCommand: [
      () => ({
        Table: {
          TableStatus: busy > 0 ? 'UPDATING' : 'ACTIVE',
          ...(stream
            ? {
                StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' },
                LatestStreamArn: ARN,
              }
            : {}),
        },
      }),
    ],
    UpdateTableCommand: [
      () => {
        if (busy > 0) {
          busy -= 1;
          return awsError(
            'ResourceInUseException',
            400,
            'Attempt to change a resource which is still in use',
          );
        }
        stream = true;
        return {};
      },
    ],
  });
}

describe('enable stream on AWS semantics', () => {
  it('retries UpdateTable while the table is UPDATING (ResourceInUseException)', async () => {
    const ddb = tableModel(2);
    const streams = fakeClient({
      DescribeStreamCommand: [{ StreamDescription: { StreamStatus: 'ENABLED' } }],
    });
    const { ctx, sleeps } = fakeStepContext({ clients: { sourceDdb: ddb, sourceStreams: streams } });
    await enableStreamStep(ctx);
    expect(ctx.state.stream).toMatchObject({ status: 'done', streamArn: ARN, enabledByUs: true });
    expect(ddb.names().filter((n) => n === 'UpdateTable')).toHaveLength(3);
    expect(sleeps.length).toBeGreaterThanOrEqual(2);
  });

  it('waits through DescribeStream ResourceNotFoundException right after enabling, then ENABLING', async () => {
    const ddb = tableModel(0);
    const streams = fakeClient({
      DescribeStreamCommand: [
        awsError('ResourceNotFoundException', 400, 'Requested resource not found'),
        { StreamDescription: { StreamStatus: 'ENABLING' } },
        { StreamDescription: { StreamStatus: 'ENABLED' } },
      ],
    });
    const { ctx } = fakeStepContext({ clients: { sourceDdb: ddb, sourceStreams: streams } });
    await enableStreamStep(ctx);
    expect(ctx.state.stream?.status).toBe('done');
    expect(streams.calls).toHaveLength(3);
  });

  it('does not record a stream that never becomes ENABLED', async () => {
    const ddb = tableModel(0);
    const streams = fakeClient({
      DescribeStreamCommand: [{ StreamDescription: { StreamStatus: 'ENABLING' } }],
    });
    const { ctx } = fakeStepContext({ clients: { sourceDdb: ddb, sourceStreams: streams } });
    await expect(enableStreamStep(ctx)).rejects.toMatchObject({ code: 'STREAM_NOT_ENABLED' });
    expect(ctx.state.stream?.status).toBe('started');
  });
});

describe('enable PITR on AWS semantics', () => {
  it('retries UpdateContinuousBackups while backups are still being set up on a new table', async () => {
    const ddb = fakeClient({
      UpdateContinuousBackupsCommand: [
        awsError('ContinuousBackupsUnavailableException', 400, 'Backups are being enabled for the table'),
        awsError('ContinuousBackupsUnavailableException', 400, 'Backups are being enabled for the table'),
        {},
      ],
      DescribeContinuousBackupsCommand: [
        {
          ContinuousBackupsDescription: {
            PointInTimeRecoveryDescription: { PointInTimeRecoveryStatus: 'ENABLED' },
          },
        },
      ],
    });
    const { ctx } = fakeStepContext({ clients: { sourceDdb: ddb }, facts: { pitrEnabled: false } });
    await enablePitrStep(ctx);
    expect(ctx.state.pitr).toMatchObject({ status: 'done', enabledByUs: true });
    expect(ddb.names().filter((n) => n === 'UpdateContinuousBackups')).toHaveLength(3);
  });

  it('stops when PITR never reports ENABLED (the export would fail)', async () => {
    const ddb = fakeClient({
      UpdateContinuousBackupsCommand: [{}],
      DescribeContinuousBackupsCommand: [
        {
          ContinuousBackupsDescription: {
            PointInTimeRecoveryDescription: { PointInTimeRecoveryStatus: 'DISABLED' },
          },
        },
      ],
    });
    const { ctx } = fakeStepContext({ clients: { sourceDdb: ddb }, facts: { pitrEnabled: false } });
    await expect(enablePitrStep(ctx)).rejects.toMatchObject({ code: 'PITR_NOT_ENABLED' });
    expect(ctx.state.pitr?.status).toBe('started');
  });
});
