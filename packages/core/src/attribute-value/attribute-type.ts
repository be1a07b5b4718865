import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { ATTRIBUTE_TYPE_TAGS, type AttributeTypeTag } from './types.js';

/**
 * The type tag of an SDK AttributeValue (`'S'`, `'N'`, `'M'`, ...).
 *
 * @throws Error when the value carries no known type tag (for example `{}` or `{ $unknown: [...] }`).
 */
export function attributeValueType(value: AttributeValue): AttributeTypeTag {
  const record = value as unknown as Record<string, unknown>;
  if (record !== null && typeof record === 'object') {
    for (const tag of ATTRIBUTE_TYPE_TAGS) {
      if (record[tag] !== undefined) return tag;
    }
  }
  throw new Error(`Not a DynamoDB AttributeValue: no known type tag (${describeKeys(record)})`);
}

function describeKeys(record: unknown): string {
  if (record === null || typeof record !== 'object') return `got ${record === null ? 'null' : typeof record}`;
  const keys = Object.keys(record);
  return keys.length === 0 ? 'empty object' : `keys: ${keys.slice(0, 5).join(', ')}`;
}
