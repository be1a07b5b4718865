import {
  DescribeStreamCommand,
  type DynamoDBStreamsClient,
  GetRecordsCommand,
  GetShardIteratorCommand,
  type _Record as StreamRecord,
} from '@aws-sdk/client-dynamodb-streams';
import type { Item } from '@ddb-migrate/core';
import type { SimEventName, SimRecordInput } from './stream-types.js';

/** Where the pump reads: a real (moto) stream. */
export interface FeedFromOptions {
  streams: Pick<DynamoDBStreamsClient, 'send'>;
  streamArn: string;
}

/** A pump from a real stream into the sim, re-sequenced into the sim's own shards. */
export interface StreamFeed {
  /** Reads every record the source has now and appends them; returns how many. */
  pollOnce(): Promise<number>;
  /** Polls until a poll finds nothing new. */
  drain(): Promise<number>;
  /** Polls in the background every `intervalMs` (default 50) until {@link stop}. */
  start(intervalMs?: number): void;
  /** Stops the background loop; rethrows the error that stopped it, if any. */
  stop(): Promise<void>;
  /** Records appended so far. */
  appended(): number;
}

/**
 * Tails a real stream (moto's: one shard that never closes) and appends each record to the sim,
 * where it gets the sim's shard, sequence number and creation time (sim clock), so the consumer
 * sees AWS's shard lifecycle over writes made to a real table.
 *
 * @example
 * const feed = feedFrom(sim, { streams: new DynamoDBStreamsClient(sourceSide()), streamArn });
 * await putItems(...); await feed.drain();
 */
export function feedFrom(
  sim: { append(record: SimRecordInput): unknown },
  options: FeedFromOptions,
): StreamFeed {
  const positions = new Map<string, { iterator?: string; last?: string }>();
  let appended = 0;
  let chain: Promise<number> = Promise.resolve(0);
  let loop: Promise<void> | undefined;
  let stopped = false;

  const readShard = async (shardId: string): Promise<number> => {
    const position = positions.get(shardId) ?? {};
    positions.set(shardId, position);
    let count = 0;
    for (;;) {
      position.iterator ??= await iteratorFor(options, shardId, position.last);
      const out = await options.streams.send(
        new GetRecordsCommand({ ShardIterator: position.iterator, Limit: 1000 }),
      );
      const records = out.Records ?? [];
      for (const record of records) {
        sim.append(toSimInput(record));
        position.last = record.dynamodb?.SequenceNumber ?? position.last;
        count += 1;
      }
      position.iterator = out.NextShardIterator ?? undefined;
      if (records.length === 0 || position.iterator === undefined) return count;
    }
  };

  const poll = async (): Promise<number> => {
    const out = await options.streams.send(new DescribeStreamCommand({ StreamArn: options.streamArn }));
    let count = 0;
    for (const shard of out.StreamDescription?.Shards ?? []) {
      if (shard.ShardId) count += await readShard(shard.ShardId);
    }
    appended += count;
    return count;
  };

  // Serialised: a background poll and a drain never read the same shard at once.
  const pollOnce = () => {
    const next = chain.then(poll, poll);
    chain = next.catch(() => 0);
    return next;
  };

  return {
    pollOnce,
    async drain() {
      let total = 0;
      for (let n = await pollOnce(); n > 0; n = await pollOnce()) total += n;
      return total;
    },
    start(intervalMs = 50) {
      if (loop) return;
      stopped = false;
      loop = (async () => {
        while (!stopped) {
          await pollOnce();
          await new Promise((r) => setTimeout(r, intervalMs));
        }
      })();
    },
    async stop() {
      stopped = true;
      const running = loop;
      loop = undefined;
      await running;
    },
    appended: () => appended,
  };
}

async function iteratorFor(
  options: FeedFromOptions,
  shardId: string,
  last: string | undefined,
): Promise<string> {
  const out = await options.streams.send(
    new GetShardIteratorCommand({
      StreamArn: options.streamArn,
      ShardId: shardId,
      ...(last === undefined
        ? { ShardIteratorType: 'TRIM_HORIZON' as const }
        : { ShardIteratorType: 'AFTER_SEQUENCE_NUMBER' as const, SequenceNumber: last }),
    }),
  );
  if (!out.ShardIterator) throw new Error(`GetShardIterator returned no iterator for ${shardId}`);
  return out.ShardIterator;
}

/** The SDK record as a sim input: raw AttributeValue maps (the SDK already decoded binary). */
export function toSimInput(record: StreamRecord): SimRecordInput {
  const d = record.dynamodb ?? {};
  return {
    eventName: (record.eventName ?? 'MODIFY') as SimEventName,
    keys: (d.Keys ?? {}) as Item,
    ...(d.NewImage === undefined ? {} : { newImage: d.NewImage as Item }),
    ...(d.OldImage === undefined ? {} : { oldImage: d.OldImage as Item }),
    ...(record.userIdentity?.Type && record.userIdentity.PrincipalId
      ? { userIdentity: { type: record.userIdentity.Type, principalId: record.userIdentity.PrincipalId } }
      : {}),
  };
}
