import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { DynamoJsonError } from '../errors.js';
import { attributeValueType } from './attribute-type.js';
import { bytesToBase64, isBytes, tryBase64ToBytes } from './bytes.js';
import { tryParseDecimal } from './decimal.js';
import { ATTRIBUTE_TYPE_TAGS, type AttributeTypeTag, type Item } from './types.js';

/**
 * Converts an item in DynamoDB wire JSON (a Lambda DynamoDB Streams image, the `Item` of an export
 * data line) to SDK AttributeValues. Binary is base64 in the wire form; B and every BS element become
 * Uint8Array at any depth (inside M and L). S and N stay strings: numbers never pass through JS floats.
 * Already-decoded Uint8Array binary is accepted as is.
 *
 * @example
 * fromDynamoJson({ pk: { S: 'a' }, m: { M: { l: { L: [{ B: 'AAE=' }] } } } });
 * // { pk: { S: 'a' }, m: { M: { l: { L: [{ B: Uint8Array [0, 1] }] } } } }
 * @throws DynamoJsonError naming the attribute path on an unknown type tag or a malformed value.
 */
export function fromDynamoJson(json: unknown): Item {
  return mapFromJson(json, '');
}

/**
 * Converts one AttributeValue in DynamoDB wire JSON (`{ "B": "AAE=" }`) to its SDK form.
 * See {@link fromDynamoJson}.
 *
 * @throws DynamoJsonError on an unknown type tag or a malformed value.
 */
export function attributeValueFromDynamoJson(json: unknown): AttributeValue {
  return valueFromJson(json, '');
}

/**
 * The inverse of {@link fromDynamoJson}: binary (Uint8Array/Buffer) becomes base64 text at any depth,
 * everything else is copied, so the result is JSON-serialisable (reports, the DLQ, state files).
 * B/BS values that already are strings are passed through unchanged.
 *
 * @example
 * JSON.stringify(toDynamoJson({ b: { B: new Uint8Array([0, 1]) } })); // '{"b":{"B":"AAE="}}'
 */
export function toDynamoJson(item: Item): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(item)) {
    if (value !== undefined) out[name] = attributeValueToDynamoJson(value);
  }
  return out;
}

/** {@link toDynamoJson} for a single AttributeValue. */
export function attributeValueToDynamoJson(value: AttributeValue): Record<string, unknown> {
  const type = attributeValueType(value);
  switch (type) {
    case 'B':
      return { B: binaryToJson(value.B) };
    case 'BS':
      return { BS: (value.BS as unknown[]).map(binaryToJson) };
    case 'M':
      return { M: toDynamoJson(value.M as Item) };
    case 'L':
      return { L: (value.L as AttributeValue[]).map(attributeValueToDynamoJson) };
    case 'SS':
      return { SS: [...(value.SS as string[])] };
    case 'NS':
      return { NS: [...(value.NS as string[])] };
    default:
      return { [type]: value[type] };
  }
}

function binaryToJson(bytes: unknown): unknown {
  return isBytes(bytes) ? bytesToBase64(bytes) : bytes;
}

const KNOWN_TAGS: ReadonlySet<string> = new Set(ATTRIBUTE_TYPE_TAGS);

function mapFromJson(json: unknown, path: string): Item {
  if (!isPlainObject(json)) {
    throw new DynamoJsonError(path, `expected an object of attributes, got ${describe(json)}`);
  }
  const item: Item = {};
  for (const [name, value] of Object.entries(json)) {
    if (value !== undefined) item[name] = valueFromJson(value, joinName(path, name));
  }
  return item;
}

function valueFromJson(json: unknown, path: string): AttributeValue {
  if (!isPlainObject(json)) {
    throw new DynamoJsonError(
      path,
      `expected an AttributeValue object like {"S": ...}, got ${describe(json)}`,
    );
  }
  const tags = Object.keys(json).filter((key) => json[key] !== undefined);
  if (tags.length !== 1) {
    throw new DynamoJsonError(path, `expected exactly one type tag, got ${tags.length} (${listTags(tags)})`);
  }
  const tag = tags[0] as string;
  if (!KNOWN_TAGS.has(tag)) {
    throw new DynamoJsonError(path, `unknown type tag ${JSON.stringify(tag.slice(0, 20))}`);
  }
  return convertTagged(tag as AttributeTypeTag, json[tag], path);
}

function convertTagged(tag: AttributeTypeTag, raw: unknown, path: string): AttributeValue {
  switch (tag) {
    case 'S':
      return { S: expectString(raw, path, 'S') };
    case 'N':
      return { N: expectNumberText(raw, path) };
    case 'B':
      return { B: expectBinary(raw, path, 'B') };
    case 'BOOL':
      if (typeof raw !== 'boolean')
        throw new DynamoJsonError(path, `BOOL must be true or false, got ${describe(raw)}`);
      return { BOOL: raw };
    case 'NULL':
      if (raw !== true) throw new DynamoJsonError(path, `NULL must be true, got ${describe(raw)}`);
      return { NULL: true };
    case 'SS':
      return {
        SS: expectArray(raw, path, 'SS').map((e, i) => expectString(e, `${path}[${i}]`, 'SS element')),
      };
    case 'NS':
      return { NS: expectArray(raw, path, 'NS').map((e, i) => expectNumberText(e, `${path}[${i}]`)) };
    case 'BS':
      return {
        BS: expectArray(raw, path, 'BS').map((e, i) => expectBinary(e, `${path}[${i}]`, 'BS element')),
      };
    case 'L':
      return { L: expectArray(raw, path, 'L').map((e, i) => valueFromJson(e, `${path}[${i}]`)) };
    case 'M':
      return { M: mapFromJson(raw, path) };
  }
}

function expectString(raw: unknown, path: string, what: string): string {
  if (typeof raw !== 'string')
    throw new DynamoJsonError(path, `${what} must be a string, got ${describe(raw)}`);
  return raw;
}

function expectNumberText(raw: unknown, path: string): string {
  // A JSON number here would already have lost digits in JSON.parse, so only text is accepted.
  if (typeof raw !== 'string') {
    throw new DynamoJsonError(path, `N must be a string of decimal digits, got ${describe(raw)}`);
  }
  if (!tryParseDecimal(raw)) throw new DynamoJsonError(path, 'N is not decimal number text');
  return raw;
}

function expectBinary(raw: unknown, path: string, what: string): Uint8Array {
  if (isBytes(raw)) return raw;
  if (typeof raw !== 'string') {
    throw new DynamoJsonError(path, `${what} must be a base64 string, got ${describe(raw)}`);
  }
  const bytes = tryBase64ToBytes(raw);
  if (!bytes) throw new DynamoJsonError(path, `${what} is not valid base64`);
  return bytes;
}

function expectArray(raw: unknown, path: string, what: string): unknown[] {
  if (!Array.isArray(raw)) throw new DynamoJsonError(path, `${what} must be an array, got ${describe(raw)}`);
  return raw;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !isBytes(value);
}

const SIMPLE_NAME = /^[A-Za-z_$][\w$-]*$/;

function joinName(path: string, name: string): string {
  if (SIMPLE_NAME.test(name)) return path === '' ? name : `${path}.${name}`;
  return `${path}[${JSON.stringify(name)}]`;
}

function listTags(tags: string[]): string {
  return tags.length === 0
    ? 'none'
    : tags
        .slice(0, 5)
        .map((tag) => JSON.stringify(tag.slice(0, 20)))
        .join(', ');
}

// Describes the kind of a value without echoing it (items may hold regulated data).
function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (isBytes(value)) return 'bytes';
  return typeof value === 'string' ? 'a string' : typeof value;
}
