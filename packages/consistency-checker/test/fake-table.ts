import {
  BatchGetItemCommand,
  BatchWriteItemCommand,
  DeleteItemCommand,
  GetItemCommand,
  PutItemCommand,
} from '@aws-sdk/client-dynamodb';
import type { Item } from '@ddb-migrate/core';
import type { TableSide } from '../src/types.js';

/** What a fake table saw: reads (with their consistency) and writes, in order. */
export interface FakeCall {
  op: 'BatchGetItem' | 'GetItem' | 'PutItem' | 'DeleteItem' | 'BatchWriteItem';
  consistent?: boolean;
}

/**
 * An in-memory DynamoDB table keyed by `pk` (S) that answers the calls the checker's re-check and
 * repair make. `afterRead` runs after each read of a key has been answered, so a test can change
 * the tables "between" the engine's read and its write (a concurrent CDC write).
 */
export function fakeTable(
  tableName: string,
  items: Item[],
  hooks: {
    afterRead?: (pk: string) => void;
    read?: (pk: string, stored: Item | undefined) => Item | undefined;
  } = {},
) {
  const store = new Map<string, Item>(items.map((item) => [item.pk?.S as string, item]));
  const calls: FakeCall[] = [];
  const read = (key: Item) => {
    const pk = key.pk?.S as string;
    const stored = store.get(pk);
    const found = hooks.read ? hooks.read(pk, stored) : stored;
    queueMicrotask(() => hooks.afterRead?.(pk));
    return found;
  };
  const send = async (command: unknown): Promise<unknown> => {
    if (command instanceof BatchGetItemCommand) {
      const request = Object.values(command.input.RequestItems ?? {})[0];
      calls.push({ op: 'BatchGetItem', consistent: request?.ConsistentRead === true });
      const found = (request?.Keys ?? []).map((key) => read(key as Item)).filter((i) => i !== undefined);
      const out = { Responses: { [tableName]: found }, UnprocessedKeys: {} };
      await Promise.resolve();
      return out;
    }
    if (command instanceof GetItemCommand) {
      calls.push({ op: 'GetItem', consistent: command.input.ConsistentRead === true });
      const item = read(command.input.Key as Item);
      await Promise.resolve();
      return item === undefined ? {} : { Item: item };
    }
    if (command instanceof PutItemCommand) {
      calls.push({ op: 'PutItem' });
      const item = command.input.Item as Item;
      store.set(item.pk?.S as string, item);
      return {};
    }
    if (command instanceof DeleteItemCommand) {
      calls.push({ op: 'DeleteItem' });
      store.delete(command.input.Key?.pk?.S as string);
      return {};
    }
    if (command instanceof BatchWriteItemCommand) {
      calls.push({ op: 'BatchWriteItem' });
      for (const request of Object.values(command.input.RequestItems ?? {})[0] ?? []) {
        if (request.PutRequest)
          store.set(request.PutRequest.Item?.pk?.S as string, request.PutRequest.Item as Item);
        if (request.DeleteRequest) store.delete(request.DeleteRequest.Key?.pk?.S as string);
      }
      return { UnprocessedItems: {} };
    }
    throw new Error(`unexpected command ${(command as object).constructor.name}`);
  };
  const side: TableSide = { tableName, client: { send } as never };
  return { side, store, calls };
}
