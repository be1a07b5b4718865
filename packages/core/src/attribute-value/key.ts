import type { AttributeValue, KeySchemaElement } from '@aws-sdk/client-dynamodb';
import { attributeValueType } from './attribute-type.js';
import { bytesToBase64 } from './bytes.js';
import { normalizeNumber } from './decimal.js';
import type { Item, KeyNames } from './types.js';

/**
 * Key attribute names from a table's (or index's) KeySchema.
 *
 * @example
 * keyNamesFromSchema([{ AttributeName: 'pk', KeyType: 'HASH' }, { AttributeName: 'sk', KeyType: 'RANGE' }]);
 * // { partitionKey: 'pk', sortKey: 'sk' }
 * @throws Error when the schema has no HASH element, or more than one HASH or RANGE element.
 */
export function keyNamesFromSchema(keySchema: readonly KeySchemaElement[]): KeyNames {
  const hash = keySchema.filter((element) => element.KeyType === 'HASH');
  const range = keySchema.filter((element) => element.KeyType === 'RANGE');
  const partitionKey = hash[0]?.AttributeName;
  if (hash.length !== 1 || !partitionKey) {
    throw new Error(`Key schema must have exactly one HASH element with a name (found ${hash.length})`);
  }
  if (range.length > 1)
    throw new Error(`Key schema has ${range.length} RANGE elements; at most one is allowed`);
  const sortKey = range[0]?.AttributeName;
  if (range.length === 1 && !sortKey) throw new Error('Key schema RANGE element has no AttributeName');
  return sortKey === undefined ? { partitionKey } : { partitionKey, sortKey };
}

/**
 * The key attributes of `item` (the values are the item's own objects, not copies).
 *
 * @throws Error naming the key attribute that is missing.
 */
export function extractKey(item: Item, names: KeyNames): Item {
  const key: Item = { [names.partitionKey]: requireKeyAttribute(item, names.partitionKey) };
  if (names.sortKey !== undefined) key[names.sortKey] = requireKeyAttribute(item, names.sortKey);
  return key;
}

/**
 * A stable string for a key, equal exactly when the keys are DynamoDB-equal: N keys by decimal value
 * ("1.0" and "1" agree), B keys by bytes, and S "1" differs from N "1". It is the JSON text of
 * `[type, value]` pairs (partition key first), so no value can forge a separator. Use it as a Map key;
 * it contains key values, so do not log it unless the user asked for values.
 *
 * @example
 * canonicalKey({ pk: { N: '1.0' } }, { partitionKey: 'pk' }); // '["N","1"]'
 * @throws Error when a key attribute is missing or is not S, N or B.
 */
export function canonicalKey(key: Item, names: KeyNames): string {
  const parts = keyPart(key, names.partitionKey);
  if (names.sortKey !== undefined) parts.push(...keyPart(key, names.sortKey));
  return JSON.stringify(parts);
}

function keyPart(key: Item, name: string): [string, string] {
  const value = requireKeyAttribute(key, name);
  const type = attributeValueType(value);
  switch (type) {
    case 'S':
      return ['S', value.S as string];
    case 'N':
      return ['N', normalizeNumber(value.N as string)];
    case 'B':
      return ['B', bytesToBase64(value.B as Uint8Array)];
    default:
      throw new Error(`Key attribute "${name}" has type ${type}; key attributes must be S, N or B`);
  }
}

function requireKeyAttribute(item: Item, name: string): AttributeValue {
  const value = item[name];
  if (value === undefined) throw new Error(`Item is missing key attribute "${name}"`);
  return value;
}
