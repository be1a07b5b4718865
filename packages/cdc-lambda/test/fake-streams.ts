import {
  DescribeStreamCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  type _Record as SdkRecord,
} from '@aws-sdk/client-dynamodb-streams';
import { sdkError } from '@ddb-migrate/test-kit';

interface FakeShard {
  id: string;
  parent?: string;
  records: SdkRecord[];
  closed: boolean;
  /** Not listed by DescribeStream yet (a child AWS lists "some time" after its parent closed). */
  hidden: boolean;
  /** How many of the oldest records the 24-hour retention has removed. */
  trimmed: number;
}

/**
 * An in-memory DynamoDB Streams API: shards with parents, closed shards, paginated DescribeStream
 * (one shard a page), and injectable ExpiredIterator / LimitExceeded / TrimmedDataAccess errors.
 *
 * Modelled AWS behaviour, each after the page it follows:
 * - StreamStatus ENABLED until the test sets DISABLED; disabling closes every open shard and no
 *   child follows (DynamoDB Developer Guide, "Reading and processing a stream": "If you disable a
 *   stream, any shards that are open will be closed").
 * - A closed shard's children may be listed later than the parent shows its EndingSequenceNumber
 *   (`hidden` + `reveal`): the Kinesis adapter for DynamoDB Streams treats such a closed leaf as an
 *   inconsistent shard graph and re-describes for about a minute
 *   (awslabs/dynamodb-streams-kinesis-adapter, DynamoDBStreamsProxy.getShardList).
 * - Retention trims the oldest records (`trim`) and finally whole shards (`removeShard`): an
 *   iterator or sequence number that points at trimmed data gets TrimmedDataAccessException, a
 *   TRIM_HORIZON iterator starts at the oldest record left (DynamoDB Developer Guide, "DynamoDB
 *   Streams low-level API: Java example" and "Reading and processing a stream": records older than
 *   24 hours are removed; TrimmedDataAccessException is an attempt to read past the oldest record).
 */
export class FakeStreams {
  readonly shards: FakeShard[] = [];
  readonly calls: string[] = [];
  /** Shard ids whose next GetRecords throws this error once. */
  readonly failNext = new Map<string, string>();
  /** DescribeStream's StreamStatus. */
  status: 'ENABLING' | 'ENABLED' | 'DISABLING' | 'DISABLED' = 'ENABLED';
  /** Called before each DescribeStream round (its first page), with the round's number from 1. */
  onDescribe: ((round: number) => void) | undefined;
  /** Shard id -> records the retention trims just before that shard's next GetRecords. */
  readonly trimBeforeNextRead = new Map<string, number>();
  private describeRounds = 0;
  private seq = 1000n;
  private readonly iterators = new Map<string, { shard: FakeShard; pos: number }>();
  private iteratorCount = 0;

  addShard(id: string, opts: { parent?: string; closed?: boolean; hidden?: boolean } = {}): void {
    this.shards.push({
      id,
      ...(opts.parent ? { parent: opts.parent } : {}),
      records: [],
      closed: opts.closed ?? false,
      hidden: opts.hidden ?? false,
      trimmed: 0,
    });
  }

  /** Lists a hidden shard from the next DescribeStream on. */
  reveal(shardId: string): void {
    this.shard(shardId).hidden = false;
  }

  /** The retention removes the `count` oldest records of a shard. */
  trim(shardId: string, count: number): void {
    const shard = this.shard(shardId);
    shard.trimmed = Math.min(shard.records.length, shard.trimmed + count);
  }

  /** The retention removes a whole (closed) shard: no longer listed, unknown to every call. */
  removeShard(shardId: string): void {
    this.shards.splice(
      this.shards.findIndex((s) => s.id === shardId),
      1,
    );
  }

  /** Disables the stream: open shards close, StreamStatus DISABLED. */
  disable(): void {
    for (const shard of this.shards) shard.closed = true;
    this.status = 'DISABLED';
  }

