import {
  DeleteResourcePolicyCommand,
  DynamoDBClient,
  GetResourcePolicyCommand,
  PutResourcePolicyCommand,
  UpdateTableCommand,
} from '@aws-sdk/client-dynamodb';
import { IAMClient } from '@aws-sdk/client-iam';
import {
  CreateEventSourceMappingCommand,
  CreateFunctionCommand,
  DeleteEventSourceMappingCommand,
  GetEventSourceMappingCommand,
  LambdaClient,
  ListEventSourceMappingsCommand,
  UpdateEventSourceMappingCommand,
} from '@aws-sdk/client-lambda';
import { afterEach, describe, expect, it } from 'vitest';
import {
  type CrossAccountStreamsModel,
  createCrossAccountStreamsModel,
  createLambdaRole,
  createTable,
  type FaultProxy,
  motoEndpoint,
  resolveCredentials,
  SOURCE_ACCOUNT,
  sourceSide,
  startFaultProxy,
  storedZip,
  TARGET_ACCOUNT,
  targetSide,
  uniqueName,
} from '../src/index.js';

type SdkError = Error & { $metadata?: { httpStatusCode?: number } };

/** The error a call fails with; fails the test if the call succeeds. */
async function failure(call: Promise<unknown>): Promise<SdkError> {
  try {
    await call;
  } catch (err) {
    return err as SdkError;
  }
  throw new Error('expected the call to fail');
}

let proxy: FaultProxy | undefined;
let model: CrossAccountStreamsModel | undefined;
afterEach(async () => {
  await proxy?.close();
  model?.close();
  proxy = undefined;
  model = undefined;
});

/**
 * The source account (moto's default, plain test keys) with a streamed table; the target account
 * through AssumeRole on `cross_account_assume_role`; the model on a clock the test moves, and a
 * client per side through the proxy.
 */
async function setup(options: { propagationMs?: number } = {}) {
  const source = sourceSide();
  const target = targetSide();
  const sourceKeys = await resolveCredentials(source.credentials);
  const targetKeys = await resolveCredentials(target.credentials);
  let clock = 1_000_000;
  model = createCrossAccountStreamsModel({
    motoEndpoint: motoEndpoint(),
    callerAccount: (key) =>
      key === sourceKeys.accessKeyId
        ? SOURCE_ACCOUNT
        : key === targetKeys.accessKeyId
          ? TARGET_ACCOUNT
          : undefined,
    now: () => clock,
    ...(options.propagationMs === undefined ? {} : { propagationMs: options.propagationMs }),
  });
  proxy = await startFaultProxy({ target: motoEndpoint(), authorize: model.authorize });
  const via = (credentials: typeof sourceKeys) =>
    new DynamoDBClient({ region: source.region, endpoint: proxy!.endpoint, credentials, maxAttempts: 1 });
  const direct = new DynamoDBClient(source);
  const table = await createTable(direct, { stream: 'NEW_AND_OLD_IMAGES' });
  const streamArn = table.streamArn as string;
  expect(streamArn).toContain(`:${SOURCE_ACCOUNT}:table/${table.name}/stream/`);
  const lambdaVia = (credentials: typeof sourceKeys) =>
    new LambdaClient({ region: source.region, endpoint: proxy!.endpoint, credentials, maxAttempts: 1 });
  return {
    table,
    streamArn,
    sourceSideConfig: source,
    targetSideConfig: target,
    sourceLambda: lambdaVia(sourceKeys),
    targetLambda: lambdaVia(targetKeys),
    source: via(sourceKeys),
    target: via(targetKeys),
    direct,
    sourceKeys,
    targetKeys,
    model,
    proxy,
    advance: (ms: number) => {
      clock += ms;
    },
  };
}

const readPolicy = (streamArn: string, principal = `arn:aws:iam::${TARGET_ACCOUNT}:role/cdc`) =>
  JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'CdcReadsStream',
        Effect: 'Allow',
        Principal: { AWS: principal },
        Action: ['dynamodb:DescribeStream', 'dynamodb:GetRecords', 'dynamodb:GetShardIterator'],
        Resource: streamArn,
      },
    ],
  });

