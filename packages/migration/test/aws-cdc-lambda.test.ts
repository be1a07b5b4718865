import { describe, expect, it } from 'vitest';
import { cdcLambdaStep } from '../src/steps/cdc-lambda-mode.js';
import { awsError, fakeClient, liveStreamClients } from '@ddb-migrate/test-kit/fakes';
import { fakeStepContext } from './support/fake-step-context.js';

const STREAM = 'arn:aws:dynamodb:us-east-1:111111111111:table/src/stream/2026-01-01T00:00:00.000';
const baseState = {
  stream: {
    status: 'done' as const,
    streamArn: STREAM,
    enabledAt: '2026-01-01T00:00:00Z',
    enabledByUs: true,
  },
  export: {
    status: 'done' as const,
    clientToken: 't',
    bucket: 'b',
    bucketOwner: '222222222222',
    prefix: 'p',
    requestedAt: '2026-01-01T00:01:00Z',
    exportArn: 'arn:x',
    exportTime: '2026-01-01T00:01:00.000Z',
  },
};
const settledMapping = {
  UUID: 'u1',
  State: 'Enabled',
  StartingPosition: 'TRIM_HORIZON',
  BatchSize: 100,
  ParallelizationFactor: 1,
  BisectBatchOnFunctionError: true,
  MaximumRetryAttempts: -1,
  FunctionResponseTypes: ['ReportBatchItemFailures'],
};

