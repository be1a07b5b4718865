import { randomIndex } from './prng.js';

/** A batch request split into what is forwarded and what is answered as unprocessed. */
export interface PartialSplit {
  /** Body to forward, or undefined when nothing is left to forward. */
  forwardBody?: string;
  /** `UnprocessedItems` (BatchWriteItem) or `UnprocessedKeys` (BatchGetItem) to merge into the response. */
  unprocessed: Record<string, unknown>;
  /** How many requests/keys were held back. */
  heldBack: number;
}

type Entry = { table: string; index: number };

function chooseHeldBack(entries: Entry[], fraction: number, random: () => number): Set<Entry> {
  const count = Math.min(entries.length, Math.max(1, Math.round(entries.length * fraction)));
  const pool = [...entries];
  const held = new Set<Entry>();
  for (let i = 0; i < count; i++) held.add(pool.splice(randomIndex(random, pool.length), 1)[0] as Entry);
  return held;
}

/**
 * Splits a BatchWriteItem or BatchGetItem JSON body: a `fraction` of its write requests (at least
 * one) or keys is held back and returned as unprocessed, the rest is forwarded.
 * Returns undefined for bodies it cannot parse or with nothing to split.
 */
export function splitBatch(
  operation: 'BatchWriteItem' | 'BatchGetItem',
  body: Buffer,
  fraction: number,
  random: () => number,
): PartialSplit | undefined {
  let parsed: { RequestItems?: Record<string, unknown> } & Record<string, unknown>;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    return undefined;
  }
  const requestItems = parsed.RequestItems;
  if (!requestItems || typeof requestItems !== 'object') return undefined;
  const listOf = (table: string): unknown[] => {
    const v = requestItems[table] as unknown;
    if (operation === 'BatchWriteItem') return Array.isArray(v) ? v : [];
    const keys = (v as { Keys?: unknown[] } | undefined)?.Keys;
    return Array.isArray(keys) ? keys : [];
  };
  const entries: Entry[] = [];
  for (const table of Object.keys(requestItems)) {
    listOf(table).forEach((_, index) => {
      entries.push({ table, index });
    });
  }
  if (!entries.length) return undefined;
  const held = chooseHeldBack(entries, fraction, random);
  const heldIds = new Set([...held].map((e) => `${e.index}\u0000${e.table}`));
  const isHeld = (table: string, index: number) => heldIds.has(`${index}\u0000${table}`);
  const forward: Record<string, unknown> = {};
  const unprocessed: Record<string, unknown> = {};
  for (const table of Object.keys(requestItems)) {
    const list = listOf(table);
    const keep = list.filter((_, index) => !isHeld(table, index));
    const drop = list.filter((_, index) => isHeld(table, index));
    if (operation === 'BatchWriteItem') {
      if (keep.length) forward[table] = keep;
      if (drop.length) unprocessed[table] = drop;
    } else {
      const rest = requestItems[table] as Record<string, unknown>;
      if (keep.length) forward[table] = { ...rest, Keys: keep };
      if (drop.length) unprocessed[table] = { ...rest, Keys: drop };
    }
  }
  return {
    forwardBody: Object.keys(forward).length
      ? JSON.stringify({ ...parsed, RequestItems: forward })
      : undefined,
    unprocessed,
    heldBack: held.size,
  };
}