describe('cross-account streams model: stream policies', () => {
  it('puts, reads and deletes a stream policy with revision checks, and forwards table policies to moto', async () => {
    const { table, streamArn, source, direct, model, proxy } = await setup();
    const missing = await failure(source.send(new GetResourcePolicyCommand({ ResourceArn: streamArn })));
    expect(missing.name).toBe('PolicyNotFoundException');
    expect(missing.$metadata?.httpStatusCode).toBe(400);

    const first = await source.send(
      new PutResourcePolicyCommand({
        ResourceArn: streamArn,
        Policy: readPolicy(streamArn),
        ExpectedRevisionId: 'NO_POLICY',
      }),
    );
    expect(first.RevisionId).toMatch(/^\d+$/);
    const read = await source.send(new GetResourcePolicyCommand({ ResourceArn: streamArn }));
    expect(read).toMatchObject({ Policy: readPolicy(streamArn), RevisionId: first.RevisionId });

    // NO_POLICY while one exists, and a stale revision, are refused and change nothing.
    const again = await failure(
      source.send(
        new PutResourcePolicyCommand({
          ResourceArn: streamArn,
          Policy: '{}',
          ExpectedRevisionId: 'NO_POLICY',
        }),
      ),
    );
    expect(again.name).toBe('PolicyNotFoundException');
    const stale = await failure(
      source.send(
        new PutResourcePolicyCommand({ ResourceArn: streamArn, Policy: '{}', ExpectedRevisionId: '1' }),
      ),
    );
    expect(stale.name).toBe('PolicyNotFoundException');
    expect(model.streamPolicies()).toEqual([
      { arn: streamArn, policy: readPolicy(streamArn), revisionId: first.RevisionId },
    ]);

    const second = await source.send(
      new PutResourcePolicyCommand({
        ResourceArn: streamArn,
        Policy: readPolicy(streamArn, TARGET_ACCOUNT),
        ExpectedRevisionId: first.RevisionId,
      }),
    );
    expect(second.RevisionId).not.toBe(first.RevisionId);
    expect((await source.send(new GetResourcePolicyCommand({ ResourceArn: streamArn }))).RevisionId).toBe(
      second.RevisionId,
    );

    const wrongDelete = await failure(
      source.send(
        new DeleteResourcePolicyCommand({ ResourceArn: streamArn, ExpectedRevisionId: first.RevisionId }),
      ),
    );
    expect(wrongDelete.name).toBe('PolicyNotFoundException');
    const deleted = await source.send(
      new DeleteResourcePolicyCommand({ ResourceArn: streamArn, ExpectedRevisionId: second.RevisionId }),
    );
    expect(deleted.RevisionId).toBe(second.RevisionId);
    expect((await failure(source.send(new GetResourcePolicyCommand({ ResourceArn: streamArn })))).name).toBe(
      'PolicyNotFoundException',
    );
    // Deleting without ExpectedRevisionId is idempotent; with one, a missing policy is an error.
    expect(
      (await source.send(new DeleteResourcePolicyCommand({ ResourceArn: streamArn }))).RevisionId,
    ).toBeUndefined();
    expect(
      (
        await failure(
          source.send(new DeleteResourcePolicyCommand({ ResourceArn: streamArn, ExpectedRevisionId: '7' })),
        )
      ).name,
    ).toBe('PolicyNotFoundException');
    expect(model.streamPolicies()).toEqual([]);

    // A table's policy is moto's: forwarded, and readable directly from moto.
    const tablePolicy = readPolicy(table.arn).replaceAll('GetShardIterator', 'GetItem');
    await source.send(new PutResourcePolicyCommand({ ResourceArn: table.arn, Policy: tablePolicy }));
    expect(
      (await direct.send(new GetResourcePolicyCommand({ ResourceArn: table.arn }))).Policy,
    ).toBeDefined();
    expect(proxy.stats().byOperation.PutResourcePolicy).toMatchObject({ forwarded: 1 });
  });

  it('refuses a policy over 20 KB (whitespace counted) or not JSON, a missing stream, and callers of another account', async () => {
    const { table, streamArn, source, target, direct, model } = await setup();
    const base = readPolicy(streamArn);
    const padded = base.replace('{', `{${' '.repeat(20 * 1024 - base.length)}`);
    expect(Buffer.byteLength(padded)).toBe(20 * 1024);
    await source.send(new PutResourcePolicyCommand({ ResourceArn: streamArn, Policy: padded }));
    const tooLarge = await failure(
      source.send(new PutResourcePolicyCommand({ ResourceArn: streamArn, Policy: ` ${padded}` })),
    );
    expect(tooLarge.name).toBe('ValidationException');
    expect(tooLarge.message).toContain('20480');
    const notJson = await failure(
      source.send(new PutResourcePolicyCommand({ ResourceArn: streamArn, Policy: 'Version: 2012-10-17' })),
    );
    expect(notJson.name).toBe('ValidationException');

    // The target account may neither read nor write the source's stream policy.
    const foreign = await failure(
      target.send(new PutResourcePolicyCommand({ ResourceArn: streamArn, Policy: base })),
    );
    expect(foreign.name).toBe('AccessDeniedException');
    expect(foreign.message).toContain(`dynamodb:PutResourcePolicy on resource: ${streamArn}`);
    expect((await failure(target.send(new GetResourcePolicyCommand({ ResourceArn: streamArn })))).name).toBe(
      'AccessDeniedException',
    );
    expect(model.streamPolicies().map((p) => p.policy)).toEqual([padded]);

    // No such table, and a label the table's stream does not have.
    const tableArnPrefix = streamArn.slice(0, streamArn.lastIndexOf('/stream/'));
    for (const unknown of [
      `${tableArnPrefix}-gone/stream/2026-01-01T00:00:00.000`,
      `${tableArnPrefix}/stream/2026-01-01T00:00:00.000`,
    ]) {
      const err = await failure(
        source.send(new PutResourcePolicyCommand({ ResourceArn: unknown, Policy: base })),
      );
      expect(err.name).toBe('ResourceNotFoundException');
      expect(err.message).toContain(unknown);
    }
    // A disabled stream still exists (AWS keeps it readable for 24 hours): its policy can be read.
    await direct.send(
      new UpdateTableCommand({ TableName: table.name, StreamSpecification: { StreamEnabled: false } }),
    );
    expect((await source.send(new GetResourcePolicyCommand({ ResourceArn: streamArn }))).Policy).toBe(padded);
  });

  it('refuses a call signed with a key it knows no account for', async () => {
    const { streamArn } = await setup();
    const stranger = new DynamoDBClient({
      region: 'us-east-1',
      endpoint: proxy!.endpoint,
      credentials: { accessKeyId: 'AKIASTRANGER0000002', secretAccessKey: 'x' },
      maxAttempts: 1,
    });
    const err = await failure(stranger.send(new GetResourcePolicyCommand({ ResourceArn: streamArn })));
    expect(err.name).toBe('UnrecognizedClientException');
    expect(err.message).toContain('AKIASTRANGER0000002');
  });
});

