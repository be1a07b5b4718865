import {
  DescribeStreamCommand,
  type DynamoDBStreamsClient,
  type Shard,
} from '@aws-sdk/client-dynamodb-streams';

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
): Promise<StreamDescription> {
  const shards: Shard[] = [];
  let status: string | undefined;
  let exclusiveStartShardId: string | undefined;
  do {
    const out = await client.send(
      new DescribeStreamCommand({
        StreamArn: streamArn,
        ...(exclusiveStartShardId === undefined ? {} : { ExclusiveStartShardId: exclusiveStartShardId }),
      }),
    );
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
