import {
  CreateEventSourceMappingCommand,
  type CreateEventSourceMappingRequest,
  type EventSourceMappingConfiguration,
  GetEventSourceMappingCommand,
  type FunctionConfiguration,
  GetFunctionConfigurationCommand,
  ListEventSourceMappingsCommand,
  UpdateEventSourceMappingCommand,
  type UpdateEventSourceMappingRequest,
  UpdateFunctionConfigurationCommand,
} from '@aws-sdk/client-lambda';
import { AwsCallError, InternalError, MigrationError, sdkErrorName } from '@ddb-migrate/core';
import { retryAws } from '../aws-retry.js';
import { type CdcAccount, cdcSideClients } from '../migration-clients.js';
import { targetRoleArn } from '../migration-input.js';
import { cdcAccountOf, cdcExportTime } from '../state/migration-state.js';
import {
  droppingMapping,
  isOwnUnsavedMapping,
  recordDroppingReason,
  unrecordedMapping,
} from '../mapping-policy.js';
import type { StepContext } from '../step-context.js';
import { cdcStreamStatement, cdcTableStatement, grantStatement } from './cdc-access-policy.js';
import { assertRecordedStream } from './recorded-stream.js';

/** The account this run puts the CDC function's mapping in. */
function cdcAccount(ctx: StepContext): CdcAccount {
  return ctx.options.cdcAccount;
}

/** The Lambda client of the account holding the CDC function. */
function cdcLambda(ctx: StepContext) {
  return cdcSideClients(ctx.clients, cdcAccount(ctx)).lambda;
}

/** The function's environment for this migration (the seed's names, merged over what is there). */
export function cdcFunctionEnvironment(ctx: StepContext): Record<string, string> {
  // T, or T2 after an incremental-export catch-up: the function replays from it minus the margin.
  const exportTime = cdcExportTime(ctx.state);
  if (!exportTime) throw new InternalError('CDC before the export finished');
  // In the target account the function writes its own account's table: no role to assume (a
  // TARGET_ROLE_ARN left from the source layout is cleared; the handler reads '' as none).
  const roleArn = cdcAccount(ctx) === 'target' ? '' : targetRoleArn(ctx.targetAccess);
  return {
    TARGET_DYNAMODB_TABLE_NAME: ctx.options.targetTableName,
    TARGET_REGION: ctx.options.targetRegion,
    TARGET_AWS_ACCOUNT_NUMBER: ctx.state.key.targetAccountId,
    EXPORT_TIME: exportTime,
    EXPORT_TIME_MARGIN_SECONDS: String(ctx.options.exportTimeMarginSeconds),
    ...(ctx.facts.dlqUrl ? { SQS_QUEUE_URL_FOR_FAILED_EVENTS: ctx.facts.dlqUrl } : {}),
    ...(roleArn === undefined ? {} : { TARGET_ROLE_ARN: roleArn }),
    ...(ctx.facts.fetchOnChange && ctx.facts.source.table.TableArn
      ? { SOURCE_TABLE_ARN: ctx.facts.source.table.TableArn }
      : {}),
  };
}

