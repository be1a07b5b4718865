import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  createTable,
  generateItems,
  scanAll,
  sourceSide,
  startFaultProxy,
  TARGET_ACCOUNT,
  TARGET_ROLE_NAME,
  uniqueName,
} from '@ddb-migrate/test-kit';
import { describe, expect, it } from 'vitest';
import { itemsEqual } from '../../src/attribute-value/equality.js';
import { canonicalKey, extractKey } from '../../src/attribute-value/key.js';
import type { Item, KeyNames } from '../../src/attribute-value/types.js';
import { assumeRoleCredentials } from '../../src/clients/assume-role.js';
import type { AwsSideConfig } from '../../src/clients/aws-side-config.js';
import { createDynamoDbClient } from '../../src/clients/create-clients.js';
import { roleArnFromName } from '../../src/clients/role-arn.js';
import { batchWrite, createBatchWriter } from '../../src/write/batch-writer.js';
import type { WriteOp } from '../../src/write/write-op.js';

const keyNames: KeyNames = { partitionKey: 'pk' };

/** The target side (222222222222 via AssumeRole), optionally through another endpoint (the fault proxy). */
function targetSide(endpoint?: string, maxAttempts?: number): AwsSideConfig {
  const caller: AwsSideConfig = { ...sourceSide(), ...(endpoint === undefined ? {} : { endpoint }) };
  return {
    ...caller,
    ...(maxAttempts === undefined ? {} : { maxAttempts }),
    credentials: assumeRoleCredentials(caller, {
      roleArn: roleArnFromName(TARGET_ACCOUNT, TARGET_ROLE_NAME),
    }),
  };
}

/**
 * `keys` puts plus `keys / 4` later ops on already-written keys (3 of 4 re-puts with new content,
 * 1 of 4 deletes), interleaved so that duplicates fall into different chunks.
 */
function opsWithDuplicates(seed: number, keys: number): { ops: WriteOp[]; expected: Map<string, Item> } {
  const items = generateItems(keys, { seed });
  const ops: WriteOp[] = items.map((item) => ({ type: 'put', item }));
  for (let i = 0; i < keys / 4; i += 1) {
    const item = items[(i * 7919) % items.length]!;
    ops.splice(
      Math.min(ops.length, keys / 4 + i * 4),
      0,
      i % 4 === 3
        ? { type: 'delete', key: extractKey(item, keyNames) }
        : {
            type: 'put',
            item: { ...item, rewritten: { N: String(i) }, bin: { B: new Uint8Array([i % 256, 0, 255]) } },
          },
    );
  }
  const expected = new Map<string, Item>();
  for (const op of ops) {
    const key = canonicalKey(extractKey(op.type === 'put' ? op.item : op.key, keyNames), keyNames);
    if (op.type === 'put') expected.set(key, op.item);
    else expected.delete(key);
  }
  return { ops, expected };
}

async function expectTableToHold(client: DynamoDBClient, tableName: string, expected: Map<string, Item>) {
  const actual = await scanAll(client, tableName);
  expect(actual.length).toBe(expected.size);
  const mismatched = actual.filter((item) => {
    const want = expected.get(canonicalKey(extractKey(item, keyNames), keyNames));
    return want === undefined || !itemsEqual(want, item);
  });
  expect(mismatched.length).toBe(0);
}

describe('batch writer against moto (target account)', () => {
  it('writes 10k ops over 8k keys with last-op-wins into the target account', async () => {
    const ddb = createDynamoDbClient(targetSide());
    const table = await createTable(ddb, { name: uniqueName('bw') });
    expect(table.arn).toContain(`:${TARGET_ACCOUNT}:`);
    const { ops, expected } = opsWithDuplicates(11, 8000);
    expect(ops).toHaveLength(10_000);
    expect(expected.size).toBeLessThan(8000); // some deletes come after their key's put

    const result = await batchWrite(ddb, ops, { tableName: table.name, keyNames, concurrency: 8 });

    expect(result.failed).toEqual([]);
    expect(result.written).toBe(8000);
    expect(result.calls).toBe(320);
    await expectTableToHold(ddb, table.name, expected);
  }, 300_000);

  it('loses nothing through >=20% throttles, 500s and partial UnprocessedItems, and counts its retries', async () => {
    const direct = createDynamoDbClient(targetSide());
    const table = await createTable(direct, { name: uniqueName('bw-faults') });
    const proxy = await startFaultProxy({
      target: sourceSide().endpoint,
      seed: 5,
      rules: [
        {
          service: 'dynamodb',
          operation: 'BatchWriteItem',
          throttleRate: 0.25,
          errorRate: 0.05,
          errorStatus: 'mixed',
          partialRate: 0.2,
        },
      ],
    });
    try {
      // SDK retries off (1 attempt): the writer's own retries must do the work.
      const viaProxy = createDynamoDbClient(targetSide(proxy.endpoint, 1));
      // 10k ops over 8k keys, like the plain run: duplicates land in different chunks and calls.
      const { ops, expected } = opsWithDuplicates(12, 8000);
      const writer = createBatchWriter(viaProxy, {
        tableName: table.name,
        keyNames,
        concurrency: 8,
        baseDelayMs: 10,
        maxDelayMs: 200,
      });
      for (const op of ops) await writer.write(op);
      const result = await writer.flush();

      const stats = proxy.stats().byOperation.BatchWriteItem!;
      expect(stats.throttled / stats.requests).toBeGreaterThanOrEqual(0.2);
      expect(stats.errors).toBeGreaterThan(0);
      expect(stats.partial).toBeGreaterThan(0);
      expect(result.failed).toEqual([]);
      expect(result.retries).toBeGreaterThan(0);
      expect(result.throttles).toBeGreaterThanOrEqual(stats.throttled);
      expect(result.calls).toBe(stats.requests);
      await expectTableToHold(direct, table.name, expected);
    } finally {
      await proxy.close();
    }
  }, 300_000);

  it.each([
    ['an empty-string key', { pk: { S: '' }, v: { S: 'poison' } }],
    ['a key of the wrong type', { pk: { N: '42' }, v: { S: 'poison' } }],
  ])('fails only the op with %s as non-retryable; the other 24 of its batch land', async (_, poison) => {
    const ddb = createDynamoDbClient(targetSide());
    const table = await createTable(ddb, { name: uniqueName('bw-poison') });
    const good = generateItems(24, { seed: 3 });
    const ops: WriteOp[] = good.map((item) => ({ type: 'put', item }));
    ops.splice(10, 0, { type: 'put', item: poison as Item });

    const result = await batchWrite(ddb, ops, { tableName: table.name, keyNames });

    expect(result.failed).toHaveLength(1);
    expect(result.failed[0]).toMatchObject({ op: ops[10], code: 'ValidationException', retryable: false });
    expect(result.written).toBe(24);
    expect(result.calls).toBe(26);
    const stored = await scanAll(ddb, table.name);
    expect(stored).toHaveLength(24);
  });
});
