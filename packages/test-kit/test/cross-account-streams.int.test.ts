import {
  DeleteResourcePolicyCommand,
  DynamoDBClient,
  GetResourcePolicyCommand,
  PutResourcePolicyCommand,
  UpdateTableCommand,
} from '@aws-sdk/client-dynamodb';
import { afterEach, describe, expect, it } from 'vitest';
import {
  type CrossAccountStreamsModel,
  createCrossAccountStreamsModel,
  createTable,
  type FaultProxy,
  motoEndpoint,
  resolveCredentials,
  SOURCE_ACCOUNT,
  sourceSide,
  startFaultProxy,
  TARGET_ACCOUNT,
  targetSide,
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
  return {
    table,
    streamArn,
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
