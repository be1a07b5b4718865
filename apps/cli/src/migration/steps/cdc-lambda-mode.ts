import {
  CreateEventSourceMappingCommand,
  type CreateEventSourceMappingRequest,
  type EventSourceMappingConfiguration,
  GetEventSourceMappingCommand,
  GetFunctionConfigurationCommand,
  ListEventSourceMappingsCommand,
  UpdateEventSourceMappingCommand,
  type UpdateEventSourceMappingRequest,
  UpdateFunctionConfigurationCommand,
} from '@aws-sdk/client-lambda';
import { AwsCallError, MigrationError } from '@ddb-migrate/core';
import type { StepContext } from '../step-context.js';

/** The function's environment for this migration (the seed's names, merged over what is there). */
export function cdcFunctionEnvironment(ctx: StepContext): Record<string, string> {
  const exportTime = ctx.state.export?.exportTime;
  if (!exportTime) throw new MigrationError('STATE_ORDER', 'CDC before the export finished');
  return {
    TARGET_DYNAMODB_TABLE_NAME: ctx.options.targetTableName,
    TARGET_REGION: ctx.options.targetRegion,
    TARGET_AWS_ACCOUNT_NUMBER: ctx.state.key.targetAccountId,
    EXPORT_TIME: exportTime,
    EXPORT_TIME_MARGIN_SECONDS: String(ctx.options.exportTimeMarginSeconds),
    ...(ctx.facts.dlqUrl ? { SQS_QUEUE_URL_FOR_FAILED_EVENTS: ctx.facts.dlqUrl } : {}),
    ...(ctx.sides.targetRoleArn ? { TARGET_ROLE_ARN: ctx.sides.targetRoleArn } : {}),
    ...(ctx.facts.fetchOnChange && ctx.facts.source?.table.TableArn
      ? { SOURCE_TABLE_ARN: ctx.facts.source.table.TableArn }
      : {}),
  };
}

/** The event source mapping request: TRIM_HORIZON, partial batch failures, bisect, bounded retries, SQS on failure. */
export function eventSourceMappingRequest(
  ctx: StepContext,
  streamArn: string,
): CreateEventSourceMappingRequest {
  const batchSize = ctx.options.lambdaEventSourceBatchSize;
  return {
    FunctionName: ctx.options.cdcLambdaFunctionName,
    EventSourceArn: streamArn,
    StartingPosition: 'TRIM_HORIZON',
    BatchSize: batchSize,
    ...(batchSize > 10 ? { MaximumBatchingWindowInSeconds: 1 } : {}),
    ParallelizationFactor: ctx.options.parallelizationFactor,
    BisectBatchOnFunctionError: true,
    MaximumRetryAttempts: ctx.options.maxRetryAttempts,
    MaximumRecordAgeInSeconds: -1,
    FunctionResponseTypes: ['ReportBatchItemFailures'],
    ...(ctx.facts.dlqArn ? { DestinationConfig: { OnFailure: { Destination: ctx.facts.dlqArn } } } : {}),
    Enabled: true,
  };
}

/**
 * Lambda mode: sets the migration's environment on the CDC function (merging the existing
 * variables), waits for the update, then maps the source stream to it. An existing mapping (state
 * or a mapping of this function on this stream) is reused, never duplicated.
 */
