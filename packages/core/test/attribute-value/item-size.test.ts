import { describe, expect, it } from 'vitest';
import { attributeValueSizeBytes, itemSizeBytes } from '../../src/attribute-value/item-size.js';

// Rules: https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/CapacityUnitCalculations.html
describe('itemSizeBytes', () => {
  it('counts attribute names and string values in UTF-8 bytes', () => {
    expect(itemSizeBytes({ pk: { S: 'abc' } })).toBe(2 + 3);
    // "é" is 2 bytes, "日本" 6, the emoji 4 (a surrogate pair in JS, length 2).
    expect(itemSizeBytes({ é: { S: '日本' } })).toBe(2 + 6);
    expect(itemSizeBytes({ s: { S: '😀' } })).toBe(1 + 4);
    expect(itemSizeBytes({ s: { S: '' } })).toBe(1);
  });

  it('sizes numbers at one byte per two significant digits plus one', () => {
    expect(attributeValueSizeBytes({ N: '1' })).toBe(2);
    expect(attributeValueSizeBytes({ N: '12' })).toBe(2);
    expect(attributeValueSizeBytes({ N: '123' })).toBe(3);
    expect(attributeValueSizeBytes({ N: '12345678901234567890123456789012345678' })).toBe(20);
  });

  it('trims leading and trailing zeros before counting digits', () => {
    expect(attributeValueSizeBytes({ N: '1000000' })).toBe(attributeValueSizeBytes({ N: '1' }));
    expect(attributeValueSizeBytes({ N: '0.000012' })).toBe(2);
    expect(attributeValueSizeBytes({ N: '-001.500' })).toBe(2);
    expect(attributeValueSizeBytes({ N: '0' })).toBe(2);
  });

  it('counts binary by raw bytes, not by base64 length', () => {
    expect(itemSizeBytes({ b: { B: new Uint8Array(10) } })).toBe(1 + 10);
    expect(itemSizeBytes({ b: { B: Buffer.alloc(3) } })).toBe(1 + 3);
  });

  it('counts BOOL and NULL as one byte', () => {
    expect(itemSizeBytes({ ok: { BOOL: false }, no: { NULL: true } })).toBe(2 + 1 + 2 + 1);
  });

  it('sums the elements of sets', () => {
    expect(attributeValueSizeBytes({ SS: ['a', 'ü', '日'] })).toBe(1 + 2 + 3);
    expect(attributeValueSizeBytes({ NS: ['1', '123', '1E2'] })).toBe(2 + 3 + 2);
    expect(attributeValueSizeBytes({ BS: [new Uint8Array(2), new Uint8Array(5)] })).toBe(7);
  });

  it('adds 3 bytes per list or map and 1 byte per element', () => {
    expect(attributeValueSizeBytes({ L: [] })).toBe(3);
    expect(attributeValueSizeBytes({ M: {} })).toBe(3);
    expect(attributeValueSizeBytes({ L: [{ S: 'ab' }, { N: '1' }] })).toBe(3 + (1 + 2) + (1 + 2));
    // Map entries include their names: "k" (1) + "ab" (2) + element overhead (1).
    expect(attributeValueSizeBytes({ M: { k: { S: 'ab' } } })).toBe(3 + 1 + 1 + 2);
  });

  it('sizes nested documents recursively', () => {
    const item = {
      pk: { S: 'id' }, // 2 + 2
      doc: {
        // 3 + M overhead 3 + entry "list": 1 + 4 + L(3 + 1 + M(3 + entry "b": 1 + 1 + 2))
        M: { list: { L: [{ M: { b: { B: new Uint8Array(2) } } }] } },
      },
    };
    const list = 3 + 1 + (3 + (1 + 1 + 2));
    expect(itemSizeBytes(item)).toBe(2 + 2 + (3 + (3 + (1 + 4 + list))));
  });

  it('returns 0 for an empty item', () => {
    expect(itemSizeBytes({})).toBe(0);
  });
});
