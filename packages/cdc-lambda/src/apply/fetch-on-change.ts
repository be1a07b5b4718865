import { BatchGetItemCommand, type DynamoDBClient, type KeysAndAttributes } from '@aws-sdk/client-dynamodb';
import { backoffDelayMs, canonicalKey, type Item, isRetryableError, type KeyNames } from '@ddb-migrate/core';

/** BatchGetItem takes at most 100 keys per call. */
const MAX_KEYS_PER_CALL = 100;

/** Outcome of reading current source items; failures are data. */
export interface FetchResult {
  /** Canonical key -> current item, or `null` when the item no longer exists. */
  items: Map<string, Item | null>;
  failed: { id: string; error: string; code?: string; retryable: boolean }[];
  calls: number;
}

export interface FetchOptions {
  /** TableName for the reads: the source table's name or ARN. */
  tableId: string;
  keyNames: KeyNames;
  /** Epoch ms after which no retry starts. */
  deadline: number;
  maxAttempts?: number;
  sleep?: (ms: number) => Promise<void>;
}

/**
 * Reads the current source items for `keys` with strongly consistent BatchGetItem (fetch-on-change
 * for KEYS_ONLY and OLD_IMAGE streams), retrying UnprocessedKeys and transient errors until the
 * deadline. The caller then puts the item or, when it is gone, deletes the key.
 */
export async function fetchCurrentItems(
  client: Pick<DynamoDBClient, 'send'>,
  keys: readonly Item[],
  options: FetchOptions,
): Promise<FetchResult> {
  const { tableId, keyNames, deadline } = options;
  const maxAttempts = options.maxAttempts ?? 10;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const result: FetchResult = { items: new Map(), failed: [], calls: 0 };
  const chunks: Item[][] = [];
  for (let i = 0; i < keys.length; i += MAX_KEYS_PER_CALL) chunks.push(keys.slice(i, i + MAX_KEYS_PER_CALL));

  await Promise.all(
    chunks.map(async (chunk) => {
      let pending = chunk;
      for (let attempt = 1; pending.length > 0; attempt += 1) {
        const request: KeysAndAttributes = { Keys: pending, ConsistentRead: true };
        try {
          result.calls += 1;
          const out = await client.send(new BatchGetItemCommand({ RequestItems: { [tableId]: request } }));
          // Keyed by the TableName sent; some implementations key by the table's name when an ARN was sent.
          const responses = out.Responses?.[tableId] ?? Object.values(out.Responses ?? {})[0] ?? [];
          for (const item of responses) result.items.set(canonicalKey(item, keyNames), item);
          const unprocessedEntry =
            out.UnprocessedKeys?.[tableId] ?? Object.values(out.UnprocessedKeys ?? {})[0];
          const unprocessed = unprocessedEntry?.Keys ?? [];
          const unprocessedIds = new Set(unprocessed.map((k) => canonicalKey(k, keyNames)));
          for (const key of pending) {
            const id = canonicalKey(key, keyNames);
            if (!unprocessedIds.has(id) && !result.items.has(id)) result.items.set(id, null);
          }
          pending = unprocessed;
          if (pending.length === 0) break;
          if (attempt >= maxAttempts || Date.now() >= deadline) {
            fail(result, pending, keyNames, 'UnprocessedKeys after retries', 'UnprocessedKeys', true);
            break;
          }
        } catch (error) {
          const retryable = isRetryableError(error);
          if (!retryable || attempt >= maxAttempts || Date.now() >= deadline) {
            const code = (error as { name?: string }).name;
            fail(result, pending, keyNames, (error as Error).message, code, retryable);
            break;
          }
        }
        await sleep(
          Math.min(backoffDelayMs(attempt, { baseMs: 50, maxMs: 2000 }), Math.max(0, deadline - Date.now())),
        );
      }
    }),
  );
  return result;
}

function fail(
  result: FetchResult,
  keys: readonly Item[],
  keyNames: KeyNames,
  error: string,
  code: string | undefined,
  retryable: boolean,
): void {
  for (const key of keys) {
    result.failed.push({ id: canonicalKey(key, keyNames), error, ...(code ? { code } : {}), retryable });
  }
}
