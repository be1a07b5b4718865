import type { KeyNames } from '../attribute-value/types.js';
import { type FailedWrite, type WriteEntry, type WriteOp, toWriteEntry } from './write-op.js';

/** BatchWriteItem accepts at most 25 requests per call. */
export const MAX_BATCH_OPS = 25;
/**
 * BatchWriteItem rejects requests over 16 MB. Item sizes are summed (25 x 400 KB = 10 MB can
 * never reach this, but wire overhead such as base64 can grow a request), so keep a margin.
 */
export const MAX_BATCH_BYTES = 14 * 1024 * 1024;

/**
 * De-duplicates ops by key: the LAST op for a key wins and earlier ones are dropped (a put or a
 * delete fully replaces what came before). Ops whose key cannot be read are returned as
 * non-retryable failures. Output order is the order of each key's first appearance.
 */
export function dedupeOps(
  ops: readonly WriteOp[],
  names: KeyNames,
): { entries: WriteEntry[]; invalid: FailedWrite[]; duplicates: number } {
  const byKey = new Map<string, WriteEntry>();
  const invalid: FailedWrite[] = [];
  let duplicates = 0;
  for (const op of ops) {
    let entry: WriteEntry;
    try {
      entry = toWriteEntry(op, names);
    } catch (err) {
      invalid.push({ op, error: (err as Error).message, code: 'InvalidKey', retryable: false });
      continue;
    }
    if (byKey.has(entry.key)) duplicates += 1;
    byKey.set(entry.key, entry);
  }
  return { entries: [...byKey.values()], invalid, duplicates };
}

/**
 * Splits entries (distinct keys) into BatchWriteItem-sized chunks: at most `maxOps` entries and
 * `maxBytes` summed item size per chunk (an oversized single entry gets a chunk of its own).
 */
export function chunkEntries(
  entries: readonly WriteEntry[],
  maxOps = MAX_BATCH_OPS,
  maxBytes = MAX_BATCH_BYTES,
): WriteEntry[][] {
  const chunks: WriteEntry[][] = [];
  let current: WriteEntry[] = [];
  let bytes = 0;
  for (const entry of entries) {
    if (current.length > 0 && (current.length >= maxOps || bytes + entry.sizeBytes > maxBytes)) {
      chunks.push(current);
      current = [];
      bytes = 0;
    }
    current.push(entry);
    bytes += entry.sizeBytes;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}
