import { DescribeTableCommand, UpdateTableCommand } from '@aws-sdk/client-dynamodb';
import { DescribeStreamCommand } from '@aws-sdk/client-dynamodb-streams';
import { AwsCallError, MigrationError, sdkErrorName } from '@ddb-migrate/core';
import { retryAws } from '../aws-retry.js';
import type { StepContext } from '../step-context.js';

/**
 * Makes sure the source has a stream and records its ARN and enable time. An existing stream is
 * kept whatever its view type (KEYS_ONLY/OLD_IMAGE -> fetch-on-change); otherwise a
 * NEW_AND_OLD_IMAGES stream is enabled. Never disables a stream (that would change its ARN).
 */
export async function enableStreamStep(ctx: StepContext): Promise<void> {
  if (ctx.state.stream?.status === 'done') return;
  const table = ctx.options.sourceTableName;
  const existing = await describeStream(ctx);
  if (existing && !ctx.state.stream) {
    ctx.state.stream = {
      status: 'done',
      streamArn: existing.arn,
      viewType: existing.viewType,
      enabledAt: (streamStartedAt(existing.label) ?? new Date()).toISOString(),
      enabledByUs: false,
    };
    await ctx.save();
    return;
  }
  if (!existing) {
    ctx.state.stream = { status: 'started', enabledAt: new Date().toISOString(), enabledByUs: true };
    await ctx.save();
    try {
      // ResourceInUseException: the table is UPDATING (a GSI, capacity or PITR-independent
      // change in flight); AWS accepts one UpdateTable at a time, so wait and try again.
      await retryAws(
        ctx,
        'UpdateTable (enable stream)',
        async () => {
          // A retry after a lost response may find the stream already on (ValidationException otherwise).
          if (await describeStream(ctx)) return;
          await ctx.clients.sourceDdb.send(
            new UpdateTableCommand({
              TableName: table,
              StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' },
            }),
          );
        },
        { retryOn: ['ResourceInUseException', 'LimitExceededException'], attempts: 40, maxMs: 30_000 },
      );
    } catch (err) {
      throw new AwsCallError('UpdateTable (enable stream)', err, {
        hint:
          sdkErrorName(err) === 'ResourceInUseException'
            ? `Table ${table} stayed UPDATING; wait until it is ACTIVE and run migrate again`
            : 'Allow dynamodb:UpdateTable on the source table',
      });
    }
  }
  let stream = existing ?? (await describeStream(ctx));
  let enabled = false;
  for (let i = 0; i < 300; i++) {
    enabled = stream !== undefined && (await streamEnabled(ctx, stream.arn));
    if (enabled) break;
    await ctx.sleep(1000);
    stream = await describeStream(ctx);
  }
  // Never record a stream that is still ENABLING: changes before it is ENABLED may be missing.
  if (!stream || !enabled)
    throw new MigrationError('STREAM_NOT_ENABLED', `The stream on ${table} did not become ENABLED`, {
      hint: 'Check the table and its stream (aws dynamodbstreams describe-stream) and run migrate again',
    });
  const record = ctx.state.stream ?? {
    status: 'started',
    enabledAt: new Date().toISOString(),
    enabledByUs: true,
  };
  // Enable time = when the stream is ready, so every change after it is in the stream.
  Object.assign(record, {
    status: 'done',
    streamArn: stream.arn,
    viewType: stream.viewType,
    enabledAt: new Date().toISOString(),
  });
  ctx.state.stream = record;
  ctx.logger.info('source stream ready', { table, viewType: stream.viewType });
  await ctx.save();
}

/** A stream label is the stream's creation timestamp (ISO 8601, UTC); undefined if unparseable. */
function streamStartedAt(label: string | undefined): Date | undefined {
  if (!label) return undefined;
  const ms = Date.parse(/[zZ]|[+-]\d\d:?\d\d$/.test(label) ? label : `${label}Z`);
  return Number.isFinite(ms) && ms <= Date.now() ? new Date(ms) : undefined;
}

async function describeStream(
  ctx: StepContext,
): Promise<{ arn: string; viewType: string; label?: string } | undefined> {
  const out = await retryAws(ctx, 'DescribeTable', () =>
    ctx.clients.sourceDdb.send(new DescribeTableCommand({ TableName: ctx.options.sourceTableName })),
  );
  const spec = out.Table?.StreamSpecification;
  if (!spec?.StreamEnabled || !out.Table?.LatestStreamArn) return undefined;
  return {
    arn: out.Table.LatestStreamArn,
    viewType: spec.StreamViewType ?? 'NEW_AND_OLD_IMAGES',
    ...(out.Table.LatestStreamLabel ? { label: out.Table.LatestStreamLabel } : {}),
  };
}

async function streamEnabled(ctx: StepContext, arn: string): Promise<boolean> {
  try {
    const out = await retryAws(ctx, 'DescribeStream', () =>
      ctx.clients.sourceStreams.send(new DescribeStreamCommand({ StreamArn: arn, Limit: 1 })),
    );
    return out.StreamDescription?.StreamStatus === 'ENABLED';
  } catch (err) {
    // A stream created a moment ago may not be visible to DescribeStream yet.
    if (sdkErrorName(err) === 'ResourceNotFoundException') return false;
    throw err;
  }
}
