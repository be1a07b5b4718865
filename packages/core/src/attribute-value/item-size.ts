import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { attributeValueType } from './attribute-type.js';
import { tryParseDecimal } from './decimal.js';
import type { Item } from './types.js';

/**
 * Size of an item in bytes by DynamoDB's documented rules
 * ("DynamoDB item sizes and formats",
 * https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/CapacityUnitCalculations.html):
 *
 * - every attribute: UTF-8 bytes of its name + the size of its value;
 * - S: UTF-8 bytes; B: raw bytes (not the base64 length);
 * - N: approximately 1 byte per two significant digits (leading and trailing zeros trimmed) + 1 byte,
 *   computed here as `ceil(digits / 2) + 1`, with zero counted as one digit;
 * - SS / NS / BS: the sum of the element sizes;
 * - M and L: 3 bytes of overhead + 1 byte per element + the elements (map entries include their names);
 * - NULL and BOOL: 1 byte.
 *
 * DynamoDB's own accounting of numbers is documented as approximate, so treat results near the
 * 400 KB item limit as estimates.
 *
 * @example
 * itemSizeBytes({ pk: { S: 'abc' }, n: { N: '123' } }); // (2 + 3) + (1 + 3) = 9
 */
export function itemSizeBytes(item: Item): number {
  let size = 0;
  for (const [name, value] of Object.entries(item)) {
    if (value !== undefined) size += utf8Length(name) + attributeValueSizeBytes(value);
  }
  return size;
}

/** Size in bytes of one value, without its attribute name (see {@link itemSizeBytes}). */
export function attributeValueSizeBytes(value: AttributeValue): number {
  const type = attributeValueType(value);
  switch (type) {
    case 'S':
      return utf8Length(value.S as string);
    case 'N':
      return numberSizeBytes(value.N as string);
    case 'B':
      return (value.B as Uint8Array).byteLength;
    case 'BOOL':
    case 'NULL':
      return 1;
    case 'SS':
      return sum(value.SS as string[], utf8Length);
    case 'NS':
      return sum(value.NS as string[], numberSizeBytes);
    case 'BS':
      return sum(value.BS as Uint8Array[], (bytes) => bytes.byteLength);
    case 'L':
      return 3 + sum(value.L as AttributeValue[], (element) => 1 + attributeValueSizeBytes(element));
    case 'M':
      return 3 + sum(Object.keys(value.M as Item), (name) => mapEntrySize(value.M as Item, name));
  }
}

function mapEntrySize(map: Item, name: string): number {
  const element = map[name];
  return element === undefined ? 0 : 1 + utf8Length(name) + attributeValueSizeBytes(element);
}

/** Approximate stored size of a number: 1 byte per two significant digits + 1 byte. */
export function numberSizeBytes(n: string): number {
  const parsed = tryParseDecimal(n);
  // Text that is not a number is not storable; fall back to its length so the estimate stays conservative.
  const digits = parsed ? Math.max(1, parsed.digits.length) : n.length;
  return Math.ceil(digits / 2) + 1;
}

/** UTF-8 byte length of a string (a lone surrogate counts as the 3-byte replacement character). */
export function utf8Length(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}

function sum<T>(elements: readonly T[], sizeOf: (element: T) => number): number {
  let total = 0;
  for (const element of elements) total += sizeOf(element);
  return total;
}
