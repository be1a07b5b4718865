import { DescribeTableCommand, UpdateTableCommand } from '@aws-sdk/client-dynamodb';
import { DescribeStreamCommand } from '@aws-sdk/client-dynamodb-streams';
import { AwsCallError, MigrationError } from '@ddb-migrate/core';
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
      await ctx.clients.sourceDdb.send(
        new UpdateTableCommand({
          TableName: table,
          StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' },
        }),
      );
    } catch (err) {
      throw new AwsCallError('UpdateTable (enable stream)', err);
    }
  }
  let stream = existing ?? (await describeStream(ctx));
  for (let i = 0; i < 300 && (!stream || !(await streamEnabled(ctx, stream.arn))); i++) {
    await ctx.sleep(1000);
    stream = await describeStream(ctx);
  }
  if (!stream)
    throw new MigrationError('STREAM_NOT_ENABLED', `The stream on ${table} did not become ENABLED`);
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
  const out = await ctx.clients.sourceDdb.send(
    new DescribeTableCommand({ TableName: ctx.options.sourceTableName }),
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
  const out = await ctx.clients.sourceStreams.send(new DescribeStreamCommand({ StreamArn: arn, Limit: 1 }));
  return out.StreamDescription?.StreamStatus === 'ENABLED';
}