/** A function (with its execution role) created directly in moto, in the side's account. */
async function createFunction(side: ReturnType<typeof sourceSide>) {
  const iam = new IAMClient(side);
  const role = await createLambdaRole(iam);
  iam.destroy();
  const lambda = new LambdaClient(side);
  const name = uniqueName('cdc');
  const out = await lambda.send(
    new CreateFunctionCommand({
      FunctionName: name,
      Runtime: 'nodejs20.x',
      Handler: 'index.handler',
      Role: role,
      Code: { ZipFile: storedZip({ 'index.mjs': 'export const handler = async () => ({});\n' }) },
    }),
  );
  lambda.destroy();
  return { name, role, arn: out.FunctionArn as string };
}

describe('cross-account streams model: event source mappings', () => {
  it('refuses a mapping in the target account until the stream policy allows its role, then manages it', async () => {
    const { streamArn, source, targetLambda, targetSideConfig, model, advance } = await setup({
      propagationMs: 5_000,
    });
    const fn = await createFunction(targetSideConfig);
    expect(fn.role).toContain(`:${TARGET_ACCOUNT}:role/`);
    const create = (functionName: string, extra: Record<string, unknown> = {}) =>
      targetLambda.send(
        new CreateEventSourceMappingCommand({
          EventSourceArn: streamArn,
          FunctionName: functionName,
          StartingPosition: 'TRIM_HORIZON',
          ...extra,
        }),
      );

    // No policy on the stream: refused as Lambda refuses it.
    const refused = await failure(create(fn.name));
    expect(refused.name).toBe('InvalidParameterValueException');
    expect(refused.$metadata?.httpStatusCode).toBe(400);
    expect(refused.message).toBe(
      `Cannot access stream ${streamArn}. Please ensure the role can perform the GetRecords, GetShardIterator, DescribeStream, and ListStreams Actions on your stream.`,
    );

    // A policy for another role, then one missing GetShardIterator: still refused.
    await source.send(
      new PutResourcePolicyCommand({ ResourceArn: streamArn, Policy: readPolicy(streamArn) }),
    );
    advance(5_000);
    expect((await failure(create(fn.name))).name).toBe('InvalidParameterValueException');
    const withoutIterator = JSON.stringify({
      ...JSON.parse(readPolicy(streamArn, fn.role)),
      Statement: [
        {
          ...JSON.parse(readPolicy(streamArn, fn.role)).Statement[0],
          Action: ['dynamodb:DescribeStream', 'dynamodb:GetRecords'],
        },
      ],
    });
    await source.send(new PutResourcePolicyCommand({ ResourceArn: streamArn, Policy: withoutIterator }));
    advance(5_000);
    expect((await failure(create(fn.name))).name).toBe('InvalidParameterValueException');

    // The role's policy: refused until it has propagated, then accepted.
    await source.send(
      new PutResourcePolicyCommand({ ResourceArn: streamArn, Policy: readPolicy(streamArn, fn.role) }),
    );
    advance(4_000);
    expect((await failure(create(fn.name))).name).toBe('InvalidParameterValueException');
    advance(1_000);
    const created = await create(fn.arn, {
      BatchSize: 250,
      ParallelizationFactor: 4,
      MaximumRetryAttempts: 3,
      BisectBatchOnFunctionError: true,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      DestinationConfig: { OnFailure: { Destination: `arn:aws:sqs:us-east-1:${TARGET_ACCOUNT}:cdc-dlq` } },
    });
    expect(created).toMatchObject({
      EventSourceArn: streamArn,
      FunctionArn: fn.arn,
      State: 'Enabled',
      StateTransitionReason: 'USER_INITIATED',
      LastProcessingResult: 'No records processed',
      StartingPosition: 'TRIM_HORIZON',
      BatchSize: 250,
      ParallelizationFactor: 4,
      MaximumRetryAttempts: 3,
      MaximumRecordAgeInSeconds: -1,
      MaximumBatchingWindowInSeconds: 0,
      BisectBatchOnFunctionError: true,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      DestinationConfig: { OnFailure: { Destination: `arn:aws:sqs:us-east-1:${TARGET_ACCOUNT}:cdc-dlq` } },
    });
    expect(created.LastModified).toBeInstanceOf(Date);
    const uuid = created.UUID as string;
    expect(model.mappings().map((m) => m.UUID)).toEqual([uuid]);

    // One mapping per function and stream.
    expect((await failure(create(fn.name))).name).toBe('ResourceConflictException');

    expect(await targetLambda.send(new GetEventSourceMappingCommand({ UUID: uuid }))).toMatchObject({
      UUID: uuid,
      BatchSize: 250,
      State: 'Enabled',
    });
    const disabled = await targetLambda.send(
      new UpdateEventSourceMappingCommand({ UUID: uuid, Enabled: false, BatchSize: 500 }),
    );
    expect(disabled).toMatchObject({ State: 'Disabled', BatchSize: 500, ParallelizationFactor: 4 });
    const enabled = await targetLambda.send(
      new UpdateEventSourceMappingCommand({ UUID: uuid, Enabled: true }),
    );
    expect(enabled).toMatchObject({ State: 'Enabled', BatchSize: 500 });
    const badUpdate = await failure(
      targetLambda.send(new UpdateEventSourceMappingCommand({ UUID: uuid, BatchSize: 20_000 })),
    );
    expect(badUpdate.name).toBe('InvalidParameterValueException');

    const byStream = await targetLambda.send(
      new ListEventSourceMappingsCommand({ EventSourceArn: streamArn }),
    );
    expect(byStream.EventSourceMappings?.map((m) => m.UUID)).toEqual([uuid]);
    const byBoth = await targetLambda.send(
      new ListEventSourceMappingsCommand({ EventSourceArn: streamArn, FunctionName: fn.name }),
    );
    expect(byBoth.EventSourceMappings?.map((m) => m.UUID)).toEqual([uuid]);
    const byOther = await targetLambda.send(
      new ListEventSourceMappingsCommand({ EventSourceArn: streamArn, FunctionName: 'some-other-function' }),
    );
    expect(byOther.EventSourceMappings).toEqual([]);
    const byFunction = await targetLambda.send(new ListEventSourceMappingsCommand({ FunctionName: fn.arn }));
    expect(byFunction.EventSourceMappings?.map((m) => m.UUID)).toEqual([uuid]);

    const deleting = await targetLambda.send(new DeleteEventSourceMappingCommand({ UUID: uuid }));
    expect(deleting).toMatchObject({ UUID: uuid, State: 'Deleting' });
    const gone = await failure(targetLambda.send(new GetEventSourceMappingCommand({ UUID: uuid })));
    expect(gone.name).toBe('ResourceNotFoundException');
    expect(gone.$metadata?.httpStatusCode).toBe(404);
    expect(model.mappings()).toEqual([]);
  });

  it('accepts a policy naming the account, keeps each account to its own mappings, and forwards same-account calls to moto', async () => {
    const {
      streamArn,
      source,
      sourceLambda,
      targetLambda,
      sourceSideConfig,
      targetSideConfig,
      model,
      proxy,
    } = await setup();
    const fn = await createFunction(targetSideConfig);
    await source.send(
      new PutResourcePolicyCommand({ ResourceArn: streamArn, Policy: readPolicy(streamArn, TARGET_ACCOUNT) }),
    );
    const created = await targetLambda.send(
      new CreateEventSourceMappingCommand({
        EventSourceArn: streamArn,
        FunctionName: fn.name,
        StartingPosition: 'LATEST',
        Enabled: false,
      }),
    );
    expect(created).toMatchObject({ State: 'Disabled', BatchSize: 100, FunctionArn: fn.arn });
    const uuid = created.UUID as string;

    // The source account does not see the target's mapping.
    expect((await failure(sourceLambda.send(new GetEventSourceMappingCommand({ UUID: uuid })))).name).toBe(
      'ResourceNotFoundException',
    );

    // A function missing from the caller's account, or named by another account's ARN.
    const missing = await failure(
      targetLambda.send(
        new CreateEventSourceMappingCommand({
          EventSourceArn: streamArn,
          FunctionName: 'no-such-function',
          StartingPosition: 'LATEST',
        }),
      ),
    );
    expect(missing.name).toBe('ResourceNotFoundException');
    expect(missing.message).toContain(`:${TARGET_ACCOUNT}:function:no-such-function`);
    const sourceFn = await createFunction(sourceSideConfig);
    expect(
      (
        await failure(
          targetLambda.send(
            new CreateEventSourceMappingCommand({
              EventSourceArn: streamArn,
              FunctionName: sourceFn.arn,
              StartingPosition: 'LATEST',
            }),
          ),
        )
      ).name,
    ).toBe('ResourceNotFoundException');

    // A stream that does not exist, and a starting position a DynamoDB stream does not take.
    const noStream = `${streamArn.slice(0, streamArn.lastIndexOf('/stream/'))}-gone/stream/2026-01-01T00:00:00.000`;
    const unknownStream = await failure(
      targetLambda.send(
        new CreateEventSourceMappingCommand({
          EventSourceArn: noStream,
          FunctionName: fn.name,
          StartingPosition: 'LATEST',
        }),
      ),
    );
    expect(unknownStream).toMatchObject({
      name: 'InvalidParameterValueException',
      message: `Stream not found: ${noStream}`,
    });
    const atTimestamp = await failure(
      targetLambda.send(
        new CreateEventSourceMappingCommand({
          EventSourceArn: streamArn,
          FunctionName: fn.name,
          StartingPosition: 'AT_TIMESTAMP',
        }),
      ),
    );
    expect(atTimestamp.name).toBe('InvalidParameterValueException');
    expect(atTimestamp.message).toContain('StartingPosition');

    // Same-account: created and listed by moto itself, and the model keeps none of it.
    const before = proxy.stats().total.forwarded;
    const local = await sourceLambda.send(
      new CreateEventSourceMappingCommand({
        EventSourceArn: streamArn,
        FunctionName: sourceFn.name,
        StartingPosition: 'LATEST',
      }),
    );
    expect(local.UUID).toBeDefined();
    const localList = await sourceLambda.send(
      new ListEventSourceMappingsCommand({ EventSourceArn: streamArn }),
    );
    expect(localList.EventSourceMappings?.map((m) => m.UUID)).toEqual([local.UUID]);
    expect(
      await sourceLambda.send(new GetEventSourceMappingCommand({ UUID: local.UUID as string })),
    ).toMatchObject({
      UUID: local.UUID,
    });
    expect(proxy.stats().total.forwarded - before).toBe(3);
    expect(model.mappings().map((m) => m.UUID)).toEqual([uuid]);
  });
});
