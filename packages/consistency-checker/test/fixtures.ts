import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  batchWrite,
  canonicalKey,
  extractKey,
  type Item,
  type KeyNames,
  toDynamoJson,
} from '@ddb-migrate/core';
import { createTable, generateItems, isolatedSides, putItems } from '@ddb-migrate/test-kit';
import type { Difference, TableSide } from '../src/index.js';

export const KEY_NAMES: KeyNames = { partitionKey: 'pk', sortKey: 'sk' };

/** Attributes added to every generated item, so differences can be injected where we know them. */
export function withProbes(item: Item): Item {
  return {
    ...item,
    score: { N: '1' },
    tags: { SS: ['a', 'b', 'c'] },
    doc: { M: { x: { M: { y: { N: '2' } } }, z: { S: 'q' } } },
    blob: { B: new Uint8Array([1, 2, 3]) },
  };
}

/** Two fresh accounts with a table each (pk S, sk N) and clients for them. */
export async function createSides(): Promise<{
  source: TableSide;
  target: TableSide;
  sourceClient: DynamoDBClient;
  targetClient: DynamoDBClient;
}> {
  const sides = isolatedSides();
  const sourceClient = new DynamoDBClient(sides.source);
  const targetClient = new DynamoDBClient(sides.target);
  const schema = { partitionKey: 'pk', sortKey: { name: 'sk', type: 'N' as const } };
  const [s, t] = await Promise.all([createTable(sourceClient, schema), createTable(targetClient, schema)]);
  return {
    source: { client: sourceClient, tableName: s.name },
    target: { client: targetClient, tableName: t.name },
    sourceClient,
    targetClient,
  };
}

export async function putAll(side: TableSide, items: Item[]): Promise<void> {
  await putItems(side.client, side.tableName, items);
}

export async function deleteAll(side: TableSide, keys: Item[]): Promise<void> {
  await batchWrite(
    side.client,
    keys.map((key) => ({ type: 'delete' as const, key })),
    { tableName: side.tableName, keyNames: KEY_NAMES },
  );
}

/** A difference as the test expects it: kind, key as DynamoDB JSON text, attribute names. */
export function expectation(kind: Difference['kind'], item: Item, attributes: string[]): string {
  return JSON.stringify({ kind, key: toDynamoJson(extractKey(item, KEY_NAMES)), attributes });
}

export function describeDifference(d: Difference): string {
  return JSON.stringify({ kind: d.kind, key: toDynamoJson(d.key), attributes: d.attributes });
}

export const keyOf = (item: Item) => canonicalKey(item, KEY_NAMES);

/**
 * Seeds both tables with `count` items (every 50th near 400 KB), then injects one difference of each
 * kind plus changes DynamoDB considers equal (set order, map order, 1 vs 1.0). Returns the expected
 * differences (sorted) and the number of keys that should compare equal.
 */
export async function seedWithDifferences(
  source: TableSide,
  target: TableSide,
  count = 150,
): Promise<{ expected: string[]; equalKeys: number; sourceCount: number; targetCount: number }> {
  const items = generateItems(count, { seed: 5, sk: 'sk', largeEvery: 50 }).map(withProbes);
  const large = items.filter((item) => item.pad !== undefined);
  const small = items.filter((item) => item.pad === undefined);
  const targetItems = items.map((item) => ({ ...item }));
  const byKey = new Map(targetItems.map((item) => [keyOf(item), item]));
  const t = (item: Item) => byKey.get(keyOf(item))!;
  const expected: string[] = [];

  // Equal by DynamoDB's rules: must NOT be reported.
  for (const item of small.slice(0, 10)) {
    const copy = t(item);
    copy.score = { N: '1.0' };
    copy.tags = { SS: ['c', 'a', 'b'] };
    copy.doc = { M: { z: { S: 'q' }, x: { M: { y: { N: '2.00' } } } } };
  }
  // Real differences.
  const [scalar, nested, typeChange, binary, missing1, missing2] = small.slice(10, 16) as Item[];
  t(scalar!).score = { N: '2' };
  expected.push(expectation('different', scalar!, ['score']));
  t(nested!).doc = { M: { x: { M: { y: { N: '3' } } }, z: { S: 'q' } } };
  expected.push(expectation('different', nested!, ['doc']));
  t(typeChange!).score = { S: '1' };
  expected.push(expectation('different', typeChange!, ['score']));
  t(binary!).blob = { B: new Uint8Array([1, 2, 4]) };
  expected.push(expectation('different', binary!, ['blob']));
  const bigItem = large[0]!;
  const pad = bigItem.pad!.S!;
  t(bigItem).pad = { S: `${pad.slice(0, -1)}x` };
  expected.push(expectation('different', bigItem, ['pad']));
  for (const item of [missing1!, missing2!]) {
    byKey.delete(keyOf(item));
    expected.push(expectation('missing_in_target', item, Object.keys(item).sort()));
  }
  const extras = [0, 1].map((i) =>
    withProbes({ pk: { S: `extra-${i}` }, sk: { N: String(i) }, only: { BOOL: true } }),
  );
  for (const extra of extras) {
    byKey.set(keyOf(extra), extra);
    expected.push(expectation('extra_in_target', extra, Object.keys(extra).sort()));
  }
  await Promise.all([putAll(source, items), putAll(target, [...byKey.values()])]);
  return {
    expected: expected.sort(),
    equalKeys: items.length - 7,
    sourceCount: items.length,
    targetCount: byKey.size,
  };
}
