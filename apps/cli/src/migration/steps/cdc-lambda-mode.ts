import {
  CreateEventSourceMappingCommand,
  type CreateEventSourceMappingRequest,
  GetEventSourceMappingCommand,
  GetFunctionConfigurationCommand,
  ListEventSourceMappingsCommand,
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
  if (step.esmUuid) {
    try {
      await lambda.send(new GetEventSourceMappingCommand({ UUID: step.esmUuid }));
    } catch (err) {
      if ((err as Error).name !== 'ResourceNotFoundException')
        throw new AwsCallError('GetEventSourceMapping', err);
      delete step.esmUuid;
    }
  }
  if (!step.esmUuid) {
    const listed = await lambda.send(
      new ListEventSourceMappingsCommand({ EventSourceArn: streamArn, FunctionName: fn }),
    );
    step.esmUuid = listed.EventSourceMappings?.[0]?.UUID;
  }
  if (!step.esmUuid) {
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
