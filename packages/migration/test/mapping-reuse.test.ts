import { describe, expect, it } from 'vitest';
import { checkCdcFunction } from '../src/preflight/cdc-checks.js';
import type { PreflightContext } from '../src/preflight/preflight-types.js';
import { cdcLambdaStep, eventSourceMappingRequest } from '../src/steps/cdc-lambda-mode.js';
import { fakeClient, liveStreamClients } from '@ddb-migrate/test-kit/fakes';
import { fakeStepContext } from './support/fake-step-context.js';

// Lambda for DynamoDB streams ("Using AWS Lambda with Amazon DynamoDB", services-ddb-params and
// services-dynamodb-errors): MaximumRetryAttempts -1 retries until the record expires; filter
// criteria drop and checkpoint records that do not match; without ReportBatchItemFailures the
// function's batchItemFailures are ignored and the batch counts as processed; after the retries or
// the record age run out, only the batch's metadata goes to the on-failure destination.
const STREAM = 'arn:aws:dynamodb:us-east-1:111111111111:table/src/stream/2026-01-01T00:00:00.000';
const DLQ = 'arn:aws:sqs:us-east-1:111111111111:cdc-dlq';
const FN = 'arn:aws:lambda:us-east-1:111111111111:function:cdc-fn';
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
    exportArn: 'arn:aws:dynamodb:us-east-1:111111111111:table/src/export/01',
    exportTime: '2026-01-01T00:01:00.000Z',
  },
};
/** A mapping exactly as migrate creates it. */
const ours = {
  UUID: 'u1',
  State: 'Enabled',
  EventSourceArn: STREAM,
  FunctionArn: FN,
  StartingPosition: 'TRIM_HORIZON',
  BatchSize: 100,
  ParallelizationFactor: 1,
  BisectBatchOnFunctionError: true,
  MaximumRetryAttempts: -1,
  MaximumRecordAgeInSeconds: -1,
  FunctionResponseTypes: ['ReportBatchItemFailures'],
  DestinationConfig: { OnFailure: { Destination: DLQ } },
  TumblingWindowInSeconds: 0,
};

function preflightContext(input: {
  cdcMode: 'lambda' | 'local';
  lambda: ReturnType<typeof fakeClient>;
  state?: Record<string, unknown>;
}) {
  const sqs = fakeClient({ GetQueueAttributesCommand: [{ Attributes: { QueueArn: DLQ } }] });
  return {
    options: { cdcMode: input.cdcMode, cdcLambdaFunctionName: 'cdc-fn', lambdaEventSourceBatchSize: 100 },
    clients: { sourceLambda: input.lambda, sourceSqs: sqs },
    facts: {
      streamArn: STREAM,
      ...(input.state ? { state: { ...baseState, ...input.state } } : {}),
    },
  } as unknown as PreflightContext;
}

const fnConfig = {
  FunctionArn: FN,
  Environment: { Variables: { SQS_QUEUE_URL_FOR_FAILED_EVENTS: 'https://sqs/q' } },
};

