import {
  DeleteItemCommand,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
} from '@aws-sdk/client-dynamodb';
import { type Item, itemsEqual } from '@ddb-migrate/core';
import { KeyNotStableError } from './errors.js';

/** What a re-sync did to the target. */
export type ResyncOutcome = 'put' | 'delete';

/** One table a key is re-synced from or to. */
export interface ResyncTable {
  client: Pick<DynamoDBClient, 'send'>;
  tableName: string;
}

/** Options of {@link resyncKey}. */
export interface ResyncOptions {
  /** Read-write-reread rounds before giving up on a key that keeps changing. */
  rounds: number;
  /** Wraps every AWS call (retries, pacing); default: call once. */
  call?: <T>(operation: string, send: () => Promise<T>) => Promise<T>;
  /** Told the read units each consistent source read consumed (ReturnConsumedCapacity TOTAL). */
  onSourceRead?: (consumedRcu: number) => void | Promise<void>;
}

/**
 * Copies the source's current state of one key to the target while CDC may be writing the same
 * key: a consistent read of the source, a put (or a delete when the item is gone) on the target,
 * then a second consistent read; when both reads agree the target holds a state the source really
 * had last, otherwise another round. So a write never leaves the target older than CDC made it:
 * if the source changed after the first read (and CDC may already have applied that change), the
 * re-read differs and the next round writes the newer state; any change after the re-read reaches
 * the target through CDC after this write. Used by `verify --repair` and `replay-dlq`.
 *
 * @throws KeyNotStableError when the two reads disagree in every round.
 * @example
 * await resyncKey({ client: src, tableName: 'orders' }, { client: dst, tableName: 'orders' }, key, { rounds: 5 });
 */
export async function resyncKey(
  source: ResyncTable,
  target: ResyncTable,
  key: Item,
  options: ResyncOptions,
): Promise<ResyncOutcome> {
  const call = options.call ?? (<T>(_operation: string, send: () => Promise<T>) => send());
  const read = async () => {
    const out = await call('GetItem', () =>
      source.client.send(
        new GetItemCommand({
          TableName: source.tableName,
          Key: key,
          ConsistentRead: true,
          ReturnConsumedCapacity: 'TOTAL',
        }),
      ),
    );
    await options.onSourceRead?.(out.ConsumedCapacity?.CapacityUnits ?? 0);
    return out.Item as Item | undefined;
  };
  for (let round = 1; round <= options.rounds; round += 1) {
    const before = await read();
    if (before === undefined) {
      await call('DeleteItem', () =>
        target.client.send(new DeleteItemCommand({ TableName: target.tableName, Key: key })),
      );
    } else {
      await call('PutItem', () =>
        target.client.send(new PutItemCommand({ TableName: target.tableName, Item: before })),
      );
    }
    const after = await read();
    const stable =
      before === undefined ? after === undefined : after !== undefined && itemsEqual(before, after);
    if (stable) return before === undefined ? 'delete' : 'put';
  }
  throw new KeyNotStableError(options.rounds);
}
