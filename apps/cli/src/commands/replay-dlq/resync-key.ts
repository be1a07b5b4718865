import {
  DeleteItemCommand,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
} from '@aws-sdk/client-dynamodb';
import { type Item, itemsEqual } from '@ddb-migrate/core';

/** What a re-sync did to the target. */
export type ResyncOutcome = 'put' | 'delete';

/** A key that kept changing (or failing) for every round. */
export class KeyNotStableError extends Error {
  constructor(rounds: number) {
    super(`the source item kept changing during ${rounds} read-write-reread rounds`);
    this.name = 'KeyNotStableError';
  }
}

/**
 * Copies the source's current state of one key to the target: a consistent read of the source,
 * a put (or a delete when the item is gone) on the target, then a second consistent read; when
 * both reads agree the target holds a state the source really had last, otherwise another round.
 * Concurrent CDC writes for the key are harmless: CDC applies the newer record after this.
 */
export async function resyncKey(
  source: { client: Pick<DynamoDBClient, 'send'>; tableName: string },
  target: { client: Pick<DynamoDBClient, 'send'>; tableName: string },
  key: Item,
  rounds: number,
): Promise<ResyncOutcome> {
  const read = async () =>
    (
      await source.client.send(
        new GetItemCommand({ TableName: source.tableName, Key: key, ConsistentRead: true }),
      )
    ).Item;
  for (let round = 1; round <= rounds; round += 1) {
    const before = await read();
    if (before === undefined) {
      await target.client.send(new DeleteItemCommand({ TableName: target.tableName, Key: key }));
    } else {
      await target.client.send(new PutItemCommand({ TableName: target.tableName, Item: before }));
    }
    const after = await read();
    const stable =
      before === undefined ? after === undefined : after !== undefined && itemsEqual(before, after);
    if (stable) return before === undefined ? 'delete' : 'put';
  }
  throw new KeyNotStableError(rounds);
}
