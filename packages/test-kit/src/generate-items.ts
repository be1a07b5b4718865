import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { type Item, itemSizeBytes } from '@ddb-migrate/core';
import { createPrng, pick, randomIndex } from './prng.js';

/** DynamoDB's maximum item size: 400 KB including attribute names. */
export const MAX_ITEM_SIZE_BYTES = 400 * 1024;

/**
 * Default size of large items (by core's `itemSizeBytes`). moto rejects items above 405,000 bytes by
 * its own count (numbers counted as text, no list/map overhead), so 400,000 stays accepted by both.
 */
export const LARGE_ITEM_BYTES = 400_000;

/** Options of {@link generateItems}. */
export interface GenerateItemsOptions {
  /** PRNG seed; the same seed gives the same items. Default 1. */
  seed?: number;
  /** Partition key attribute name. Default `'pk'`. */
  pk?: string;
  /** Partition key type. Default `'S'`. */
  pkType?: 'S' | 'N' | 'B';
  /** Sort key attribute name; none by default. With a sort key, three items share each partition. */
  sk?: string;
  /** Sort key type. Default `'N'`. */
  skType?: 'S' | 'N' | 'B';
  /**
   * Every `largeEvery`-th item (the last of each group) is padded to just under 400 KB
   * (`largeItemBytes`). Default 0: no large items.
   */
  largeEvery?: number;
  /** Size of large items. Default {@link LARGE_ITEM_BYTES} (400,000). */
  largeItemBytes?: number;
}

/** Numbers in forms that break float-based code: 38 digits, extremes of the range, trailing zeros. */
export const TRICKY_NUMBERS: readonly string[] = [
  '12345678901234567890123456789012345678',
  '-12345678901234567890123456789012345678',
  '-0.000000000000000000000000000000000001',
  '0.000000000000000000000000000000000001',
  '9.9999999999999999999999999999999999999E+125',
  '-9.9999999999999999999999999999999999999E+125',
  '1E+125',
  '1E-130',
  '-1E-130',
  '1.0',
  '100',
  '1.50',
  '0',
  '0.1',
  '3.1415926535897932384626433832795028841',
  '9007199254740993',
  '-42',
  '2.5e3',
];

/** Strings with emoji (surrogate pairs, ZWJ sequences), CJK, combining marks, RTL, whitespace. */
export const TRICKY_STRINGS: readonly string[] = [
  'plain ascii',
  '🙂 emoji 👩‍💻 zwj 🏳️‍🌈',
  '日本語のテキスト 中文 한국어',
  'combining e\u0301 a\u0308 n\u0303',
  'עברית RTL العربية',
  'tab\tnew\nline "quotes" \\ backslash',
  '\u200b zero width \ufeff bom',
  '𝔘𝔫𝔦𝔠𝔬𝔡𝔢 astral',
];

/** Attribute names that need expression placeholders. */
const TRICKY_NAMES = ['a.b', 'with space', '#hash', 'ünïcødé-名前', 'dash-name'] as const;

function bytes(random: () => number, length: number): Uint8Array {
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) out[i] = randomIndex(random, 256);
  // Make the high and zero bytes appear: base64 and UTF-8 mistakes show on these.
  if (length > 1) {
    out[0] = 0;
    out[1] = 255;
  }
  return out;
}

function randomString(random: () => number, length: number): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 -_';
  let s = '';
  for (let i = 0; i < length; i++) s += alphabet[randomIndex(random, alphabet.length)];
  return s;
}

function distinctNumbers(random: () => number, count: number): string[] {
  // Pick values that are distinct by decimal value (a DynamoDB set rejects "1" and "1.0" together).
  const pool = [
    '12345678901234567890123456789012345678',
    '-1E-130',
    '0.1',
    '100',
    '2.5',
    '-42',
    '7',
    '1E+125',
  ];
  const start = randomIndex(random, pool.length);
  return Array.from(
    { length: Math.min(count, pool.length) },
    (_, i) => pool[(start + i) % pool.length] as string,
  );
}