describe('cdc lambda step on AWS semantics', () => {
  it('waits for an in-progress function update before UpdateFunctionConfiguration and before mapping', async () => {
    // Lambda rejects both calls with ResourceConflictException while LastUpdateStatus is InProgress.
    let busyPolls = 2;
    const status = () => (busyPolls > 0 ? 'InProgress' : 'Successful');
    const lambda = fakeClient({
      GetFunctionConfigurationCommand: [
        () => {
          const s = status();
          busyPolls = Math.max(0, busyPolls - 1);
          return { LastUpdateStatus: s, State: 'Active', Environment: { Variables: { KEEP: '1' } } };
        },
      ],
      UpdateFunctionConfigurationCommand: [
        () => {
          if (busyPolls > 0) return awsError('ResourceConflictException', 409, 'An update is in progress');
          busyPolls = 1;
          return { LastUpdateStatus: 'InProgress' };
        },
      ],
      ListEventSourceMappingsCommand: [{ EventSourceMappings: [] }],
      CreateEventSourceMappingCommand: [
        () =>
          busyPolls > 0
            ? awsError('ResourceConflictException', 409, 'An update is in progress')
            : { UUID: 'new' },
      ],
    });
    const { ctx } = fakeStepContext({
      clients: { ...liveStreamClients(STREAM), sourceLambda: lambda },
      state: baseState,
    });
    await cdcLambdaStep(ctx);
    expect(ctx.state.cdc?.esmUuid).toBe('new');
    const update = lambda.calls.find((c) => c.command === 'UpdateFunctionConfigurationCommand');
    expect(update?.input).toMatchObject({
      Environment: { Variables: { KEEP: '1', EXPORT_TIME: '2026-01-01T00:01:00.000Z' } },
    });
    expect(lambda.names().filter((n) => n === 'UpdateFunctionConfiguration')).toHaveLength(1);
  });

  it('stops with FUNCTION_UPDATE_TIMEOUT instead of mapping a function whose update never finishes', async () => {
    const lambda = fakeClient({
      GetFunctionConfigurationCommand: [
        { LastUpdateStatus: 'Successful' },
        { LastUpdateStatus: 'InProgress' },
      ],
      UpdateFunctionConfigurationCommand: [{}],
      ListEventSourceMappingsCommand: [{ EventSourceMappings: [] }],
      CreateEventSourceMappingCommand: [{ UUID: 'new' }],
    });
    const { ctx } = fakeStepContext({
      clients: { ...liveStreamClients(STREAM), sourceLambda: lambda },
      state: baseState,
    });
    await expect(cdcLambdaStep(ctx)).rejects.toMatchObject({ code: 'FUNCTION_UPDATE_TIMEOUT' });
    expect(lambda.names()).not.toContain('CreateEventSourceMapping');
    expect(ctx.state.cdc?.functionConfigured).toBeFalsy();
  });

  it('surfaces a Failed function update with its reason', async () => {
    const lambda = fakeClient({
      GetFunctionConfigurationCommand: [
        { LastUpdateStatus: 'Successful' },
        {
          LastUpdateStatus: 'Failed',
          LastUpdateStatusReasonCode: 'KMSAccessDenied',
          LastUpdateStatusReason: 'no kms',
        },
      ],
      UpdateFunctionConfigurationCommand: [{}],
    });
    const { ctx } = fakeStepContext({
      clients: { ...liveStreamClients(STREAM), sourceLambda: lambda },
      state: baseState,
    });
    await expect(cdcLambdaStep(ctx)).rejects.toMatchObject({
      code: 'FUNCTION_UPDATE_FAILED',
      message: expect.stringContaining('KMSAccessDenied'),
    });
  });

  it('waits for a reused mapping in Creating state before UpdateEventSourceMapping', async () => {
    let reads = 0;
    const lambda = fakeClient({
      GetEventSourceMappingCommand: [
        () => {
          reads += 1;
          return { ...settledMapping, BatchSize: 50, State: reads < 3 ? 'Creating' : 'Enabled' };
        },
      ],
      UpdateEventSourceMappingCommand: [
        () => (reads < 3 ? awsError('ResourceInUseException', 400, 'mapping is Creating') : { UUID: 'u1' }),
      ],
    });
    const { ctx } = fakeStepContext({
      clients: { ...liveStreamClients(STREAM), sourceLambda: lambda },
      state: {
        ...baseState,
        cdc: { status: 'started', mode: 'lambda', functionConfigured: true, esmUuid: 'u1' },
      },
    });
    await cdcLambdaStep(ctx);
    const updates = lambda.calls.filter((c) => c.command === 'UpdateEventSourceMappingCommand');
    expect(updates).toHaveLength(1);
    expect(updates[0]?.input).toMatchObject({ UUID: 'u1', BatchSize: 100 });
    expect(updates[0]?.input.StartingPosition).toBeUndefined();
    expect(ctx.state.cdc?.status).toBe('done');
  });

  it('re-enables a reused mapping that is Disabled (otherwise CDC never runs)', async () => {
    const lambda = fakeClient({
      GetEventSourceMappingCommand: [{ ...settledMapping, State: 'Disabled' }],
      UpdateEventSourceMappingCommand: [{ UUID: 'u1' }],
    });
    const { ctx } = fakeStepContext({
      clients: { ...liveStreamClients(STREAM), sourceLambda: lambda },
      state: {
        ...baseState,
        cdc: { status: 'started', mode: 'lambda', functionConfigured: true, esmUuid: 'u1' },
      },
    });
    await cdcLambdaStep(ctx);
    const update = lambda.calls.find((c) => c.command === 'UpdateEventSourceMappingCommand');
    expect(update?.input).toMatchObject({ UUID: 'u1', Enabled: true });
  });

  it('does not reuse a mapping that is being deleted: waits until it is gone, then creates one', async () => {
    let lists = 0;
    const lambda = fakeClient({
      ListEventSourceMappingsCommand: [
        () => {
          lists += 1;
          return {
            EventSourceMappings: lists < 3 ? [{ ...settledMapping, UUID: 'old', State: 'Deleting' }] : [],
          };
        },
      ],
      CreateEventSourceMappingCommand: [
        () => (lists < 3 ? awsError('ResourceConflictException', 409, 'mapping exists') : { UUID: 'new' }),
      ],
    });
    const { ctx } = fakeStepContext({
      clients: { ...liveStreamClients(STREAM), sourceLambda: lambda },
      state: { ...baseState, cdc: { status: 'started', mode: 'lambda', functionConfigured: true } },
    });
    await cdcLambdaStep(ctx);
    expect(ctx.state.cdc?.esmUuid).toBe('new');
    expect(lambda.names()).not.toContain('UpdateEventSourceMapping');
  });

  it('adopts the mapping its own request made when a retry meets ResourceConflictException (response lost)', async () => {
    let lists = 0;
    const lambda = fakeClient({
      ListEventSourceMappingsCommand: [
        () => {
          lists += 1;
          return {
            EventSourceMappings:
              lists === 1 ? [] : [{ ...settledMapping, UUID: 'other', LastModified: new Date() }],
          };
        },
      ],
      CreateEventSourceMappingCommand: [
        awsError('ResourceConflictException', 409, 'The event source mapping already exists'),
      ],
    });
    const { ctx } = fakeStepContext({
      clients: { ...liveStreamClients(STREAM), sourceLambda: lambda },
      state: { ...baseState, cdc: { status: 'started', mode: 'lambda', functionConfigured: true } },
    });
    await cdcLambdaStep(ctx);
    expect(ctx.state.cdc?.esmUuid).toBe('other');
    expect(ctx.state.cdc?.status).toBe('done');
  });

  it('refuses a mapping that was there before its own request (ResourceConflictException, older LastModified)', async () => {
    let lists = 0;
    const lambda = fakeClient({
      ListEventSourceMappingsCommand: [
        () => {
          lists += 1;
          const old = { ...settledMapping, UUID: 'older', LastModified: new Date(Date.now() - 3600_000) };
          return { EventSourceMappings: lists === 1 ? [] : [old] };
        },
      ],
      CreateEventSourceMappingCommand: [
        awsError('ResourceConflictException', 409, 'The event source mapping already exists'),
      ],
    });
    const { ctx } = fakeStepContext({
      clients: { ...liveStreamClients(STREAM), sourceLambda: lambda },
      state: { ...baseState, cdc: { status: 'started', mode: 'lambda', functionConfigured: true } },
    });
    await expect(cdcLambdaStep(ctx)).rejects.toMatchObject({
      code: 'ESM_NOT_RECORDED',
      message: expect.stringContaining('older'),
    });
    expect(ctx.state.cdc?.esmUuid).toBeUndefined();
  });
});
