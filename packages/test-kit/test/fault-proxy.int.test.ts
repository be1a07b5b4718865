import {
  BatchGetItemCommand,
  BatchWriteItemCommand,
  DeleteItemCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
} from '@aws-sdk/client-dynamodb';
import { DescribeStreamCommand, DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { canonicalKey, type Item, itemsEqual } from '@ddb-migrate/core';
import { afterEach, describe, expect, it } from 'vitest';
import {
  createBucket,
  createTable,
  type FaultProxy,
  generateItems,
  isolatedSides,
  motoEndpoint,
  scanAll,
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
afterEach(async () => {
  await proxy?.close();
  proxy = undefined;
});

async function setup(rules: Parameters<typeof startFaultProxy>[0]['rules'], maxAttempts = 1) {
  const { source } = isolatedSides();
  const direct = new DynamoDBClient(source);
  const table = await createTable(direct, {});
  proxy = await startFaultProxy({ target: motoEndpoint(), rules, seed: 42 });
  const viaProxy = new DynamoDBClient({ ...source, endpoint: proxy.endpoint, maxAttempts });
  return { source, direct, table, viaProxy, proxy };
}

describe('fault proxy', () => {
  it('returns a throttle the SDK recognises as ProvisionedThroughputExceededException', async () => {
    const { viaProxy, table, proxy } = await setup([{ operation: 'PutItem', throttleRate: 1 }]);
    const err = await failure(
      viaProxy.send(new PutItemCommand({ TableName: table.name, Item: { pk: { S: 'a' } } })),
    );
    expect(err).toBeInstanceOf(Error);
    expect(err.name).toBe('ProvisionedThroughputExceededException');
    expect(err.$metadata?.httpStatusCode).toBe(400);
    expect(proxy.stats().byOperation.PutItem).toMatchObject({ requests: 1, throttled: 1, forwarded: 0 });
  });

  it('returns ThrottlingException and 503 variants', async () => {
    const { viaProxy, table, proxy } = await setup([
      { operation: 'PutItem', throttleRate: 1, throttleError: 'ThrottlingException' },
      { operation: 'GetItem', errorRate: 1, errorStatus: 503 },
    ]);
    const throttle = await failure(
      viaProxy.send(new PutItemCommand({ TableName: table.name, Item: { pk: { S: 'a' } } })),
    );
    expect(throttle.name).toBe('ThrottlingException');
    const unavailable = await failure(
      viaProxy.send(new GetItemCommand({ TableName: table.name, Key: { pk: { S: 'a' } } })),
    );
    expect(unavailable.$metadata?.httpStatusCode).toBe(503);
    expect(proxy.stats().total).toMatchObject({ throttled: 1, errors: 1, forwarded: 0 });
  });

  it('lets the SDK succeed through retries after throttles, 5xx and a dropped connection', async () => {
    const { viaProxy, direct, table, proxy } = await setup(
      [
        { operation: 'PutItem', throttleRate: 1, maxInjections: 2 },
        { operation: 'GetItem', errorRate: 1, errorStatus: 'mixed', maxInjections: 2 },
        { operation: 'DeleteItem', dropRate: 1, maxInjections: 1 },
      ],
      5,
    );
    await viaProxy.send(
      new PutItemCommand({ TableName: table.name, Item: { pk: { S: 'a' }, v: { N: '1' } } }),
    );
    const got = await viaProxy.send(new GetItemCommand({ TableName: table.name, Key: { pk: { S: 'a' } } }));
    expect(got.Item?.v).toEqual({ N: '1' });
    await viaProxy.send(new DeleteItemCommand({ TableName: table.name, Key: { pk: { S: 'a' } } }));
    expect(await scanAll(direct, table.name)).toEqual([]);
    const s = proxy.stats().byOperation;
    expect(s.PutItem).toMatchObject({ requests: 3, throttled: 2, forwarded: 1 });
    expect(s.GetItem).toMatchObject({ requests: 3, errors: 2, forwarded: 1 });
    expect(s.DeleteItem).toMatchObject({ requests: 2, dropped: 1, forwarded: 1 });
  });

  it('with a 30% throttle rate and SDK retries, every write eventually lands', async () => {
    const { viaProxy, direct, table, proxy } = await setup([{ service: 'dynamodb', throttleRate: 0.3 }], 10);
    const items = generateItems(8, { seed: 5 });
    for (const Item of items) await viaProxy.send(new PutItemCommand({ TableName: table.name, Item }));
    expect(await scanAll(direct, table.name)).toHaveLength(8);
    const t = proxy.stats().byOperation.PutItem!;
    expect(t.throttled).toBeGreaterThan(0);
    expect(t.forwarded).toBe(8);
  });

  it('turns BatchWriteItem into a partial success whose UnprocessedItems are exactly the unwritten items', async () => {
    const { viaProxy, direct, table, proxy } = await setup([
      { operation: 'BatchWriteItem', partialRate: 1, partialFraction: 0.3 },
    ]);
    const items = generateItems(10, { seed: 2 });
    const out = await viaProxy.send(
      new BatchWriteItemCommand({
        RequestItems: { [table.name]: items.map((Item) => ({ PutRequest: { Item } })) },
      }),
    );
    const unprocessed = (out.UnprocessedItems?.[table.name] ?? []).map((r) => r.PutRequest!.Item as Item);
    expect(unprocessed).toHaveLength(3);
    const written = await scanAll(direct, table.name);
    expect(written).toHaveLength(7);
    const names = { partitionKey: 'pk' };
    const writtenKeys = new Set(written.map((i) => canonicalKey(i, names)));
    for (const u of unprocessed) {
      expect(writtenKeys.has(canonicalKey(u, names))).toBe(false);
      // Held-back items come back byte-for-byte, binary included.
      const original = items.find((i) => canonicalKey(i, names) === canonicalKey(u, names))!;
      expect(itemsEqual(u, original)).toBe(true);
    }
    expect(proxy.stats().byOperation.BatchWriteItem).toMatchObject({ partial: 1, heldBack: 3, forwarded: 1 });
  });

  it('turns BatchGetItem into a partial success with UnprocessedKeys', async () => {
    const { viaProxy, direct, table } = await setup([
      { operation: 'BatchGetItem', partialRate: 1, partialFraction: 0.5 },
    ]);
    for (const k of ['a', 'b', 'c', 'd']) {
      await direct.send(new PutItemCommand({ TableName: table.name, Item: { pk: { S: k } } }));
    }
    const out = await viaProxy.send(
      new BatchGetItemCommand({
        RequestItems: {
          [table.name]: { Keys: ['a', 'b', 'c', 'd'].map((k) => ({ pk: { S: k } })), ConsistentRead: true },
        },
      }),
    );
    const got = (out.Responses?.[table.name] ?? []).map((i) => i.pk?.S);
    const pending = out.UnprocessedKeys?.[table.name];
    expect(got).toHaveLength(2);
    expect(pending?.Keys).toHaveLength(2);
    expect(pending?.ConsistentRead).toBe(true);
    expect([...got, ...(pending?.Keys ?? []).map((k) => k.pk?.S)].sort()).toEqual(['a', 'b', 'c', 'd']);
  });

  it('forwards bodies unchanged and identifies Streams and S3 operations', async () => {
    const { source, viaProxy, direct, table, proxy } = await setup([{ service: 's3', throttleRate: 1 }]);
    const items = generateItems(5, { seed: 11 });
    for (const Item of items) await viaProxy.send(new PutItemCommand({ TableName: table.name, Item }));
    const back = await scanAll(direct, table.name);
    const names = { partitionKey: 'pk' };
    for (const i of items) {
      expect(itemsEqual(back.find((b) => canonicalKey(b, names) === canonicalKey(i, names))!, i)).toBe(true);
    }
    const streamed = await createTable(direct, { stream: 'NEW_IMAGE' });
    const streams = new DynamoDBStreamsClient({ ...source, endpoint: proxy.endpoint });
    await streams.send(new DescribeStreamCommand({ StreamArn: streamed.streamArn }));
    const bucket = await createBucket(new S3Client({ ...source, forcePathStyle: true }));
    const s3 = new S3Client({ ...source, endpoint: proxy.endpoint, forcePathStyle: true, maxAttempts: 1 });
    const err = await failure(s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'k', Body: 'x' })));
    expect(err.name).toBe('SlowDown');
    const s = proxy.stats().byOperation;
    expect(s.DescribeStream?.forwarded).toBe(1);
    expect(s.PutObject).toMatchObject({ requests: 1, throttled: 1 });
  });
});
