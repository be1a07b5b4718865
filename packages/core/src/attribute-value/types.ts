import type { AttributeValue } from '@aws-sdk/client-dynamodb';

/** A DynamoDB item as raw SDK AttributeValues. Never unmarshalled on a data path. */
export type Item = Record<string, AttributeValue>;

/** The key attribute names of a table (or of an index). */
export interface KeyNames {
  partitionKey: string;
  sortKey?: string;
}

/** The type tags of a DynamoDB AttributeValue. */
export type AttributeTypeTag = 'S' | 'N' | 'B' | 'SS' | 'NS' | 'BS' | 'M' | 'L' | 'NULL' | 'BOOL';

/** Every {@link AttributeTypeTag}, in the order DynamoDB documents them. */
export const ATTRIBUTE_TYPE_TAGS: readonly AttributeTypeTag[] = [
  'S',
  'N',
  'B',
  'SS',
  'NS',
  'BS',
  'M',
  'L',
  'NULL',
  'BOOL',
];
