import type { DynamoDBClient, KeySchemaElement } from '@aws-sdk/client-dynamodb';
import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import type { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import { type LambdaStreamEvent, runStream } from '@ddb-migrate/cdc-lambda';
import type { Difference } from '@ddb-migrate/consistency-checker';
import {
  AwsCallError,
  canonicalKey,
  diffItemAttributes,
  fromDynamoJson,
  type Item,
  itemsEqual,
  keyNamesFromSchema,
  type Logger,
} from '@ddb-migrate/core';
import { type RetryHost, retryAws } from '../aws-retry.js';

/**
 * The keys of every record on a stream created at or after `sinceMs`, read from TRIM_HORIZON with
 * an in-memory checkpoint (the migration's own checkpoint is not touched), until the stream has been
 * idle for `idleSeconds`. The table being frozen, nothing new arrives but the tool's own writes.
 */
export async function changedKeys(input: {
  streams: Pick<DynamoDBStreamsClient, 'send'>;
  streamArn: string;
  keySchema: readonly KeySchemaElement[];
  sinceMs: number;
  idleSeconds: number;
  logger: Logger;
  signal?: AbortSignal;
}): Promise<Item[]> {
  const names = keyNamesFromSchema([...input.keySchema]);
  const keys = new Map<string, Item>();
  await runStream({
    streams: input.streams,
    streamArn: input.streamArn,
    lease: false,
    stopAfterIdleSeconds: input.idleSeconds,
    lineageWaitMs: 5_000,
    logger: input.logger,
    ...(input.signal ? { signal: input.signal } : {}),
    handler: async (event: LambdaStreamEvent) => {
      for (const record of event.Records) {
        const created = (record.dynamodb?.ApproximateCreationDateTime ?? 0) * 1000;
        // Creation times have a second's resolution: keep the whole second `sinceMs` falls in.
        if (created < Math.floor(input.sinceMs / 1000) * 1000 || !record.dynamodb?.Keys) continue;
        const key = fromDynamoJson(record.dynamodb.Keys as Record<string, unknown>);
        keys.set(canonicalKey(key, names), key);
      }
      return { batchItemFailures: [] };
    },
  });
  input.signal?.throwIfAborted();
  return [...keys.values()];
}

/**
 * Compares `keys` on both tables with strongly consistent reads: both sides are quiet (the old one
 * frozen, CDC drained to the fence), so no re-check delay is needed. Differences are data.
 */
export async function compareKeys(input: {
  host: RetryHost;
  from: { ddb: Pick<DynamoDBClient, 'send'>; tableName: string };
  to: { ddb: Pick<DynamoDBClient, 'send'>; tableName: string };
  keys: readonly Item[];
  concurrency?: number;
  onDifference?: (difference: Difference) => void | Promise<void>;
}): Promise<{ checked: number; differences: Difference[] }> {
  const read = async (side: { ddb: Pick<DynamoDBClient, 'send'>; tableName: string }, key: Item) => {
    try {
      const out = await retryAws(input.host, 'GetItem', () =>
        side.ddb.send(new GetItemCommand({ TableName: side.tableName, Key: key, ConsistentRead: true })),
      );
      return out.Item as Item | undefined;
    } catch (error) {
      throw new AwsCallError(`GetItem (${side.tableName})`, error);
    }
  };
  const differences: Difference[] = [];
  let next = 0;
  const worker = async () => {
    while (next < input.keys.length) {
      const key = input.keys[next++] as Item;
      const [a, b] = await Promise.all([read(input.from, key), read(input.to, key)]);
      let difference: Difference | undefined;
      if (a !== undefined && b === undefined) {
        difference = { kind: 'missing_in_target', key, attributes: Object.keys(a).sort() };
      } else if (a === undefined && b !== undefined) {
        difference = { kind: 'extra_in_target', key, attributes: Object.keys(b).sort() };
      } else if (a !== undefined && b !== undefined && !itemsEqual(a, b)) {
        difference = { kind: 'different', key, attributes: diffItemAttributes(a, b) };
      }
      if (difference) {
        differences.push(difference);
        await input.onDifference?.(difference);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, input.concurrency ?? 16) }, worker));
  return { checked: input.keys.length, differences };
}
