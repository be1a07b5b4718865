import type { LambdaStreamRecord } from '../apply/stream-event.js';

/**
 * Where a redelivery starts after a handler answered `batchItemFailures`: the first record whose
 * sequence number is at or above the lowest reported one. Every record before it has a lower
 * sequence number and is done; everything from it on is delivered again, as the event source
 * mapping does ("Lambda retries the batch starting from the reported sequence number").
 *
 * Comparing numbers, not finding the reported record's position, matters where shard order and
 * sequence order disagree: the handler keeps a key's highest sequence number, so a key's newest
 * record can sit before its lowest one, and a position cut there would drop it. AWS numbers
 * records in shard order; moto does not under concurrent writes (duplicates, inversions).
 *
 * Returns -1 for no failure, 0 (the whole batch) for an identifier that is not a sequence number
 * of the batch (as Lambda does).
 *
 * @example redeliveryPoint(records, [{ itemIdentifier: '1002' }]) // index of the first seq >= 1002
 */
export function redeliveryPoint(
  records: readonly LambdaStreamRecord[],
  failures: readonly { itemIdentifier?: unknown }[],
): number {
  if (failures.length === 0) return -1;
  const ids = failures.map((f) => f.itemIdentifier);
  if (!ids.every((id): id is string => typeof id === 'string' && /^\d+$/.test(id))) return 0;
  const batch = new Set(records.map((r) => r.dynamodb?.SequenceNumber));
  if (!ids.every((id) => batch.has(id))) return 0;
  const lowest = ids.reduce((low, id) => (BigInt(id) < low ? BigInt(id) : low), BigInt(ids[0] as string));
  const index = records.findIndex((r) => {
    const seq = r.dynamodb?.SequenceNumber;
    return seq !== undefined && /^\d+$/.test(seq) && BigInt(seq) >= lowest;
  });
  return Math.max(0, index);
}