export async function cdcLambdaStep(ctx: StepContext): Promise<void> {
  const streamArn = ctx.state.stream?.streamArn;
  if (!streamArn) throw new MigrationError('STATE_ORDER', 'CDC before the stream was recorded');
  const lambda = ctx.clients.sourceLambda;
  const fn = ctx.options.cdcLambdaFunctionName;
  ctx.state.cdc ??= { status: 'started', mode: 'lambda', startedAt: new Date().toISOString() };
  const step = ctx.state.cdc;
  step.cutoff = ctx.state.export?.exportTime;
  await ctx.save();
  if (!step.functionConfigured) {
    try {
      const current = await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: fn }));
      const variables = { ...(current.Environment?.Variables ?? {}), ...cdcFunctionEnvironment(ctx) };
      await lambda.send(
        new UpdateFunctionConfigurationCommand({ FunctionName: fn, Environment: { Variables: variables } }),
      );
      for (let i = 0; i < 120; i++) {
        const c = await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: fn }));
        if (c.LastUpdateStatus === undefined || c.LastUpdateStatus === 'Successful') break;
        if (c.LastUpdateStatus === 'Failed') throw new Error(c.LastUpdateStatusReason ?? 'update failed');
        await ctx.sleep(1000);
      }
    } catch (err) {
      throw new AwsCallError('UpdateFunctionConfiguration', err);
    }
    step.functionConfigured = true;
    await ctx.save();
  }
  let existing: EventSourceMappingConfiguration | undefined;
  if (step.esmUuid) {
    try {
      existing = await lambda.send(new GetEventSourceMappingCommand({ UUID: step.esmUuid }));
    } catch (err) {
      if ((err as Error).name !== 'ResourceNotFoundException')
        throw new AwsCallError('GetEventSourceMapping', err);
      delete step.esmUuid;
    }
  }
  if (!existing) {
    // A crash between CreateEventSourceMapping and the save: the mapping exists, the state lacks it.
    const listed = await lambda.send(
      new ListEventSourceMappingsCommand({ EventSourceArn: streamArn, FunctionName: fn }),
    );
    existing = listed.EventSourceMappings?.[0];
  }
  if (existing?.UUID) {
    step.esmUuid = existing.UUID;
    await reconcileMapping(ctx, existing, eventSourceMappingRequest(ctx, streamArn));
  } else {
    try {
      const out = await lambda.send(
        new CreateEventSourceMappingCommand(eventSourceMappingRequest(ctx, streamArn)),
      );
      step.esmUuid = out.UUID;
    } catch (err) {
      throw new AwsCallError('CreateEventSourceMapping', err);
    }
    ctx.logger.info('event source mapping created', { uuid: step.esmUuid ?? '', function: fn });
  }
  step.status = 'done';
  await ctx.save();
}

/**
 * Brings a reused mapping to this migration's settings. Its starting position cannot change: a
 * mapping that started at LATEST has skipped the records since the export, so it is refused.
 */
async function reconcileMapping(
  ctx: StepContext,
  mapping: EventSourceMappingConfiguration,
  wanted: CreateEventSourceMappingRequest,
): Promise<void> {
  if (mapping.StartingPosition && mapping.StartingPosition !== 'TRIM_HORIZON') {
    throw new MigrationError(
      'ESM_WRONG_START',
      `Event source mapping ${mapping.UUID} of ${wanted.FunctionName} on the source stream starts at ${mapping.StartingPosition}, so it may have skipped changes after the export`,
      {
        hint: `Delete it (aws lambda delete-event-source-mapping --uuid ${mapping.UUID}) and run migrate again; it creates one at TRIM_HORIZON`,
      },
    );
  }
  const update: UpdateEventSourceMappingRequest = {
    UUID: mapping.UUID,
    BatchSize: wanted.BatchSize,
    ParallelizationFactor: wanted.ParallelizationFactor,
    BisectBatchOnFunctionError: wanted.BisectBatchOnFunctionError,
    MaximumRetryAttempts: wanted.MaximumRetryAttempts,
    MaximumRecordAgeInSeconds: wanted.MaximumRecordAgeInSeconds,
    FunctionResponseTypes: wanted.FunctionResponseTypes,
    ...(wanted.MaximumBatchingWindowInSeconds === undefined
      ? {}
      : { MaximumBatchingWindowInSeconds: wanted.MaximumBatchingWindowInSeconds }),
    ...(wanted.DestinationConfig ? { DestinationConfig: wanted.DestinationConfig } : {}),
  };
  const drift =
    mapping.BatchSize !== update.BatchSize ||
    mapping.ParallelizationFactor !== update.ParallelizationFactor ||
    mapping.BisectBatchOnFunctionError !== update.BisectBatchOnFunctionError ||
    mapping.MaximumRetryAttempts !== update.MaximumRetryAttempts ||
    !(mapping.FunctionResponseTypes ?? []).includes('ReportBatchItemFailures') ||
    (update.DestinationConfig !== undefined &&
      mapping.DestinationConfig?.OnFailure?.Destination !== update.DestinationConfig.OnFailure?.Destination);
  if (!drift) return;
  try {
    await ctx.clients.sourceLambda.send(new UpdateEventSourceMappingCommand(update));
  } catch (err) {
    throw new AwsCallError('UpdateEventSourceMapping', err);
  }
  ctx.logger.info('event source mapping updated to the migration settings', { uuid: mapping.UUID ?? '' });
}
