import {
  BatchWriteItemCommand,
  DeleteResourcePolicyCommand,
  DynamoDBClient,
  ExecuteStatementCommand,
  GetItemCommand,
  PutItemCommand,
  PutResourcePolicyCommand,
  TransactWriteItemsCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { assumeRoleCredentials } from '@ddb-migrate/core';
import { afterEach, describe, expect, it } from 'vitest';
import {
  createPolicyEnforcer,
  createTable,
  type FaultProxy,
  freshAccountId,
  motoEndpoint,
  type PolicyEnforcer,
  resolveCredentials,
  roleArn,
  sourceSide,
  startFaultProxy,
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
let enforcer: PolicyEnforcer | undefined;
afterEach(async () => {
  await proxy?.close();
  enforcer?.close();
  proxy = undefined;
  enforcer = undefined;
});

const PROPAGATION_MS = 1_000;

/**
 * One fresh account with two roles whose sessions sign with their own (STS-issued) access keys, a
 * table, an enforcer on a clock the test moves, and a client per principal through the proxy.
 */
async function setup(options: { propagationMs?: number; cacheMs?: number } = {}) {
  const base = sourceSide();
  const account = freshAccountId();
  const writerRole = roleArn(account, 'app-writer');
  const frozenRole = roleArn(account, 'legacy/app-frozen');
  const session = async (arn: string) =>
    resolveCredentials(assumeRoleCredentials(base, { roleArn: arn, sessionName: 'policy-enforcer-test' }));
  const writerKeys = await session(writerRole);
  const frozenKeys = await session(frozenRole);
  expect(writerKeys.accessKeyId).not.toBe(frozenKeys.accessKeyId);

  let clock = 0;
  enforcer = createPolicyEnforcer({
    motoEndpoint: motoEndpoint(),
    principals: { [writerKeys.accessKeyId]: writerRole, [frozenKeys.accessKeyId]: frozenRole },
    propagationMs: options.propagationMs ?? PROPAGATION_MS,
    now: () => clock,
    ...(options.cacheMs === undefined ? {} : { cacheMs: options.cacheMs }),
  });
  proxy = await startFaultProxy({ target: motoEndpoint(), authorize: enforcer.authorize });
  const viaProxy = (credentials: typeof writerKeys) =>
    new DynamoDBClient({ region: base.region, endpoint: proxy!.endpoint, credentials, maxAttempts: 1 });
  const direct = new DynamoDBClient({
    region: base.region,
    endpoint: motoEndpoint(),
    credentials: writerKeys,
  });
  const table = await createTable(direct, {});
  expect(table.arn).toContain(`:${account}:table/`);
  return {
    table,
    writerRole,
    frozenRole,
    writer: viaProxy(writerKeys),
    frozen: viaProxy(frozenKeys),
    direct,
    enforcer,
    proxy,
    advance: (ms: number) => {
      clock += ms;
    },
  };
}

const put = (table: string, pk: string) => new PutItemCommand({ TableName: table, Item: { pk: { S: pk } } });

async function stored(client: DynamoDBClient, table: string, pk: string): Promise<boolean> {
  const out = await client.send(
    new GetItemCommand({ TableName: table, Key: { pk: { S: pk } }, ConsistentRead: true }),
  );
  return out.Item !== undefined;
}

describe('policy enforcer', () => {
  it('enforces a Deny for one principal only after propagation, and lifts it only after propagation', async () => {
    const { table, frozenRole, writer, frozen, direct, enforcer, proxy, advance } = await setup();
    // Prepare: both write while the table has no policy (the enforcer sees "none" at t=0).
    await writer.send(put(table.name, 'w0'));
    await frozen.send(put(table.name, 'f0'));
    const deny = {
      Version: '2012-10-17',
      Statement: [
        {
          Sid: 'FreezeLegacyWriter',
          Effect: 'Deny',
          Principal: { AWS: frozenRole },
          Action: ['dynamodb:PutItem', 'dynamodb:BatchWriteItem'],
          Resource: table.arn,
        },
      ],
    };
    await direct.send(new PutResourcePolicyCommand({ ResourceArn: table.arn, Policy: JSON.stringify(deny) }));

    // Seen (past the read cache) but not yet propagated: the previous revision (none) is in force.
    advance(300);
    await frozen.send(put(table.name, 'f1'));
    expect(await stored(direct, table.name, 'f1')).toBe(true);

    advance(PROPAGATION_MS);
    const denied = await failure(frozen.send(put(table.name, 'f2')));
    expect(denied.name).toBe('AccessDeniedException');
    expect(denied.$metadata?.httpStatusCode).toBe(400);
    expect(denied.message).toBe(
      `User: ${frozenRole} is not authorized to perform: dynamodb:PutItem on resource: ${table.arn} with an explicit deny in a resource-based policy`,
    );
    expect(await stored(direct, table.name, 'f2')).toBe(false);

    // The other principal writes; the denied one still reads, and may do what the policy does not deny.
    await writer.send(put(table.name, 'w2'));
    expect(await stored(direct, table.name, 'w2')).toBe(true);
    expect(await stored(frozen, table.name, 'f0')).toBe(true);
    await frozen.send(
      new UpdateItemCommand({
        TableName: table.name,
        Key: { pk: { S: 'f0' } },
        UpdateExpression: 'SET v = :v',
        ExpressionAttributeValues: { ':v': { N: '1' } },
      }),
    );

    // A transaction's Put is authorised as PutItem; BatchWriteItem by its own action, every table in it.
    const transact = await failure(
      frozen.send(
        new TransactWriteItemsCommand({
          TransactItems: [{ Put: { TableName: table.name, Item: { pk: { S: 'f3' } } } }],
        }),
      ),
    );
    expect(transact.name).toBe('AccessDeniedException');
    const batch = await failure(
      frozen.send(
        new BatchWriteItemCommand({
          RequestItems: { [table.arn]: [{ PutRequest: { Item: { pk: { S: 'f4' } } } }] },
        }),
      ),
    );
    expect(batch.name).toBe('AccessDeniedException');
    expect(batch.message).toContain(`perform: dynamodb:BatchWriteItem on resource: ${table.arn} `);
    expect(await stored(direct, table.name, 'f3')).toBe(false);
    expect(await stored(direct, table.name, 'f4')).toBe(false);
    await writer.send(
      new BatchWriteItemCommand({
        RequestItems: { [table.name]: [{ PutRequest: { Item: { pk: { S: 'w4' } } } }] },
      }),
    );
    expect(await stored(direct, table.name, 'w4')).toBe(true);

    // Deleting the policy is a change too: the Deny stays in force until it has propagated.
    await direct.send(new DeleteResourcePolicyCommand({ ResourceArn: table.arn }));
    advance(300);
    expect((await failure(frozen.send(put(table.name, 'f5')))).name).toBe('AccessDeniedException');
    advance(PROPAGATION_MS);
    await frozen.send(put(table.name, 'f6'));
    expect(await stored(direct, table.name, 'f6')).toBe(true);

    expect(enforcer.stats()).toEqual({ denied: 4, allowed: 7, evaluated: 11 });
    expect(proxy.stats().total.denied).toBe(4);
    expect(proxy.stats().byOperation.PutItem?.denied).toBe(2);
  });

  it('denies by aws:PrincipalArn conditions (a freeze with exemptions), PartiQL writes included, never reads', async () => {
    const { table, writerRole, writer, frozen, direct, enforcer } = await setup({
      propagationMs: 0,
      cacheMs: 0,
    });
    // The shape of migration's cutover freeze (written out here: test-kit may not import migration).
    const freeze = {
      Version: '2012-10-17',
      Statement: [
        {
          Sid: 'DdbMigrateFreezeWrites',
          Effect: 'Deny',
          Principal: '*',
          Action: [
            'dynamodb:PutItem',
            'dynamodb:UpdateItem',
            'dynamodb:DeleteItem',
            'dynamodb:BatchWriteItem',
            'dynamodb:PartiQLInsert',
            'dynamodb:PartiQLUpdate',
            'dynamodb:PartiQLDelete',
          ],
          Resource: table.arn,
          Condition: {
            ArnNotLike: { 'aws:PrincipalArn': [writerRole, 'arn:aws:iam::*:role/aws-service-role/*'] },
            BoolIfExists: { 'aws:PrincipalIsAWSService': 'false' },
          },
        },
      ],
    };
    await direct.send(
      new PutResourcePolicyCommand({ ResourceArn: table.arn, Policy: JSON.stringify(freeze) }),
    );

    const insert = `INSERT INTO "${table.name}" VALUE {'pk': 'p1'}`;
    const partiql = await failure(frozen.send(new ExecuteStatementCommand({ Statement: insert })));
    expect(partiql.name).toBe('AccessDeniedException');
    expect(partiql.message).toContain('perform: dynamodb:PartiQLInsert on resource');
    expect(await stored(direct, table.name, 'p1')).toBe(false);
    await writer.send(new ExecuteStatementCommand({ Statement: insert }));
    expect(await stored(direct, table.name, 'p1')).toBe(true);

    // Reads (GetItem, a PartiQL SELECT) and a transaction's ConditionCheck are not evaluated.
    expect(await stored(frozen, table.name, 'p1')).toBe(true);
    const select = await frozen.send(
      new ExecuteStatementCommand({ Statement: `SELECT * FROM "${table.name}" WHERE pk = 'p1'` }),
    );
    expect(select.Items).toHaveLength(1);
    const before = enforcer.stats();
    expect(before).toEqual({ denied: 1, allowed: 1, evaluated: 2 });
    const mixed = await failure(
      frozen.send(
        new TransactWriteItemsCommand({
          TransactItems: [
            {
              ConditionCheck: {
                TableName: table.name,
                Key: { pk: { S: 'p1' } },
                ConditionExpression: 'attribute_exists(pk)',
              },
            },
            { Delete: { TableName: table.name, Key: { pk: { S: 'p1' } } } },
          ],
        }),
      ),
    );
    expect(mixed.message).toContain('perform: dynamodb:DeleteItem on resource');
    expect(await stored(direct, table.name, 'p1')).toBe(true);
  });

  it('refuses a write signed with an access key it has no principal for, and lets its reads through', async () => {
    const { table } = await setup();
    const stranger = new DynamoDBClient({
      region: 'us-east-1',
      endpoint: proxy!.endpoint,
      credentials: { accessKeyId: 'AKIASTRANGER0000001', secretAccessKey: 'x' },
      maxAttempts: 1,
    });
    const err = await failure(stranger.send(put(table.name, 's1')));
    expect(err.name).toBe('UnrecognizedClientException');
    expect(err.message).toContain('AKIASTRANGER0000001');
    expect(proxy!.stats().byOperation.PutItem).toMatchObject({ requests: 1, denied: 1, forwarded: 0 });
  });
});

describe('fault proxy without an authorize hook', () => {
  it('forwards every request and counts nothing as denied', async () => {
    const { table, frozen, proxy } = await setup();
    proxy.setAuthorize(undefined);
    await frozen.send(put(table.name, 'x'));
    expect(proxy.stats().byOperation.PutItem).toMatchObject({ requests: 1, forwarded: 1, denied: 0 });
  });
});
