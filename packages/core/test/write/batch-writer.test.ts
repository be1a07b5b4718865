import { sdkError } from '@ddb-migrate/test-kit';
import { describe, expect, it } from 'vitest';
import { batchWrite, createBatchWriter } from '../../src/write/batch-writer.js';
import { TokenBucket } from '../../src/write/token-bucket.js';
import type { WriteOp } from '../../src/write/write-op.js';
import { FakeDynamoDb, pkOf } from './fake-dynamodb.js';

const keyNames = { partitionKey: 'pk' };
const base = { tableName: 't', keyNames, baseDelayMs: 1, maxDelayMs: 5 };
const put = (pk: string, v: number | string = 0): WriteOp => ({
  type: 'put',
  item: { pk: { S: pk }, v: { N: String(v) } },
});
const puts = (n: number) => Array.from({ length: n }, (_, i) => put(`k${i}`, i));

describe('batchWrite', () => {
  it('sends at most 25 distinct keys per call and no more than `concurrency` calls at once', async () => {
    const fake = new FakeDynamoDb(undefined, () => 5);
    const result = await batchWrite(fake.client, puts(260), { ...base, concurrency: 3 });
    expect(result).toMatchObject({ written: 260, calls: 11, retries: 0, throttles: 0, failed: [] });
    for (const call of fake.calls) {
      expect(call.length).toBeLessThanOrEqual(25);
      expect(new Set(call.map(pkOf)).size).toBe(call.length);
    }
    expect(fake.maxInFlight).toBe(3);
  });

  it('writes only the last op of duplicated keys', async () => {
    const fake = new FakeDynamoDb();
    const ops = [
      put('a', 1),
      put('b', 1),
      put('a', 2),
      { type: 'delete', key: { pk: { S: 'b' } } } as WriteOp,
      put('a', 3),
    ];
    const result = await batchWrite(fake.client, ops, base);
    expect(result.written).toBe(2);
    expect(fake.store.get('a')?.PutRequest?.Item?.v).toEqual({ N: '3' });
    expect(fake.store.get('b')?.DeleteRequest).toBeDefined();
    expect(fake.applied).toHaveLength(2);
  });

  it('retries UnprocessedItems until every op is written', async () => {
    // First 3 calls leave their last 10 requests unprocessed.
    const fake = new FakeDynamoDb((requests, i) => (i < 3 ? { unprocessed: requests.slice(-10) } : {}));
    const result = await batchWrite(fake.client, puts(50), { ...base, concurrency: 1 });
    expect(result.failed).toEqual([]);
    expect(result.written).toBe(50);
    expect(fake.store.size).toBe(50);
    expect(result.retries).toBeGreaterThanOrEqual(3);
    expect(result.throttles).toBe(3);
  });

  it('retries throttling, 5xx and socket errors, counting throttles separately', async () => {
    const errors = [
      sdkError('ProvisionedThroughputExceededException', 400),
      sdkError('InternalServerError', 500),
      Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }),
      sdkError('ThrottlingException', 400),
    ];
    const fake = new FakeDynamoDb((_, i) => (i < errors.length ? { error: errors[i]! } : {}));
    const result = await batchWrite(fake.client, puts(25), { ...base, concurrency: 1 });
    expect(result).toMatchObject({ written: 25, calls: 5, retries: 4, throttles: 2, failed: [] });
  });

  it('isolates a poison op when DynamoDB rejects the whole batch with ValidationException', async () => {
    const fake = new FakeDynamoDb((requests) =>
      requests.some((r) => pkOf(r) === '') ? { error: sdkError('ValidationException', 400) } : {},
    );
    const ops = puts(25);
    ops[7] = put('', 7);
    const result = await batchWrite(fake.client, ops, base);
    expect(result.written).toBe(24);
    expect(result.failed).toHaveLength(1);
    expect(result.failed[0]).toMatchObject({ op: ops[7], code: 'ValidationException', retryable: false });
    expect(result.calls).toBe(26); // the rejected batch, then one call per op
  });

  it('reports ops as retryable failures once maxAttempts is used up', async () => {
    const fake = new FakeDynamoDb(() => ({ error: sdkError('ProvisionedThroughputExceededException', 400) }));
    const result = await batchWrite(fake.client, puts(30), { ...base, maxAttempts: 3 });
    expect(result.written).toBe(0);
    expect(result.calls).toBe(6);
    expect(result.failed).toHaveLength(30);
    expect(
      result.failed.every((f) => f.retryable && f.code === 'ProvisionedThroughputExceededException'),
    ).toBe(true);
  });

  it('stops retrying at the deadline', async () => {
    const fake = new FakeDynamoDb(() => ({ error: sdkError('ServiceUnavailable', 503) }));
    const started = Date.now();
    const result = await batchWrite(fake.client, puts(5), {
      ...base,
      baseDelayMs: 50,
      maxDelayMs: 50,
      maxAttempts: 1000,
      deadline: Date.now() + 150,
    });
    expect(Date.now() - started).toBeLessThan(1000);
    expect(result.failed).toHaveLength(5);
    expect(result.failed[0]!.retryable).toBe(true);
    expect(result.failed[0]!.error).toMatch(/deadline/);
  });

  it('fails fast on a non-retryable error such as a missing table', async () => {
    const fake = new FakeDynamoDb(() => ({ error: sdkError('ResourceNotFoundException', 400) }));
    const result = await batchWrite(fake.client, puts(100), { ...base, concurrency: 1 });
    expect(fake.calls).toHaveLength(1);
    expect(result.failed).toHaveLength(100);
    expect(result.failed.every((f) => !f.retryable && f.code === 'ResourceNotFoundException')).toBe(true);
  });

  it('reports ops without a valid key without sending them', async () => {
    const fake = new FakeDynamoDb();
    const bad: WriteOp = { type: 'delete', key: { other: { S: 'x' } } };
    const result = await batchWrite(fake.client, [bad, put('a')], base);
    expect(result.written).toBe(1);
    expect(result.failed).toEqual([
      expect.objectContaining({ op: bad, retryable: false, code: 'InvalidKey' }),
    ]);
  });

  it('takes ceil(size/1KB) WCU per put and 1 per delete from the bucket before each call', async () => {
    const fake = new FakeDynamoDb();
    const bucket = new TokenBucket(1, 1_000_000, () => 0); // frozen clock: no refill
    const big: WriteOp = { type: 'put', item: { pk: { S: 'big' }, blob: { S: 'x'.repeat(3000) } } };
    await batchWrite(fake.client, [big, put('a'), { type: 'delete', key: { pk: { S: 'b' } } }], {
      ...base,
      wcuBucket: bucket,
    });
    expect(1_000_000 - bucket.available()).toBe(3 + 1 + 1);
  });

  it('rejects when the signal aborts', async () => {
    const controller = new AbortController();
    const fake = new FakeDynamoDb(() => ({ error: sdkError('ThrottlingException', 400) }));
    const pending = batchWrite(fake.client, puts(10), {
      ...base,
      baseDelayMs: 10_000,
      maxDelayMs: 10_000,
      signal: controller.signal,
    });
    setTimeout(() => controller.abort(new Error('user cancelled')), 30);
    await expect(pending).rejects.toThrow('user cancelled');
  });
});

