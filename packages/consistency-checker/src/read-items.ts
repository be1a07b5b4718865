import { BatchGetItemCommand, type KeysAndAttributes } from '@aws-sdk/client-dynamodb';
import { canonicalKey, type Item, type KeyNames } from '@ddb-migrate/core';
import { type CallPolicy, callAws, capacityUnits, payCapacity } from './aws-call.js';
import type { TableSide } from './types.js';

/** BatchGetItem's limit of keys per call. */
export const BATCH_GET_LIMIT = 100;

/** Result of {@link readItems}: found items by canonical key, and the read units consumed. */
export interface ReadItemsResult {
  items: Map<string, Item>;
  consumedRcu: number;
}

/**
 * Reads `keys` from one table with BatchGetItem, 100 keys a call, until no UnprocessedKeys remain
 * (retried with backoff). Duplicate keys are read once. Absent keys are absent from the map.
 */
export async function readItems(
  side: TableSide,
  keys: readonly Item[],
  keyNames: KeyNames,
  options: { consistent: boolean; policy: CallPolicy },
): Promise<ReadItemsResult> {
  const unique = new Map<string, Item>();
  for (const key of keys) unique.set(canonicalKey(key, keyNames), key);
  const items = new Map<string, Item>();
  let consumedRcu = 0;
  const all = [...unique.values()];
  for (let i = 0; i < all.length; i += BATCH_GET_LIMIT) {
    let pending: Item[] = all.slice(i, i + BATCH_GET_LIMIT);
    for (let round = 1; pending.length > 0; round++) {
      const request: KeysAndAttributes = { Keys: pending, ConsistentRead: options.consistent };
      const out = await callAws('BatchGetItem', options.policy, () =>
        side.client.send(
          new BatchGetItemCommand({
            RequestItems: { [side.tableName]: request },
            ReturnConsumedCapacity: 'TOTAL',
          }),
        ),
      );
      const units = capacityUnits(out.ConsumedCapacity);
      consumedRcu += units;
      await payCapacity(side.rcuBucket, units, options.policy.signal);
      for (const item of out.Responses?.[side.tableName] ?? []) items.set(canonicalKey(item, keyNames), item);
      pending = (out.UnprocessedKeys?.[side.tableName]?.Keys ?? []) as Item[];
      if (pending.length > 0) {
        options.policy.onUnprocessed?.(pending.length);
        // Unprocessed keys mean the table (or the 16 MB response cap) pushed back: back off a little.
        await options.policy.sleep(Math.min(5_000, 50 * 2 ** Math.min(round, 7)));
      }
    }
  }
  return { items, consumedRcu };
}