/**
 * The event source mapping request: TRIM_HORIZON, partial batch failures, bisect, SQS on failure,
 * and by default retries until the record expires (MaximumRetryAttempts and
 * MaximumRecordAgeInSeconds -1): a bounded retry under a long throttle or a broken role discards
 * whole batches and sends only their metadata to SQS, while the handler itself parks the records
 * that can never succeed in the DLQ with their content.
 */
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
 * variables), waits for the update, then maps the source stream to it. Only the mapping recorded
 * in the state (or the one this migration's recorded request created before a crash) is reused;
 * any other mapping of the function on the stream stops the run, since where it has read to is
 * unknown.
 */
export async function cdcLambdaStep(ctx: StepContext): Promise<void> {
  const streamArn = ctx.state.stream?.streamArn;
  if (!streamArn) throw new InternalError('CDC before the stream was recorded');
  await assertRecordedStream(ctx, 'before CDC starts');
  const lambda = cdcLambda(ctx);
  const fn = ctx.options.cdcLambdaFunctionName;
  const account = cdcAccount(ctx);
  if (ctx.state.cdc?.mode === 'lambda' && cdcAccountOf(ctx.state) !== account) {
    // Preflight refuses this first (CDC_ACCOUNT_CHANGED); a mapping in the other account may still read.
    throw new MigrationError(
      'CDC_ACCOUNT_CHANGED',
      `This migration's CDC runs in the ${cdcAccountOf(ctx.state)} account; --cdc-account ${account} would start a second one`,
      { hint: `Run migrate with --cdc-account ${cdcAccountOf(ctx.state)}` },
    );
  }
  ctx.state.cdc ??= { status: 'started', mode: 'lambda', startedAt: new Date().toISOString() };
  const step = ctx.state.cdc;
  if (account === 'target') step.account = 'target';
  step.cutoff = cdcExportTime(ctx.state);
  await ctx.save();
  if (!step.functionConfigured) {
    try {
      // A function mid-deploy rejects UpdateFunctionConfiguration with ResourceConflictException.
      const current = await waitForFunctionUpdate(ctx, 'before the update');
      const variables = { ...(current.Environment?.Variables ?? {}), ...cdcFunctionEnvironment(ctx) };
      await retryAws(
        ctx,
        'UpdateFunctionConfiguration',
        () =>
          lambda.send(
            new UpdateFunctionConfigurationCommand({
              FunctionName: fn,
              Environment: { Variables: variables },
            }),
          ),
        { retryOn: ['ResourceConflictException'], attempts: 20 },
      );
      // The mapping must not deliver records before the function runs with EXPORT_TIME.
      const updated = await waitForFunctionUpdate(ctx, 'after the update');
      if (updated.FunctionArn) step.functionArn = updated.FunctionArn;
      if (updated.Role) step.functionRoleArn = updated.Role;
    } catch (err) {
      if (err instanceof MigrationError) throw err;
      throw new AwsCallError('UpdateFunctionConfiguration', err);
    }
    step.functionConfigured = true;
    await ctx.save();
  }
  // Every run: a policy edited or deleted since is put back before the mapping reads the stream.
  if (account === 'target') await grantCdcAccess(ctx, streamArn);
  let existing: EventSourceMappingConfiguration | undefined;
  if (step.esmUuid) {
    try {
      existing = await lambda.send(new GetEventSourceMappingCommand({ UUID: step.esmUuid }));
    } catch (err) {
      if ((err as Error).name !== 'ResourceNotFoundException')
        throw new AwsCallError('GetEventSourceMapping', err);
      // Deleted (e.g. as a refusal asked): a new one is created; the old request marks nothing.
      delete step.esmUuid;
      delete step.esmRequestedAt;
    }
  }
  if (existing?.State === 'Deleting') existing = undefined;
  if (!existing) {
    const found = await findLiveMapping(ctx, streamArn);
    if (found) existing = adoptable(ctx, found);
  }
  if (!existing?.UUID) {
    let raced: EventSourceMappingConfiguration | undefined;
    // Write-ahead: a crash (or a lost response) after the request leaves a mapping with no UUID on
    // record; this time tells that mapping from one someone else made before.
    step.esmRequestedAt = new Date().toISOString();
    await ctx.save();
    try {
      await retryStreamAccess(ctx, () =>
        retryAws(
          ctx,
          'CreateEventSourceMapping',
          async () => {
            try {
              const out = await lambda.send(
                new CreateEventSourceMappingCommand(eventSourceMappingRequest(ctx, streamArn)),
              );
              step.esmUuid = out.UUID;
            } catch (err) {
              // ResourceConflictException: a mapping of this function on this stream appeared
              // meanwhile (reuse it), or the function is still updating (retried).
              if (sdkErrorName(err) !== 'ResourceConflictException') throw err;
              const found = await findLiveMapping(ctx, streamArn);
              if (!found?.UUID) throw err;
              raced = adoptable(ctx, found);
            }
          },
          { retryOn: ['ResourceConflictException'], attempts: 20 },
        ),
      );
    } catch (err) {
      if (err instanceof MigrationError) throw err;
      throw new AwsCallError('CreateEventSourceMapping', err);
    }
    if (raced?.UUID) {
      step.esmUuid = raced.UUID;
      await reconcileMapping(ctx, raced, eventSourceMappingRequest(ctx, streamArn));
    } else {
      ctx.logger.info('event source mapping created', { uuid: step.esmUuid ?? '', function: fn });
    }
  } else {
    step.esmUuid = existing.UUID;
    await reconcileMapping(ctx, existing, eventSourceMappingRequest(ctx, streamArn));
  }
  step.status = 'done';
  await ctx.save();
}

/** The mapping if this migration's recorded request made it; otherwise the run stops (exit 3). */
function adoptable(
  ctx: StepContext,
  found: EventSourceMappingConfiguration,
): EventSourceMappingConfiguration {
  if (isOwnUnsavedMapping(found, ctx.state.cdc)) {
    ctx.logger.info('found the event source mapping this migration requested', { uuid: found.UUID ?? '' });
    return found;
  }
  const { message, fix } = unrecordedMapping(found, ctx.options.cdcLambdaFunctionName);
  throw new MigrationError('ESM_NOT_RECORDED', message, { hint: fix });
}

/**
 * Brings a reused mapping to this migration's settings. Settings that lost records for good (a
 * start at LATEST, a filter, no ReportBatchItemFailures) are refused; the others (batching,
 * retries, record age, bisect, on-failure destination, tumbling window, enabled) are updated.
 */
async function reconcileMapping(
  ctx: StepContext,
  found: EventSourceMappingConfiguration,
  wanted: CreateEventSourceMappingRequest,
): Promise<void> {
  // Creating/Updating/Enabling/Disabling: UpdateEventSourceMapping fails with ResourceInUseException.
  const mapping = await waitForMappingSettled(ctx, found);
  const reason = recordDroppingReason(mapping);
  if (reason) {
    const { message, fix } = droppingMapping(mapping, reason);
    throw new MigrationError('ESM_DROPS_RECORDS', message, { hint: fix });
  }
  const update: UpdateEventSourceMappingRequest = {
    UUID: mapping.UUID,
    Enabled: true,
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
    // A tumbling window hands the function aggregation state it does not keep; none is wanted.
    ...(mapping.TumblingWindowInSeconds ? { TumblingWindowInSeconds: 0 } : {}),
  };
  // Settings under which batches were discarded (their metadata sent to the on-failure destination).
  const discarding =
    mapping.MaximumRetryAttempts !== update.MaximumRetryAttempts ||
    (mapping.MaximumRecordAgeInSeconds ?? -1) !== update.MaximumRecordAgeInSeconds ||
    mapping.BisectBatchOnFunctionError !== update.BisectBatchOnFunctionError ||
    (update.DestinationConfig !== undefined &&
      mapping.DestinationConfig?.OnFailure?.Destination !== update.DestinationConfig.OnFailure?.Destination);
  const drift =
    discarding ||
    mapping.State === 'Disabled' ||
    mapping.BatchSize !== update.BatchSize ||
    mapping.ParallelizationFactor !== update.ParallelizationFactor ||
    !(mapping.FunctionResponseTypes ?? []).includes('ReportBatchItemFailures') ||
    (mapping.TumblingWindowInSeconds ?? 0) !== 0;
  if (!drift) return;
  if (discarding) {
    ctx.logger.warn(
      'the event source mapping had other retry/on-failure settings; batches it discarded left metadata at its on-failure destination (ddb-migrate replay-dlq)',
      {
        uuid: mapping.UUID ?? '',
        maximumRetryAttempts: mapping.MaximumRetryAttempts ?? -1,
        maximumRecordAgeInSeconds: mapping.MaximumRecordAgeInSeconds ?? -1,
        destination: mapping.DestinationConfig?.OnFailure?.Destination ?? '',
      },
    );
  }
  try {
    await retryAws(
      ctx,
      'UpdateEventSourceMapping',
      () => cdcLambda(ctx).send(new UpdateEventSourceMappingCommand(update)),
      { retryOn: ['ResourceInUseException', 'ResourceConflictException'], attempts: 20 },
    );
  } catch (err) {
    throw new AwsCallError('UpdateEventSourceMapping', err);
  }
  ctx.logger.info('event source mapping updated to the migration settings', { uuid: mapping.UUID ?? '' });
}

/** Lambda's states during which the function's configuration may not be changed or relied on. */
const FUNCTION_BUSY = new Set(['InProgress']);

/**
 * Polls GetFunctionConfiguration until no update is in progress (LastUpdateStatus Successful, or
 * absent on stand-ins) and the function is not Pending. Failed updates and timeouts stop the run.
 */
async function waitForFunctionUpdate(ctx: StepContext, when: string): Promise<FunctionConfiguration> {
  const fn = ctx.options.cdcLambdaFunctionName;
  const deadline = Date.now() + FUNCTION_UPDATE_TIMEOUT_MS;
  for (let i = 0; ; i++) {
    const c = await retryAws(ctx, 'GetFunctionConfiguration', () =>
      cdcLambda(ctx).send(new GetFunctionConfigurationCommand({ FunctionName: fn })),
    );
    if (c.LastUpdateStatus === 'Failed' && when === 'after the update') {
      throw new MigrationError(
        'FUNCTION_UPDATE_FAILED',
        `Updating the configuration of ${fn} failed: ${c.LastUpdateStatusReasonCode ?? ''} ${c.LastUpdateStatusReason ?? ''}`.trim(),
        { hint: 'Fix the function (see LastUpdateStatusReason) and run migrate again; it resumes here' },
      );
    }
    const busy = FUNCTION_BUSY.has(c.LastUpdateStatus ?? '') || c.State === 'Pending';
    if (!busy) return c;
    if (i >= FUNCTION_UPDATE_MAX_POLLS || Date.now() > deadline) {
      throw new MigrationError(
        'FUNCTION_UPDATE_TIMEOUT',
        `${fn} still has an update in progress (LastUpdateStatus ${c.LastUpdateStatus}, State ${c.State}) ${when}`,
        {
          hint: 'Wait until `aws lambda get-function-configuration` shows LastUpdateStatus Successful, then run migrate again',
        },
      );
    }
    await ctx.sleep(FUNCTION_POLL_MS);
  }
}

const FUNCTION_POLL_MS = 2000;
const FUNCTION_UPDATE_MAX_POLLS = 300;
const FUNCTION_UPDATE_TIMEOUT_MS = 10 * 60_000;

/** Mapping states in which it can be updated; transitional states are waited out. */
const MAPPING_SETTLED = new Set(['Enabled', 'Disabled']);

/** A mapping of the function on the stream that is not being deleted (crash before the save, or a race). */
async function findLiveMapping(
  ctx: StepContext,
  streamArn: string,
): Promise<EventSourceMappingConfiguration | undefined> {
  const listed = await retryAws(ctx, 'ListEventSourceMappings', () =>
    cdcLambda(ctx).send(
      new ListEventSourceMappingsCommand({
        EventSourceArn: streamArn,
        FunctionName: ctx.options.cdcLambdaFunctionName,
      }),
    ),
  );
  return listed.EventSourceMappings?.find((m) => m.State !== 'Deleting');
}

/** Re-reads the mapping until it is Enabled or Disabled (stand-ins that report no State pass at once). */
async function waitForMappingSettled(
  ctx: StepContext,
  mapping: EventSourceMappingConfiguration,
): Promise<EventSourceMappingConfiguration> {
  let current = mapping;
  for (let i = 0; current.State !== undefined && !MAPPING_SETTLED.has(current.State); i++) {
    if (i >= FUNCTION_UPDATE_MAX_POLLS) {
      throw new MigrationError(
        'ESM_NOT_SETTLED',
        `Event source mapping ${mapping.UUID} stays ${current.State}`,
        { hint: 'Check it with `aws lambda get-event-source-mapping` and run migrate again' },
      );
    }
    await ctx.sleep(FUNCTION_POLL_MS);
    current = await retryAws(ctx, 'GetEventSourceMapping', () =>
      cdcLambda(ctx).send(new GetEventSourceMappingCommand({ UUID: mapping.UUID })),
    );
  }
  return current;
}

/**
 * `--cdc-account target`: the function's execution role may read the source stream (and, for
 * fetch-on-change, the source table) through their resource policies. The statements are merged
 * into whatever policy is there and recorded; a policy attaches to one stream ARN, so a new stream
 * (a new migration) gets its own.
 */
async function grantCdcAccess(ctx: StepContext, streamArn: string): Promise<void> {
  const step = ctx.state.cdc;
  if (!step) throw new InternalError('CDC access before the CDC step started');
  // The role as it is now: a function redeployed with another role needs the statement for that one.
  const c = await waitForFunctionUpdate(ctx, 'before the stream policy');
  const roleArn = c.Role;
  if (c.FunctionArn) step.functionArn = c.FunctionArn;
  if (!roleArn) {
    throw new MigrationError(
      'FUNCTION_ROLE_UNKNOWN',
      `${ctx.options.cdcLambdaFunctionName} reports no execution role`,
      {
        hint: 'Check the function with `aws lambda get-function-configuration` in the target account',
      },
    );
  }
  step.functionRoleArn = roleArn;
  const grants = [
    await grantStatement(ctx, ctx.clients.sourceDdb, streamArn, cdcStreamStatement(roleArn, streamArn)),
  ];
  const tableArn = ctx.facts.source.table.TableArn;
  if (ctx.facts.fetchOnChange && tableArn) {
    grants.push(
      await grantStatement(ctx, ctx.clients.sourceDdb, tableArn, cdcTableStatement(roleArn, tableArn)),
    );
  }
  step.accessGrants = grants;
  await ctx.save();
}

/** How long a new stream policy may take to reach Lambda's check (policies are eventually consistent). */
const STREAM_ACCESS_ATTEMPTS = 12;
const STREAM_ACCESS_WAIT_MS = 5000;

/**
 * Lambda checks at CreateEventSourceMapping that the execution role can read the stream
 * (InvalidParameterValueException "Cannot access stream ..."); right after the stream policy was put
 * that can fail until the policy propagates, so the create is retried for about a minute.
 */
async function retryStreamAccess<T>(ctx: StepContext, call: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (err) {
      const denied =
        cdcAccount(ctx) === 'target' &&
        sdkErrorName(err) === 'InvalidParameterValueException' &&
        /cannot access stream/i.test((err as Error).message ?? '');
      if (!denied) throw err;
      if (attempt >= STREAM_ACCESS_ATTEMPTS) {
        throw new MigrationError(
          'STREAM_ACCESS_DENIED',
          `Lambda cannot read the source stream with ${ctx.options.cdcLambdaFunctionName}'s role although ddb-migrate put the stream policy (${(err as Error).message})`,
          {
            hint: "Allow dynamodb:DescribeStream, GetRecords and GetShardIterator on the source stream in the role's own policy (cfn/target.yaml with CdcAccount=target does), then run migrate again",
            cause: err,
          },
        );
      }
      ctx.logger.info('waiting for the stream policy to reach Lambda', { attempt });
      await ctx.sleep(STREAM_ACCESS_WAIT_MS);
    }
  }
}
