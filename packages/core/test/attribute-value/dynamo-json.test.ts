import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from 'vitest';
import {
  attributeValueFromDynamoJson,
  fromDynamoJson,
  toDynamoJson,
} from '../../src/attribute-value/dynamo-json.js';
import { DynamoJsonError } from '../../src/errors.js';
import { itemsEqual } from '../../src/attribute-value/equality.js';
import type { Item } from '../../src/attribute-value/types.js';
import { MigrationError } from '../../src/errors.js';

const b64 = (...values: number[]): string => Buffer.from(values).toString('base64');
const bytes = (...values: number[]): Uint8Array => new Uint8Array(values);

// Shaped like a Lambda DynamoDB Streams NewImage (all values are JSON text, binary is base64).
const streamImage = JSON.parse(
  JSON.stringify({
    pk: { S: 'order#1' },
    sk: { N: '12345678901234567890123456789012345678' },
    price: { N: '0.10' },
    flag: { BOOL: false },
    gone: { NULL: true },
    names: { SS: ['a', 'ünï'] },
    counts: { NS: ['1', '1.5E3'] },
    raw: { B: b64(0, 1, 2, 255) },
    chunks: { BS: [b64(1), b64(2, 3), b64()] },
    doc: {
      M: {
        level1: {
          L: [
            { S: 'x' },
            {
              M: {
                level3: { B: b64(9, 8, 7) },
                set3: { BS: [b64(4, 5)] },
                list4: { L: [{ M: { level5: { B: b64(6) } } }] },
              },
            },
          ],
        },
      },
    },
  }),
);

