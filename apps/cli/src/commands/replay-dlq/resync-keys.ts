import { type ResyncTable, resyncKey } from '@ddb-migrate/consistency-checker';
import { describeSdkError, type Item } from '@ddb-migrate/core';

type Table = ResyncTable;

/** What re-syncing a set of keys did. */
export interface ResyncKeysOutcome {
  puts: number;
  deletes: number;
  /** Keys that failed, with the first error (counted, not listed: logs carry no values). */
  failed: number;
  firstError?: string;
}

/**
 * Re-syncs every key with the checker's {@link resyncKey} (the same read-write-reread as
 * `verify --repair`), `concurrency` at a time. A failing key does not stop
 * the others; the caller decides from `failed` whether the message may be deleted.
 */
export async function resyncKeys(
  source: Table,
  target: Table,
  keys: Item[],
  rounds: number,
  concurrency = 8,
): Promise<ResyncKeysOutcome> {
  const outcome: ResyncKeysOutcome = { puts: 0, deletes: 0, failed: 0 };
  let next = 0;
  const worker = async () => {
    while (next < keys.length) {
      const key = keys[next++] as Item;
      try {
        if ((await resyncKey(source, target, key, { rounds })) === 'put') outcome.puts += 1;
        else outcome.deletes += 1;
      } catch (error) {
        outcome.failed += 1;
        outcome.firstError ??= describeSdkError(error);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, keys.length) }, worker));
  return outcome;
}
