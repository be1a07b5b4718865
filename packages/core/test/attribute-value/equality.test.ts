import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from 'vitest';
import { attributeValuesEqual, diffItemAttributes, itemsEqual } from '../../src/attribute-value/equality.js';
import type { Item } from '../../src/attribute-value/types.js';

const bytes = (...values: number[]): Uint8Array => new Uint8Array(values);
const DIGITS_38 = '12345678901234567890123456789012345678';

describe('attributeValuesEqual', () => {
  it.each([
    ['1', '1.0'],
    ['1', '1E0'],
    ['1', '1e+0'],
    ['0.10', '0.1'],
    ['-0', '0'],
    ['100', '1E2'],
    [DIGITS_38, `${DIGITS_38}.0`],
    [DIGITS_38, '1.2345678901234567890123456789012345678E37'],
  ])('treats N %s and N %s as equal', (a, b) => {
    expect(attributeValuesEqual({ N: a }, { N: b })).toBe(true);
  });

  it('tells apart 38-digit numbers that a JS double rounds to the same value', () => {
    const a = DIGITS_38;
    const b = '12345678901234567890123456789012345679';
    expect(Number(a)).toBe(Number(b));
    expect(attributeValuesEqual({ N: a }, { N: b })).toBe(false);
  });

  it('never treats a string and a number of the same text as equal', () => {
    expect(attributeValuesEqual({ S: '1' }, { N: '1' })).toBe(false);
    expect(attributeValuesEqual({ SS: ['1'] }, { NS: ['1'] })).toBe(false);
  });

  it('compares strings exactly (no numeric or unicode normalization)', () => {
    expect(attributeValuesEqual({ S: '1.0' }, { S: '1' })).toBe(false);
    expect(attributeValuesEqual({ S: 'é' }, { S: 'e\u0301' })).toBe(false);
    expect(attributeValuesEqual({ S: '日本' }, { S: '日本' })).toBe(true);
  });

  it('compares binary by bytes and accepts Buffer as well as Uint8Array', () => {
    expect(attributeValuesEqual({ B: bytes(0, 1, 255) }, { B: Buffer.from([0, 1, 255]) })).toBe(true);
    expect(attributeValuesEqual({ B: bytes(0, 1, 255) }, { B: bytes(0, 1, 254) })).toBe(false);
    expect(attributeValuesEqual({ B: bytes(0, 1) }, { B: bytes(0, 1, 0) })).toBe(false);
    const view = new Uint8Array(bytes(9, 0, 1, 255, 9).buffer, 1, 3);
    expect(attributeValuesEqual({ B: view }, { B: bytes(0, 1, 255) })).toBe(true);
  });

  it('compares BOOL and NULL', () => {
    expect(attributeValuesEqual({ BOOL: true }, { BOOL: true })).toBe(true);
    expect(attributeValuesEqual({ BOOL: true }, { BOOL: false })).toBe(false);
    expect(attributeValuesEqual({ NULL: true }, { NULL: true })).toBe(true);
    expect(attributeValuesEqual({ NULL: true }, { BOOL: true })).toBe(false);
  });

  it('compares sets without regard to order', () => {
    expect(attributeValuesEqual({ SS: ['a', 'b', 'c'] }, { SS: ['c', 'a', 'b'] })).toBe(true);
    expect(attributeValuesEqual({ SS: ['a', 'b'] }, { SS: ['a', 'c'] })).toBe(false);
    expect(attributeValuesEqual({ SS: ['a', 'b'] }, { SS: ['a'] })).toBe(false);
    expect(
      attributeValuesEqual({ BS: [bytes(1), bytes(2, 3)] }, { BS: [Buffer.from([2, 3]), bytes(1)] }),
    ).toBe(true);
    expect(attributeValuesEqual({ BS: [bytes(1), bytes(2, 3)] }, { BS: [bytes(1), bytes(2)] })).toBe(false);
  });

  it('compares number sets by decimal value, unordered', () => {
    expect(attributeValuesEqual({ NS: ['1', '2.50', '1E2'] }, { NS: ['100', '1.0', '2.5'] })).toBe(true);
    expect(attributeValuesEqual({ NS: ['1', '2'] }, { NS: ['1', '3'] })).toBe(false);
    expect(
      attributeValuesEqual({ NS: [DIGITS_38] }, { NS: ['12345678901234567890123456789012345679'] }),
    ).toBe(false);
  });

  it('treats duplicate-looking number forms in a set as one element', () => {
    // DynamoDB rejects NS ["1", "1.0"] as a duplicate; as a set it holds one number.
    expect(attributeValuesEqual({ NS: ['1', '1.0'] }, { NS: ['1E0'] })).toBe(true);
    expect(attributeValuesEqual({ NS: ['1', '1.0'] }, { NS: ['1', '2'] })).toBe(false);
  });

  it('compares maps without regard to key order, recursively', () => {
    const a: AttributeValue = { M: { x: { N: '1' }, y: { M: { z: { NS: ['1', '2'] } } } } };
    const b: AttributeValue = { M: { y: { M: { z: { NS: ['2.0', '1'] } } }, x: { N: '1.00' } } };
    expect(attributeValuesEqual(a, b)).toBe(true);
    expect(attributeValuesEqual({ M: { x: { N: '1' } } }, { M: { x: { N: '1' }, y: { NULL: true } } })).toBe(
      false,
    );
    expect(attributeValuesEqual({ M: { x: { N: '1' } } }, { M: { y: { N: '1' } } })).toBe(false);
  });

  it('compares lists in order', () => {
    expect(attributeValuesEqual({ L: [{ N: '1' }, { S: 'a' }] }, { L: [{ N: '1.0' }, { S: 'a' }] })).toBe(
      true,
    );
    expect(attributeValuesEqual({ L: [{ N: '1' }, { S: 'a' }] }, { L: [{ S: 'a' }, { N: '1' }] })).toBe(
      false,
    );
    expect(attributeValuesEqual({ L: [{ N: '1' }] }, { L: [{ N: '1' }, { N: '1' }] })).toBe(false);
    expect(attributeValuesEqual({ L: [] }, { M: {} })).toBe(false);
  });

  it('compares binary nested in lists and maps by bytes', () => {
    const a: AttributeValue = { L: [{ M: { deep: { L: [{ B: bytes(1, 2) }, { BS: [bytes(3)] }] } } }] };
    const b: AttributeValue = {
      L: [{ M: { deep: { L: [{ B: Buffer.from([1, 2]) }, { BS: [bytes(3)] }] } } }],
    };
    const c: AttributeValue = { L: [{ M: { deep: { L: [{ B: bytes(1, 3) }, { BS: [bytes(3)] }] } } }] };
    expect(attributeValuesEqual(a, b)).toBe(true);
    expect(attributeValuesEqual(a, c)).toBe(false);
  });

  it('throws on a value without a known type tag', () => {
    expect(() => attributeValuesEqual({} as AttributeValue, { S: 'a' })).toThrow(/no known type tag/);
  });
});

