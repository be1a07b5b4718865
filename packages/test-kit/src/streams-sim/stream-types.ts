import type { Item } from '@ddb-migrate/core';

/** What kind of change a record describes. */
export type SimEventName = 'INSERT' | 'MODIFY' | 'REMOVE';

/** The images a stream keeps (StreamSpecification.StreamViewType). */
export type SimStreamViewType = 'KEYS_ONLY' | 'NEW_IMAGE' | 'OLD_IMAGE' | 'NEW_AND_OLD_IMAGES';

/** One change to append: raw AttributeValue maps, never unmarshalled. */
export interface SimRecordInput {
  eventName: SimEventName;
  keys: Item;
  newImage?: Item;
  oldImage?: Item;
  /** TTL deletes carry `{ type: 'Service', principalId: 'dynamodb.amazonaws.com' }`. */
  userIdentity?: { type: string; principalId: string };
}

/** A record as the sim stores it. */
export interface SimRecord extends SimRecordInput {
  sequenceNumber: bigint;
  /** Sim-clock time of the append; served as whole epoch seconds. */
  createdAtMs: number;
  eventId: string;
  sizeBytes: number;
  /** Hash of the key (see keyHash) deciding the shard. */
  hash: number;
}

/** One shard: a hash range of the key space, its records and its lineage. */
export interface SimShard {
  shardId: string;
  parentShardId?: string;
  /** Key hashes in [hashLow, hashHigh) go to this shard while it is open. */
  hashLow: number;
  hashHigh: number;
  startingSequenceNumber: bigint;
  endingSequenceNumber?: bigint;
  /** Untrimmed records, oldest first. */
  records: SimRecord[];
  /** Records ever appended (rollover by count). */
  appended: number;
  createdAtMs: number;
  closedAtMs?: number;
  /** DescribeStream lists the shard from this time on (children listed late). */
  listedFromMs: number;
  /** Sequence number of the newest trimmed record. */
  trimmedThrough?: bigint;
  /** Closed and every record trimmed: gone from DescribeStream. */
  trimmed: boolean;
}

/** One stream (a new one, with a new ARN, each time the table's stream is enabled). */
export interface SimStream {
  streamArn: string;
  streamLabel: string;
  status: 'ENABLED' | 'DISABLED';
  createdAtMs: number;
  /** Every shard in creation order (trimmed ones kept, flagged). */
  shards: SimShard[];
}

/** Where an appended record went. */
export interface AppendResult {
  streamArn: string;
  shardId: string;
  sequenceNumber: string;
}
