import {
  DescribeStreamCommand,
  type DynamoDBStreamsClient,
  type Shard,
} from '@aws-sdk/client-dynamodb-streams';
import { retryCall } from '@ddb-migrate/core';
import type { ShardCheckpoint } from './checkpoint-store.js';
import { STREAMS_BACKOFF, STREAMS_RETRY_ON } from './shard-reader.js';
import { streamTrimmedError } from './stream-trimmed.js';

/** A shard as the runner tracks it. */
export interface ShardInfo {
  shardId: string;
  parentShardId?: string;
  /** True when DescribeStream reports an EndingSequenceNumber (no new records will arrive). */
  closed: boolean;
}

/** The stream's shards and status. */
export interface StreamDescription {
  status?: string;
  shards: ShardInfo[];
}

/** Every shard of a stream, following DescribeStream's pagination (100 shards a page). */
export async function describeAllShards(
  client: Pick<DynamoDBStreamsClient, 'send'>,
  streamArn: string,
  options: { sleep?: (ms: number) => Promise<void>; maxAttempts?: number } = {},
): Promise<StreamDescription> {
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const maxAttempts = options.maxAttempts ?? 12;
  const shards: Shard[] = [];
  let status: string | undefined;
  let exclusiveStartShardId: string | undefined;
  do {
    const command = new DescribeStreamCommand({
      StreamArn: streamArn,
      ...(exclusiveStartShardId === undefined ? {} : { ExclusiveStartShardId: exclusiveStartShardId }),
    });
    const out = await describePage(client, command, sleep, maxAttempts);
    status = out.StreamDescription?.StreamStatus ?? status;
    shards.push(...(out.StreamDescription?.Shards ?? []));
    exclusiveStartShardId = out.StreamDescription?.LastEvaluatedShardId;
  } while (exclusiveStartShardId !== undefined);
  return {
    ...(status === undefined ? {} : { status }),
    shards: shards
      .filter((s): s is Shard & { ShardId: string } => s.ShardId !== undefined)
      .map((s) => ({
        shardId: s.ShardId,
        ...(s.ParentShardId === undefined ? {} : { parentShardId: s.ParentShardId }),
        closed: s.SequenceNumberRange?.EndingSequenceNumber !== undefined,
      })),
  };
}

/**
 * Shards that may be read now, parents first: a shard is ready when it is not drained yet and its
 * parent is drained or no longer listed (trimmed after 24 hours). Order within a key is kept
 * because a key's records move from a parent to its children only.
 */
export function readyShards(shards: readonly ShardInfo[], drained: ReadonlySet<string>): ShardInfo[] {
  const listed = new Set(shards.map((s) => s.shardId));
  return shards.filter(
    (s) =>
      !drained.has(s.shardId) &&
      (s.parentShardId === undefined || !listed.has(s.parentShardId) || drained.has(s.parentShardId)),
  );
}

/**
 * Drained shards that DescribeStream lists without any child. While the stream is ENABLED this is
 * an inconsistent shard graph, not the end: AWS lists a closed shard's children some time after
 * the parent shows its EndingSequenceNumber, and the Kinesis adapter for DynamoDB Streams
 * re-describes such a graph for about a minute (awslabs/dynamodb-streams-kinesis-adapter,
 * DynamoDBStreamsProxy.getShardList). Once the stream is DISABLED, closed shards get no children.
 */
export function drainedWithoutChildren(shards: readonly ShardInfo[], drained: ReadonlySet<string>): string[] {
  const parents = new Set(shards.map((s) => s.parentShardId).filter((p) => p !== undefined));
  return shards.filter((s) => drained.has(s.shardId) && !parents.has(s.shardId)).map((s) => s.shardId);
}

/**
 * Refuses to go on when records that were still needed may have been trimmed (24-hour retention):
 * a shard recorded in the checkpoint and not read to its end is no longer listed (its children, if
 * listed, would otherwise be read as if nothing came before them).
 */
export function checkNoUnfinishedShardTrimmed(
  shards: readonly ShardInfo[],
  checkpoints: Readonly<Record<string, ShardCheckpoint>>,
): void {
  const listed = new Set(shards.map((s) => s.shardId));
  for (const [shardId, checkpoint] of Object.entries(checkpoints)) {
    if (checkpoint.closed || listed.has(shardId)) continue;
    const children = shards.filter((s) => s.parentShardId === shardId).map((s) => s.shardId);
    const from = checkpoint.sequenceNumber ?? 'its start';
    throw streamTrimmedError(
      `Shard ${shardId} left the stream (24-hour retention) before it was read to the end; its records after ${from} may be missing from the target${
        children.length === 0 ? '' : ` (its child shard ${children.join(', ')} is listed and was not read)`
      }`,
    );
  }
}

/**
 * One DescribeStream page. DescribeStream allows 10 calls a second per account; a stream with
 * hundreds of shards pages past that and AWS answers LimitExceededException (HTTP 400, which the
 * SDK does not retry): back off and ask again, as for throttles and 5xx.
 */
async function describePage(
  client: Pick<DynamoDBStreamsClient, 'send'>,
  command: DescribeStreamCommand,
  sleep: (ms: number) => Promise<void>,
  maxAttempts: number,
) {
  return retryCall(() => client.send(command), {
    attempts: maxAttempts,
    ...STREAMS_BACKOFF,
    retryOn: STREAMS_RETRY_ON,
    sleep,
  });
}
