import { describe, expect, it } from 'vitest';
import { canonicalKey, extractKey, keyNamesFromSchema } from '../../src/attribute-value/key.js';
import type { Item, KeyNames } from '../../src/attribute-value/types.js';

const PK_ONLY: KeyNames = { partitionKey: 'pk' };
const PK_SK: KeyNames = { partitionKey: 'pk', sortKey: 'sk' };

describe('keyNamesFromSchema', () => {
  it('reads the partition and sort key names regardless of element order', () => {
    expect(
      keyNamesFromSchema([
        { AttributeName: 'sk', KeyType: 'RANGE' },
        { AttributeName: 'pk', KeyType: 'HASH' },
      ]),
    ).toEqual(PK_SK);
  });

  it('returns no sortKey property for a partition-key-only table', () => {
    const names = keyNamesFromSchema([{ AttributeName: 'id', KeyType: 'HASH' }]);
    expect(names).toEqual({ partitionKey: 'id' });
    expect('sortKey' in names).toBe(false);
  });

  it('rejects a schema without a HASH element or with two', () => {
    expect(() => keyNamesFromSchema([])).toThrow(/exactly one HASH/);
    expect(() => keyNamesFromSchema([{ AttributeName: 'sk', KeyType: 'RANGE' }])).toThrow(/exactly one HASH/);
    expect(() =>
      keyNamesFromSchema([
        { AttributeName: 'a', KeyType: 'HASH' },
        { AttributeName: 'b', KeyType: 'HASH' },
      ]),
    ).toThrow(/exactly one HASH/);
  });
});

describe('extractKey', () => {
  const item: Item = { pk: { S: 'a' }, sk: { N: '1' }, data: { S: 'payload' } };

  it('keeps only the key attributes', () => {
    expect(extractKey(item, PK_SK)).toEqual({ pk: { S: 'a' }, sk: { N: '1' } });
    expect(extractKey(item, PK_ONLY)).toEqual({ pk: { S: 'a' } });
  });

  it('names the missing key attribute', () => {
    expect(() => extractKey({ pk: { S: 'a' } }, PK_SK)).toThrow(/missing key attribute "sk"/);
    expect(() => extractKey({ sk: { S: 'a' } }, PK_SK)).toThrow(/missing key attribute "pk"/);
  });
});

describe('canonicalKey', () => {
  it('maps DynamoDB-equal number keys to the same string', () => {
    const forms = ['1', '1.0', '1E0', '1e+0', '01', '0.1E1'];
    const keys = new Set(forms.map((n) => canonicalKey({ pk: { N: n } }, PK_ONLY)));
    expect(keys.size).toBe(1);
    expect(canonicalKey({ pk: { S: 'a' }, sk: { N: '100' } }, PK_SK)).toBe(
      canonicalKey({ sk: { N: '1E2' }, pk: { S: 'a' } }, PK_SK),
    );
  });

  it('separates a string key from a number key with the same text', () => {
    expect(canonicalKey({ pk: { S: '1' } }, PK_ONLY)).not.toBe(canonicalKey({ pk: { N: '1' } }, PK_ONLY));
  });

  it('separates 38-digit number keys that differ in the last digit', () => {
    const a = canonicalKey({ pk: { N: '12345678901234567890123456789012345678' } }, PK_ONLY);
    const b = canonicalKey({ pk: { N: '12345678901234567890123456789012345679' } }, PK_ONLY);
    expect(a).not.toBe(b);
  });

  it('compares binary keys by bytes, whatever the byte container', () => {
    const a = canonicalKey({ pk: { B: new Uint8Array([0, 255, 10]) } }, PK_ONLY);
    const b = canonicalKey({ pk: { B: Buffer.from([0, 255, 10]) } }, PK_ONLY);
    const c = canonicalKey({ pk: { B: new Uint8Array([0, 255, 11]) } }, PK_ONLY);
    expect(a).toBe(b);
    expect(a).not.toBe(c);
    expect(a).not.toBe(canonicalKey({ pk: { S: Buffer.from([0, 255, 10]).toString('base64') } }, PK_ONLY));
  });

  it('cannot be forged by separators or quotes inside values', () => {
    const pairs: Array<[Item, Item]> = [
      [
        { pk: { S: 'a","S","b' }, sk: { S: 'c' } },
        { pk: { S: 'a' }, sk: { S: 'b","S","c' } },
      ],
      [
        { pk: { S: 'a|b' }, sk: { S: 'c' } },
        { pk: { S: 'a' }, sk: { S: 'b|c' } },
      ],
      [
        { pk: { S: 'a\\' }, sk: { S: '"b' } },
        { pk: { S: 'a\\"' }, sk: { S: 'b' } },
      ],
    ];
    for (const [x, y] of pairs) expect(canonicalKey(x, PK_SK)).not.toBe(canonicalKey(y, PK_SK));
  });

  it('ignores non-key attributes and is usable as a Map key', () => {
    const map = new Map<string, number>();
    map.set(canonicalKey({ pk: { S: 'a' }, sk: { N: '2.0' }, other: { S: 'x' } }, PK_SK), 1);
    expect(map.get(canonicalKey({ pk: { S: 'a' }, sk: { N: '2' } }, PK_SK))).toBe(1);
  });

  it('rejects a key attribute that is not S, N or B, naming it', () => {
    expect(() => canonicalKey({ pk: { BOOL: true } }, PK_ONLY)).toThrow(/"pk" has type BOOL/);
    expect(() => canonicalKey({ pk: { S: 'a' } }, PK_SK)).toThrow(/missing key attribute "sk"/);
  });
});