describe('itemsEqual and diffItemAttributes', () => {
  const source: Item = {
    pk: { S: 'user#1' },
    amount: { N: '10.50' },
    tags: { SS: ['b', 'a'] },
    blob: { B: bytes(1, 2, 3) },
    profile: { M: { age: { N: '42' }, nick: { S: 'x' } } },
  };

  it('reports DynamoDB-equal items as equal with no differing attributes', () => {
    const target: Item = {
      profile: { M: { nick: { S: 'x' }, age: { N: '4.2E1' } } },
      blob: { B: Buffer.from([1, 2, 3]) },
      tags: { SS: ['a', 'b'] },
      amount: { N: '10.5' },
      pk: { S: 'user#1' },
    };
    expect(itemsEqual(source, target)).toBe(true);
    expect(diffItemAttributes(source, target)).toEqual([]);
  });

  it('lists differing and one-sided attributes, sorted', () => {
    const target: Item = {
      pk: { S: 'user#1' },
      amount: { S: '10.5' },
      blob: { B: bytes(1, 2, 3) },
      profile: { M: { age: { N: '43' }, nick: { S: 'x' } } },
      extra: { NULL: true },
    };
    expect(itemsEqual(source, target)).toBe(false);
    expect(diffItemAttributes(source, target)).toEqual(['amount', 'extra', 'profile', 'tags']);
    expect(diffItemAttributes(target, source)).toEqual(['amount', 'extra', 'profile', 'tags']);
  });

  it('ignores attributes whose value is undefined', () => {
    const withUndefined = { ...source, gone: undefined } as unknown as Item;
    expect(itemsEqual(withUndefined, source)).toBe(true);
    expect(diffItemAttributes(withUndefined, source)).toEqual([]);
  });
});