  /** Appends an INSERT for `pk` to a shard; returns its sequence number. */
  put(shardId: string, pk: string, value = pk): string {
    const shard = this.shard(shardId);
    this.seq += 1n;
    const sequenceNumber = String(this.seq);
    shard.records.push({
      eventID: `e${sequenceNumber}`,
      eventName: 'INSERT',
      eventSource: 'aws:dynamodb',
      awsRegion: 'us-east-1',
      dynamodb: {
        ApproximateCreationDateTime: new Date(),
        Keys: { pk: { S: pk } },
        NewImage: { pk: { S: pk }, v: { S: value }, b: { B: new Uint8Array([0, 255]) } },
        SequenceNumber: sequenceNumber,
        StreamViewType: 'NEW_AND_OLD_IMAGES',
      },
    });
    return sequenceNumber;
  }

  close(shardId: string): void {
    this.shard(shardId).closed = true;
  }

  async send(command: unknown): Promise<unknown> {
    if (command instanceof DescribeStreamCommand) {
      this.calls.push('DescribeStream');
      const start = command.input.ExclusiveStartShardId;
      if (start === undefined) {
        this.describeRounds += 1;
        this.onDescribe?.(this.describeRounds);
      }
      const listed = this.shards.filter((s) => !s.hidden);
      const index = start === undefined ? 0 : listed.findIndex((s) => s.id === start) + 1;
      const page = listed.slice(index, index + 1);
      const more = index + 1 < listed.length;
      return {
        StreamDescription: {
          StreamStatus: this.status,
          Shards: page.map((s) => ({
            ShardId: s.id,
            ...(s.parent ? { ParentShardId: s.parent } : {}),
            SequenceNumberRange: {
              StartingSequenceNumber: '1',
              ...(s.closed
                ? { EndingSequenceNumber: s.records.at(-1)?.dynamodb?.SequenceNumber ?? '1' }
                : {}),
            },
          })),
          ...(more ? { LastEvaluatedShardId: page[0]?.id } : {}),
        },
      };
    }
    if (command instanceof GetShardIteratorCommand) {
      const { ShardId, ShardIteratorType, SequenceNumber } = command.input;
      this.calls.push(`GetShardIterator ${ShardId} ${ShardIteratorType} ${SequenceNumber ?? ''}`.trim());
      const shard = this.shard(ShardId as string);
      const error = this.failNext.get(`${shard.id}:iterator`);
      if (error) {
        this.failNext.delete(`${shard.id}:iterator`);
        throw sdkError(error, 400);
      }
      if (ShardIteratorType === 'TRIM_HORIZON')
        return { ShardIterator: this.newIterator(shard, shard.trimmed) };
      const index = shard.records.findIndex((r) => r.dynamodb?.SequenceNumber === SequenceNumber);
      if (index >= 0 && index < shard.trimmed) throw sdkError('TrimmedDataAccessException', 400);
      return { ShardIterator: this.newIterator(shard, index + 1) };
    }
    if (command instanceof GetRecordsCommand) {
      const state = this.iterators.get(command.input.ShardIterator as string);
      if (!state) throw sdkError('ExpiredIteratorException', 400);
      const { shard, pos } = state;
      this.calls.push(`GetRecords ${shard.id}`);
      const error = this.failNext.get(shard.id);
      if (error) {
        this.failNext.delete(shard.id);
        if (error === 'ExpiredIteratorException')
          this.iterators.delete(command.input.ShardIterator as string);
        throw sdkError(error, 400);
      }
      const trimNow = this.trimBeforeNextRead.get(shard.id);
      if (trimNow !== undefined) {
        this.trimBeforeNextRead.delete(shard.id);
        this.trim(shard.id, trimNow);
      }
      if (pos < shard.trimmed) throw sdkError('TrimmedDataAccessException', 400);
      const limit = command.input.Limit ?? 1000;
      if (limit > 1000) throw sdkError('ValidationException', 400);
      const records = shard.records.slice(pos, pos + limit);
      const next = pos + records.length;
      const ended = shard.closed && next >= shard.records.length;
      return { Records: records, ...(ended ? {} : { NextShardIterator: this.newIterator(shard, next) }) };
    }
    throw new Error(`unexpected command ${String(command)}`);
  }

  private newIterator(shard: FakeShard, pos: number): string {
    this.iteratorCount += 1;
    const id = `it-${this.iteratorCount}`;
    this.iterators.set(id, { shard, pos });
    return id;
  }

  private shard(id: string): FakeShard {
    const shard = this.shards.find((s) => s.id === id);
    if (!shard) throw sdkError('ResourceNotFoundException', 400);
    return shard;
  }
}
