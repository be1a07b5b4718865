import {
  BatchWriteItemCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
} from '@aws-sdk/client-dynamodb';
import {
  type AttributeTypeTag,
  attributeValueType,
  canonicalKey,
  type Item,
  itemsEqual,
  itemSizeBytes,
} from '@ddb-migrate/core';
import { describe, expect, it } from 'vitest';
import {
  createTable,
  generateItems,
  isolatedSides,
  LARGE_ITEM_BYTES,
  MAX_ITEM_SIZE_BYTES,
  scanAll,
} from '../src/index.js';

function typesIn(value: Item, seen: Set<AttributeTypeTag>): void {
  for (const av of Object.values(value)) {
    const t = attributeValueType(av);
    seen.add(t);
    if (t === 'M') typesIn(av.M as Item, seen);
    if (t === 'L') for (const e of av.L ?? []) typesIn({ e }, seen);
  }
}

describe('generateItems', () => {
  it('is deterministic per seed and differs across seeds', () => {
    expect(generateItems(50, { seed: 3 })).toEqual(generateItems(50, { seed: 3 }));
    expect(generateItems(50, { seed: 3 })).not.toEqual(generateItems(50, { seed: 4 }));
  });

  it('covers every attribute type, tricky numbers, unicode, nested binary and empty strings', () => {
    const items = generateItems(20);
    const seen = new Set<AttributeTypeTag>();
    for (const item of items) typesIn(item, seen);
    expect([...seen].sort()).toEqual(['B', 'BOOL', 'BS', 'L', 'M', 'N', 'NS', 'NULL', 'S', 'SS']);
    const numbers = items.map((i) => i.n?.N);
    expect(numbers).toContain('12345678901234567890123456789012345678');
    expect(numbers).toContain('-0.000000000000000000000000000000000001');
    expect(numbers).toContain('1.0');
    const strings = JSON.stringify(items.map((i) => i.s?.S));
    expect(strings).toMatch(/🙂/);
    expect(strings).toMatch(/日本語/);
    expect(strings).toMatch(/e\u0301/);
    expect(items[0]?.empty).toEqual({ S: '' });
    expect(items[0]?.l?.L?.[2]?.M?.binInMapInList?.B).toBeInstanceOf(Uint8Array);
  });

  it('gives unique keys for S, N and B keys, with and without a sort key', () => {
    for (const opts of [
      { pk: 'id' },
      { pk: 'id', pkType: 'N' as const },
      { pk: 'id', pkType: 'B' as const },
      { pk: 'id', sk: 'sk' },
      { pk: 'id', sk: 'sk', skType: 'S' as const },
    ]) {
      const names = { partitionKey: 'id', sortKey: opts.sk };
      const keys = new Set(generateItems(300, opts).map((i) => canonicalKey(i, names)));
      expect(keys.size).toBe(300);
    }
  });

  it('writes through moto unchanged, including an item just under 400 KB', async () => {
    const { source } = isolatedSides();
    const ddb = new DynamoDBClient(source);
    const t = await createTable(ddb, { sortKey: { name: 'sk', type: 'N' } });
    const items = generateItems(60, { seed: 9, sk: 'sk', largeEvery: 30 });
    const large = items.filter((i) => itemSizeBytes(i) > 300_000);
    expect(large).toHaveLength(2);
    for (const item of large) {
      expect(itemSizeBytes(item)).toBeLessThan(MAX_ITEM_SIZE_BYTES);
      expect(itemSizeBytes(item)).toBe(LARGE_ITEM_BYTES);
      await ddb.send(new PutItemCommand({ TableName: t.name, Item: item }));
      const got = await ddb.send(
        new GetItemCommand({ TableName: t.name, Key: { pk: item.pk!, sk: item.sk! } }),
      );
      expect(itemsEqual(got.Item as Item, item)).toBe(true);
    }
    const small = items.filter((i) => !large.includes(i));
    for (let i = 0; i < small.length; i += 25) {
      const chunk = small.slice(i, i + 25).map((Item) => ({ PutRequest: { Item } }));
      await ddb.send(new BatchWriteItemCommand({ RequestItems: { [t.name]: chunk } }));
    }
    const back = await scanAll(ddb, t.name);
    expect(back).toHaveLength(items.length);
    const names = { partitionKey: 'pk', sortKey: 'sk' };
    const byKey = new Map(back.map((i) => [canonicalKey(i, names), i]));
    for (const item of items) expect(itemsEqual(byKey.get(canonicalKey(item, names))!, item)).toBe(true);
  });
});