describe('fromDynamoJson', () => {
  it('decodes B and BS to Uint8Array at any depth and leaves S and N as text', () => {
    const item = fromDynamoJson(streamImage);
    expect(item.raw?.B).toBeInstanceOf(Uint8Array);
    expect(Array.from(item.raw?.B ?? [])).toEqual([0, 1, 2, 255]);
    expect(item.chunks?.BS?.map((element) => Array.from(element))).toEqual([[1], [2, 3], []]);
    const level2 = item.doc?.M?.level1?.L?.[1]?.M;
    expect(level2?.level3?.B).toEqual(bytes(9, 8, 7));
    expect(level2?.set3?.BS).toEqual([bytes(4, 5)]);
    expect(level2?.list4?.L?.[0]?.M?.level5?.B).toEqual(bytes(6));
    expect(item.sk).toEqual({ N: '12345678901234567890123456789012345678' });
    expect(item.price).toEqual({ N: '0.10' });
    expect(item.counts).toEqual({ NS: ['1', '1.5E3'] });
    expect(item.names).toEqual({ SS: ['a', 'ünï'] });
    expect(item.flag).toEqual({ BOOL: false });
    expect(item.gone).toEqual({ NULL: true });
  });

  it('returns fresh byte arrays that do not share a pooled buffer', () => {
    const value = attributeValueFromDynamoJson({ B: b64(1, 2, 3) });
    expect(value.B?.byteOffset).toBe(0);
    expect(value.B?.buffer.byteLength).toBe(3);
  });

  it('accepts URL-safe and unpadded base64', () => {
    expect(attributeValueFromDynamoJson({ B: '-_8' }).B).toEqual(bytes(251, 255));
    expect(attributeValueFromDynamoJson({ B: '+/8=' }).B).toEqual(bytes(251, 255));
  });

  it('accepts binary that is already decoded', () => {
    expect(attributeValueFromDynamoJson({ B: bytes(1, 2) }).B).toEqual(bytes(1, 2));
  });

  it('converts an empty item and empty containers', () => {
    expect(fromDynamoJson({})).toEqual({});
    expect(fromDynamoJson({ m: { M: {} }, l: { L: [] } })).toEqual({ m: { M: {} }, l: { L: [] } });
  });

  it.each([
    [{ doc: { M: { inner: { L: [{ S: 'ok' }, { X: 'y' }] } } } }, 'doc.inner[1]', /unknown type tag "X"/],
    [{ a: { S: 1 } }, 'a', /S must be a string/],
    [{ a: { N: 1.5 } }, 'a', /N must be a string/],
    [{ a: { N: 'abc' } }, 'a', /N is not decimal number text/],
    [{ a: { NS: ['1', 'x'] } }, 'a[1]', /N is not decimal number text/],
    [{ a: { B: 'not base64!' } }, 'a', /B is not valid base64/],
    [{ a: { B: 'abcde' } }, 'a', /B is not valid base64/],
    [{ a: { B: 5 } }, 'a', /B must be a base64 string/],
    [{ a: { M: { b: { BS: [b64(1), 7] } } } }, 'a.b[1]', /BS element must be a base64 string/],
    [{ a: { BOOL: 'true' } }, 'a', /BOOL must be true or false/],
    [{ a: { NULL: false } }, 'a', /NULL must be true/],
    [{ a: { SS: 'a' } }, 'a', /SS must be an array/],
    [{ a: { L: {} } }, 'a', /L must be an array/],
    [{ a: { M: [] } }, 'a', /expected an object of attributes/],
    [{ a: { S: 'x', N: '1' } }, 'a', /exactly one type tag, got 2/],
    [{ a: {} }, 'a', /exactly one type tag, got 0/],
    [{ a: 'plain' }, 'a', /expected an AttributeValue object/],
    [{ 'odd.name': { M: { x: null } } }, '["odd.name"].x', /expected an AttributeValue object/],
  ])('rejects malformed input %j, naming the path', (input, path, message) => {
    let caught: unknown;
    try {
      fromDynamoJson(input);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(DynamoJsonError);
    expect(caught).toBeInstanceOf(MigrationError);
    expect((caught as DynamoJsonError).path).toBe(path);
    expect((caught as DynamoJsonError).code).toBe('INVALID_DYNAMODB_JSON');
    expect((caught as Error).message).toMatch(message);
    expect((caught as Error).message).toContain(`at ${path}:`);
  });

  it.each([null, [], 'x', 5])('rejects a top-level %j that is not an object', (input) => {
    expect(() => fromDynamoJson(input)).toThrow(/Invalid DynamoDB JSON at \(item\)/);
  });

  it('does not echo values in errors', () => {
    expect(() => fromDynamoJson({ ssn: { N: '123-45-6789' } })).toThrow(/^(?!.*123-45).*$/);
  });
});

describe('toDynamoJson', () => {
  it('encodes binary as base64 at any depth and is JSON-serialisable', () => {
    const item: Item = {
      b: { B: bytes(0, 1) },
      bs: { BS: [bytes(255), Buffer.from([1, 2, 3])] },
      m: { M: { l: { L: [{ M: { deep: { B: bytes(7) } } }] } } },
      n: { N: '12345678901234567890123456789012345678' },
    };
    const json = toDynamoJson(item);
    expect(JSON.parse(JSON.stringify(json))).toEqual({
      b: { B: 'AAE=' },
      bs: { BS: ['/w==', 'AQID'] },
      m: { M: { l: { L: [{ M: { deep: { B: 'Bw==' } } }] } } },
      n: { N: '12345678901234567890123456789012345678' },
    });
  });

  it('does not alias the input arrays', () => {
    const item: Item = { ss: { SS: ['a'] } };
    const json = toDynamoJson(item) as { ss: { SS: string[] } };
    json.ss.SS.push('b');
    expect(item.ss?.SS).toEqual(['a']);
  });

  it('round-trips through fromDynamoJson to an equal item', () => {
    const original = fromDynamoJson(streamImage);
    const text = JSON.stringify(toDynamoJson(original));
    const back = fromDynamoJson(JSON.parse(text));
    expect(back).toEqual(original);
    expect(itemsEqual(back, original)).toBe(true);
    expect(toDynamoJson(back)).toEqual(streamImage);
  });

  it('round-trips every type from SDK values', () => {
    const original: Record<string, AttributeValue> = {
      s: { S: '日本語 😀' },
      n: { N: '-0.000000000000000000000000000000000000001' },
      b: { B: bytes() },
      ss: { SS: ['x', 'y'] },
      ns: { NS: ['1', '2'] },
      bs: { BS: [bytes(1), bytes(2)] },
      t: { BOOL: true },
      z: { NULL: true },
      l: { L: [{ L: [{ L: [{ B: bytes(3, 4) }] }] }] },
    };
    const back = fromDynamoJson(JSON.parse(JSON.stringify(toDynamoJson(original))));
    expect(back).toEqual(original);
    expect(itemsEqual(back, original)).toBe(true);
  });
});