function keyValue(type: 'S' | 'N' | 'B', n: number, unicode: boolean): AttributeValue {
  switch (type) {
    case 'N':
      // Distinct by value; the spelling varies ("7.0", "7E0", "7").
      return { N: n % 3 === 0 ? `${n}.0` : n % 3 === 1 ? `${n}E0` : String(n) };
    case 'B': {
      const b = new Uint8Array(5);
      b[0] = 0xff;
      new DataView(b.buffer).setUint32(1, n);
      return { B: b };
    }
    default:
      return {
        S: unicode ? `item-${String(n).padStart(6, '0')}-ü日🙂` : `item-${String(n).padStart(6, '0')}`,
      };
  }
}

function baseItem(random: () => number, i: number): Item {
  const item: Item = {
    s: { S: pick(random, TRICKY_STRINGS) },
    n: { N: TRICKY_NUMBERS[i % TRICKY_NUMBERS.length] as string },
    n2: { N: pick(random, TRICKY_NUMBERS) },
    b: { B: bytes(random, 1 + randomIndex(random, 24)) },
    ss: { SS: [...new Set([pick(random, TRICKY_STRINGS), 'x', randomString(random, 8)])] },
    ns: { NS: distinctNumbers(random, 1 + randomIndex(random, 5)) },
    bs: { BS: [new Uint8Array([0]), new Uint8Array([1, 2, 255]), bytes(random, 6)] },
    bool: { BOOL: random() < 0.5 },
    nul: { NULL: true },
    empty: { S: '' },
    emptyList: { L: [] },
    emptyMap: { M: {} },
    m: {
      M: {
        str: { S: randomString(random, 12) },
        num: { N: pick(random, TRICKY_NUMBERS) },
        emptyInMap: { S: '' },
        deeper: { M: { bin: { B: bytes(random, 4) }, flag: { BOOL: false }, nothing: { NULL: true } } },
      },
    },
    l: {
      L: [
        { S: pick(random, TRICKY_STRINGS) },
        { N: '1.0' },
        { M: { binInMapInList: { B: bytes(random, 3) }, bsInMapInList: { BS: [new Uint8Array([9, 8])] } } },
        { L: [{ B: bytes(random, 2) }, { NULL: true }, { SS: ['a', 'b'] }] },
        { BOOL: true },
      ],
    },
  };
  for (const name of TRICKY_NAMES) {
    if (random() < 0.4) item[name] = { S: randomString(random, 6) };
  }
  if (random() < 0.3) item.optional = { N: String(randomIndex(random, 1_000_000)) };
  return item;
}

function padToSize(item: Item, target: number): void {
  item.pad = { S: '' };
  const missing = target - itemSizeBytes(item);
  if (missing > 0) item.pad = { S: 'p'.repeat(missing) };
}

/**
 * Deterministic test items (raw AttributeValue maps) covering every DynamoDB type: S, N (38-digit,
 * ±1E-130, ±9.99…E+125, "1.0", "100"), B, SS, NS, BS, M, L, BOOL, NULL, binary nested in M in L,
 * emoji/CJK/combining marks, empty strings in non-key attributes, empty L and M, attribute names
 * that need placeholders, and optionally items just under 400 KB. Keys are unique.
 *
 * @example
 * const items = generateItems(500, { seed: 7, pk: 'id', sk: 'ts', largeEvery: 100 });
 */
export function generateItems(count: number, opts: GenerateItemsOptions = {}): Item[] {
  const random = createPrng(opts.seed ?? 1);
  const pk = opts.pk ?? 'pk';
  const largeEvery = opts.largeEvery ?? 0;
  const target = opts.largeItemBytes ?? LARGE_ITEM_BYTES;
  const items: Item[] = [];
  for (let i = 0; i < count; i++) {
    const item = baseItem(random, i);
    if (opts.sk) {
      item[pk] = keyValue(opts.pkType ?? 'S', Math.floor(i / 3), Math.floor(i / 3) % 5 === 4);
      item[opts.sk] = keyValue(opts.skType ?? 'N', i % 3, i % 5 === 3);
    } else {
      item[pk] = keyValue(opts.pkType ?? 'S', i, i % 5 === 4);
    }
    if (largeEvery > 0 && i % largeEvery === largeEvery - 1) padToSize(item, target);
    items.push(item);
  }
  return items;
}