describe('createBatchWriter', () => {
  it('keeps per-key order: a later op for a key never lands before an earlier one', async () => {
    // Random latency and random partial failures would reorder a naive writer.
    let seed = 7;
    const random = () => {
      // mulberry32
      seed = (seed + 0x6d2b79f5) | 0;
      let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
    const fake = new FakeDynamoDb(
      (requests) => (random() < 0.3 ? { unprocessed: requests.filter(() => random() < 0.5) } : {}),
      () => Math.floor(random() * 8),
    );
    const writer = createBatchWriter(fake.client, { ...base, concurrency: 4 });
    const last = new Map<string, number>();
    for (let version = 0; version < 1500; version += 1) {
      const pk = `k${Math.floor(random() * 40)}`;
      last.set(pk, version);
      await writer.write(put(pk, version));
    }
    const result = await writer.flush();
    expect(result.failed).toEqual([]);
    expect(result.retries).toBeGreaterThan(0);
    const seen = new Map<string, number>();
    for (const { pk, request } of fake.applied) {
      const version = Number(request.PutRequest?.Item?.v?.N);
      expect(version).toBeGreaterThan(seen.get(pk) ?? -1);
      seen.set(pk, version);
    }
    expect(seen).toEqual(last);
  });

  it('sends full chunks while writing and the rest on flush, returning counts per flush', async () => {
    const fake = new FakeDynamoDb();
    const writer = createBatchWriter(fake.client, { ...base, concurrency: 2 });
    for (const op of puts(60)) await writer.write(op);
    await new Promise((r) => setTimeout(r, 20));
    expect(fake.calls.map((c) => c.length)).toEqual([25, 25]);
    const first = await writer.flush();
    expect(first).toMatchObject({ written: 60, calls: 3 });
    await writer.write(put('again'));
    expect(await writer.flush()).toMatchObject({ written: 1, calls: 1, failed: [] });
  });

  it('applies backpressure: write() waits while the buffer is full', async () => {
    let release: () => void = () => {};
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const fake = new FakeDynamoDb();
    const blocking = {
      send: async (command: unknown) => {
        await gate;
        return fake.client.send(command as never);
      },
    };
    const writer = createBatchWriter(blocking as never, { ...base, concurrency: 1 });
    let buffered = 0;
    const producer = (async () => {
      for (const op of puts(500)) {
        await writer.write(op);
        buffered += 1;
      }
    })();
    await new Promise((r) => setTimeout(r, 30));
    expect(buffered).toBeLessThan(200);
    release();
    await producer;
    expect((await writer.flush()).written).toBe(500);
  });

  it('reports a poison op and writes the rest of its chunk', async () => {
    const fake = new FakeDynamoDb((requests) =>
      requests.some((r) => r.PutRequest?.Item?.pk?.N !== undefined)
        ? { error: sdkError('ValidationException', 400) }
        : {},
    );
    const writer = createBatchWriter(fake.client, base);
    const poison: WriteOp = { type: 'put', item: { pk: { N: '1' } } };
    for (const op of [...puts(10), poison, ...puts(30).slice(10)]) await writer.write(op);
    const result = await writer.flush();
    expect(result.written).toBe(30);
    expect(result.failed).toEqual([expect.objectContaining({ op: poison, retryable: false })]);
  });
});
