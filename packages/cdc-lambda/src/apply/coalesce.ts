import { canonicalKey, type Item, type KeyNames } from '@ddb-migrate/core';
import type { DecodedRecord } from './decode-record.js';

/** All records of one key in a batch, reduced to the one that decides the key's final state. */
export interface KeyChange {
  /** Canonical key (a Map key; contains key values, so never logged). */
  id: string;
  keys: Item;
  /** The record with the highest sequence number: its image (or absence) is the key's state. */
  last: DecodedRecord;
  /** Lowest sequence number among the key's records: where a retry must start. */
  lowestSequenceNumber: string;
  /** Every sequence number of the key in this batch, ascending. */
  sequenceNumbers: string[];
  /** The key's records, in sequence order (same order as `sequenceNumbers`). */
  records: DecodedRecord[];
}

/**
 * Groups records by key and keeps, per key, the record with the highest sequence number
 * (compared as integers, not by array position or string order).
 *
 * @example coalesceByKey(decoded, { partitionKey: 'pk' }) // one KeyChange per distinct key
 */
export function coalesceByKey(records: readonly DecodedRecord[], keyNames: KeyNames): KeyChange[] {
  const groups = new Map<string, { last: DecodedRecord; lowest: DecodedRecord; all: DecodedRecord[] }>();
  for (const record of records) {
    const id = canonicalKey(record.keys, keyNames);
    const group = groups.get(id);
    if (group === undefined) {
      groups.set(id, { last: record, lowest: record, all: [record] });
      continue;
    }
    group.all.push(record);
    if (isAfter(record, group.last)) group.last = record;
    if (isAfter(group.lowest, record)) group.lowest = record;
  }
  return [...groups.entries()].map(([id, group]) => {
    const records = group.all.slice().sort((a, b) => (isAfter(a, b) ? 1 : isAfter(b, a) ? -1 : 0));
    return {
      id,
      keys: group.last.keys,
      last: group.last,
      lowestSequenceNumber: group.lowest.sequenceNumber,
      sequenceNumbers: records.map((r) => r.sequenceNumber),
      records,
    };
  });
}

/** `a` comes after `b` in the shard (equal sequence numbers: later in the event wins). */
function isAfter(a: DecodedRecord, b: DecodedRecord): boolean {
  return a.sequence > b.sequence || (a.sequence === b.sequence && a.index > b.index);
}

/** The lowest of decimal sequence-number strings. */
export function lowestSequenceNumber(sequenceNumbers: readonly string[]): string | undefined {
  let lowest: bigint | undefined;
  let text: string | undefined;
  for (const s of sequenceNumbers) {
    const n = BigInt(s);
    if (lowest === undefined || n < lowest) {
      lowest = n;
      text = s;
    }
  }
  return text;
}