describe('an event source mapping is reused only when this migration recorded it', () => {
  it('preflight refuses a TRIM_HORIZON mapping of the function on the stream that the state does not record', async () => {
    const lambda = fakeClient({
      GetFunctionConfigurationCommand: [fnConfig],
      ListEventSourceMappingsCommand: [{ EventSourceMappings: [{ ...ours, UUID: 'stranger' }] }],
    });
    const findings = await checkCdcFunction(preflightContext({ cdcMode: 'lambda', lambda }));
    expect(findings).toContainEqual(
      expect.objectContaining({
        level: 'error',
        code: 'ESM_NOT_RECORDED',
        message: expect.stringContaining('stranger'),
        fix: expect.stringMatching(/delete-event-source-mapping --uuid stranger.*state/),
      }),
    );
  });

  it('preflight passes the mapping recorded in the state', async () => {
    const lambda = fakeClient({
      GetFunctionConfigurationCommand: [fnConfig],
      ListEventSourceMappingsCommand: [{ EventSourceMappings: [ours] }],
    });
    const findings = await checkCdcFunction(
      preflightContext({
        cdcMode: 'lambda',
        lambda,
        state: { cdc: { status: 'started', mode: 'lambda', esmUuid: 'u1' } },
      }),
    );
    expect(findings.filter((f) => f.level === 'error')).toEqual([]);
  });

  it('the CDC step does not adopt an unrecorded mapping that appeared after preflight', async () => {
    const lambda = fakeClient({
      ListEventSourceMappingsCommand: [{ EventSourceMappings: [{ ...ours, UUID: 'stranger' }] }],
      UpdateEventSourceMappingCommand: [{}],
      CreateEventSourceMappingCommand: [{ UUID: 'new' }],
    });
    const { ctx } = fakeStepContext({
      clients: { ...liveStreamClients(STREAM), sourceLambda: lambda },
      facts: { dlqArn: DLQ },
      state: { ...baseState, cdc: { status: 'started', mode: 'lambda', functionConfigured: true } },
    });
    await expect(cdcLambdaStep(ctx)).rejects.toMatchObject({
      code: 'ESM_NOT_RECORDED',
      message: expect.stringContaining('stranger'),
    });
    expect(lambda.names()).not.toContain('UpdateEventSourceMapping');
    expect(ctx.state.cdc?.esmUuid).toBeUndefined();
  });

  it('adopts the mapping this run created when it crashed before saving the UUID (request recorded)', async () => {
    const lambda = fakeClient({
      ListEventSourceMappingsCommand: [{ EventSourceMappings: [{ ...ours, LastModified: new Date() }] }],
    });
    const { ctx } = fakeStepContext({
      clients: { ...liveStreamClients(STREAM), sourceLambda: lambda },
      facts: { dlqArn: DLQ },
      state: {
        ...baseState,
        cdc: {
          status: 'started',
          mode: 'lambda',
          functionConfigured: true,
          esmRequestedAt: new Date(Date.now() - 60_000).toISOString(),
        },
      },
    });
    await cdcLambdaStep(ctx);
    expect(ctx.state.cdc).toMatchObject({ status: 'done', esmUuid: 'u1' });
    expect(lambda.names()).not.toContain('CreateEventSourceMapping');
  });

  it('refuses a recorded mapping someone gave a filter (non-matching records were dropped)', async () => {
    const lambda = fakeClient({
      GetEventSourceMappingCommand: [
        { ...ours, FilterCriteria: { Filters: [{ Pattern: '{"eventName":["INSERT"]}' }] } },
      ],
      UpdateEventSourceMappingCommand: [{}],
    });
    const { ctx } = fakeStepContext({
      clients: { ...liveStreamClients(STREAM), sourceLambda: lambda },
      facts: { dlqArn: DLQ },
      state: {
        ...baseState,
        cdc: { status: 'started', mode: 'lambda', functionConfigured: true, esmUuid: 'u1' },
      },
    });
    await expect(cdcLambdaStep(ctx)).rejects.toMatchObject({
      code: 'ESM_DROPS_RECORDS',
      message: expect.stringMatching(/u1.*filter/i),
    });
    expect(lambda.names()).not.toContain('UpdateEventSourceMapping');
  });

  it('refuses a recorded mapping without ReportBatchItemFailures (failed records counted as processed)', async () => {
    const lambda = fakeClient({
      GetEventSourceMappingCommand: [{ ...ours, FunctionResponseTypes: [] }],
      UpdateEventSourceMappingCommand: [{}],
    });
    const { ctx } = fakeStepContext({
      clients: { ...liveStreamClients(STREAM), sourceLambda: lambda },
      facts: { dlqArn: DLQ },
      state: {
        ...baseState,
        cdc: { status: 'started', mode: 'lambda', functionConfigured: true, esmUuid: 'u1' },
      },
    });
    await expect(cdcLambdaStep(ctx)).rejects.toMatchObject({
      code: 'ESM_DROPS_RECORDS',
      message: expect.stringContaining('ReportBatchItemFailures'),
    });
  });

  it('updates a recorded mapping whose record age, tumbling window, retries or destination drifted', async () => {
    const lambda = fakeClient({
      GetEventSourceMappingCommand: [
        {
          ...ours,
          MaximumRecordAgeInSeconds: 3600,
          MaximumRetryAttempts: 10,
          TumblingWindowInSeconds: 60,
          DestinationConfig: { OnFailure: { Destination: 'arn:aws:sqs:us-east-1:111111111111:other' } },
        },
      ],
      UpdateEventSourceMappingCommand: [{}],
    });
    const { ctx } = fakeStepContext({
      clients: { ...liveStreamClients(STREAM), sourceLambda: lambda },
      facts: { dlqArn: DLQ },
      state: {
        ...baseState,
        cdc: { status: 'started', mode: 'lambda', functionConfigured: true, esmUuid: 'u1' },
      },
    });
    await cdcLambdaStep(ctx);
    const update = lambda.calls.find((c) => c.command === 'UpdateEventSourceMappingCommand');
    expect(update?.input).toMatchObject({
      UUID: 'u1',
      MaximumRecordAgeInSeconds: -1,
      MaximumRetryAttempts: -1,
      TumblingWindowInSeconds: 0,
      DestinationConfig: { OnFailure: { Destination: DLQ } },
    });
  });

  it('updates a recorded mapping whose only drift is the record age', async () => {
    const lambda = fakeClient({
      GetEventSourceMappingCommand: [{ ...ours, MaximumRecordAgeInSeconds: 60 }],
      UpdateEventSourceMappingCommand: [{}],
    });
    const { ctx } = fakeStepContext({
      clients: { ...liveStreamClients(STREAM), sourceLambda: lambda },
      facts: { dlqArn: DLQ },
      state: {
        ...baseState,
        cdc: { status: 'started', mode: 'lambda', functionConfigured: true, esmUuid: 'u1' },
      },
    });
    await cdcLambdaStep(ctx);
    expect(lambda.names()).toContain('UpdateEventSourceMapping');
  });
});

