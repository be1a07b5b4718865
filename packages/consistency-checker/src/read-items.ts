import { BatchGetItemCommand, type KeysAndAttributes } from '@aws-sdk/client-dynamodb';
import { AwsCallError, canonicalKey, type Item, type KeyNames } from '@ddb-migrate/core';
import { type CallPolicy, callAws, capacityUnits, payCapacity } from './aws-call.js';
import type { TableSide } from './types.js';

/** BatchGetItem's limit of keys per call. */
export const BATCH_GET_LIMIT = 100;

/** Calls for one chunk that may each come back with UnprocessedKeys before the read gives up. */
export const MAX_UNPROCESSED_ROUNDS = 100;

/**
 * The entry of a one-table Responses/UnprocessedKeys map. It is keyed by the TableName sent (name or
 * ARN, per the API reference: "a map of table name or table ARN"); should the service key an ARN request
 * by the table's name, the single entry is still the one table asked for, and must not be read as
 * "nothing found" (that would report every key as missing and drop every unprocessed key).
 */
function tableEntry<T>(map: Record<string, T> | undefined, tableName: string): T | undefined {
  if (map === undefined) return undefined;
  return map[tableName] ?? Object.values(map)[0];
}

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
      for (const item of tableEntry(out.Responses, side.tableName) ?? []) {
        items.set(canonicalKey(item, keyNames), item);
      }
      pending = (tableEntry(out.UnprocessedKeys, side.tableName)?.Keys ?? []) as Item[];
      if (pending.length > 0) {
        if (round >= MAX_UNPROCESSED_ROUNDS) {
          throw new AwsCallError(
            'BatchGetItem',
            new Error(`${pending.length} keys still unprocessed after ${round} calls`),
            { hint: 'The table keeps pushing back (throttling); lower --max-rcu or retry verify later' },
          );
        }
        options.policy.onUnprocessed?.(pending.length);
        // Unprocessed keys mean the table (or the 16 MB response cap) pushed back: back off a little.
        await options.policy.sleep(Math.min(5_000, 50 * 2 ** Math.min(round, 7)));
      }
    }
  }
  return { items, consumedRcu };
}
