import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { attributeValueType } from './attribute-type.js';
import { bytesEqual, bytesToKeyString } from './bytes.js';
import { compareParsedDecimals, formatDecimal, tryParseDecimal } from './decimal.js';
import type { Item } from './types.js';

/**
 * DynamoDB equality of two AttributeValues: numbers compared as decimals ("1", "1.0", "1E0" are equal;
 * never through JS floats), SS/NS/BS unordered, maps unordered by key, lists ordered, binary by bytes,
 * a type difference (S "1" vs N "1") is always unequal.
 *
 * Sets compare as sets: an element repeated in a different textual form (NS ["1", "1.0"], which
 * DynamoDB itself rejects) counts once.
 *
 * @example
 * attributeValuesEqual({ N: '1.0' }, { N: '1E0' }); // true
 * attributeValuesEqual({ SS: ['a', 'b'] }, { SS: ['b', 'a'] }); // true
 */
export function attributeValuesEqual(a: AttributeValue, b: AttributeValue): boolean {
  if (a === b) return true;
  const type = attributeValueType(a);
  if (type !== attributeValueType(b)) return false;
  switch (type) {
    case 'S':
      return a.S === b.S;
    case 'N':
      return numbersEqual(a.N as string, b.N as string);
    case 'B':
      return bytesEqual(a.B as Uint8Array, b.B as Uint8Array);
    case 'BOOL':
      return a.BOOL === b.BOOL;
    case 'NULL':
      return a.NULL === b.NULL;
    case 'SS':
      return setsEqual(a.SS as string[], b.SS as string[], (s) => s);
    case 'NS':
      return setsEqual(a.NS as string[], b.NS as string[], numberSetKey);
    case 'BS':
      return setsEqual(a.BS as Uint8Array[], b.BS as Uint8Array[], bytesToKeyString);
    case 'L':
      return listsEqual(a.L as AttributeValue[], b.L as AttributeValue[]);
    case 'M':
      return itemsEqual(a.M as Item, b.M as Item);
  }
}

/** DynamoDB equality of two items (or two M values): the same attribute names, each value equal. */
export function itemsEqual(a: Item, b: Item): boolean {
  if (a === b) return true;
  const namesA = definedNames(a);
  const namesB = definedNames(b);
  if (namesA.length !== namesB.length) return false;
  for (const name of namesA) {
    const valueB = b[name];
    if (valueB === undefined || !attributeValuesEqual(a[name] as AttributeValue, valueB)) return false;
  }
  return true;
}

/**
 * Top-level attribute names whose values differ or that exist on one side only, sorted.
 * Returns `[]` exactly when {@link itemsEqual} is true. Names only, never values (safe to log).
 */
export function diffItemAttributes(a: Item, b: Item): string[] {
  const names = new Set([...definedNames(a), ...definedNames(b)]);
  const differing: string[] = [];
  for (const name of names) {
    const valueA = a[name];
    const valueB = b[name];
    if (valueA === undefined || valueB === undefined || !attributeValuesEqual(valueA, valueB)) {
      differing.push(name);
    }
  }
  return differing.sort();
}

function definedNames(item: Item): string[] {
  return Object.keys(item).filter((name) => item[name] !== undefined);
}

function numbersEqual(a: string, b: string): boolean {
  if (a === b) return true;
  const parsedA = tryParseDecimal(a);
  const parsedB = tryParseDecimal(b);
  // Text that is not a number cannot be DynamoDB-equal to anything but identical text (handled above).
  if (!parsedA || !parsedB) return false;
  return compareParsedDecimals(parsedA, parsedB) === 0;
}

function numberSetKey(n: string): string {
  const parsed = tryParseDecimal(n);
  // Unparseable text keeps its own text, prefixed so it cannot collide with a canonical number.
  return parsed ? formatDecimal(parsed) : `!${n}`;
}

function setsEqual<T>(a: readonly T[], b: readonly T[], keyOf: (element: T) => string): boolean {
  const keysA = new Set(a.map(keyOf));
  const keysB = new Set(b.map(keyOf));
  if (keysA.size !== keysB.size) return false;
  for (const key of keysA) if (!keysB.has(key)) return false;
  return true;
}

function listsEqual(a: readonly AttributeValue[], b: readonly AttributeValue[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    if (!attributeValuesEqual(a[i] as AttributeValue, b[i] as AttributeValue)) return false;
  }
  return true;
}