describe('local CDC mode and the stream readers', () => {
  it('preflight refuses local mode while an enabled mapping reads the stream, naming its UUID', async () => {
    const lambda = fakeClient({
      ListEventSourceMappingsCommand: [
        {
          EventSourceMappings: [
            { ...ours, UUID: 'reader-1', FunctionArn: 'arn:aws:lambda:us-east-1:1:function:other' },
          ],
        },
      ],
    });
    const findings = await checkCdcFunction(preflightContext({ cdcMode: 'local', lambda }));
    expect(findings).toContainEqual(
      expect.objectContaining({
        level: 'error',
        code: 'STREAM_HAS_MAPPING',
        message: expect.stringContaining('reader-1'),
      }),
    );
    expect(lambda.calls[0]?.input).toMatchObject({ EventSourceArn: STREAM });
  });

  it('preflight lets local mode run beside a disabled mapping', async () => {
    const lambda = fakeClient({
      ListEventSourceMappingsCommand: [{ EventSourceMappings: [{ ...ours, State: 'Disabled' }] }],
    });
    const findings = await checkCdcFunction(preflightContext({ cdcMode: 'local', lambda }));
    expect(findings.filter((f) => f.level === 'error')).toEqual([]);
  });
});

describe('the mapping retries until the record expires', () => {
  it('creates the mapping with MaximumRetryAttempts -1 and MaximumRecordAgeInSeconds -1', () => {
    const { ctx } = fakeStepContext({ clients: {}, facts: { dlqArn: DLQ }, state: baseState });
    expect(eventSourceMappingRequest(ctx, STREAM)).toMatchObject({
      MaximumRetryAttempts: -1,
      MaximumRecordAgeInSeconds: -1,
      StartingPosition: 'TRIM_HORIZON',
    });
  });
});
