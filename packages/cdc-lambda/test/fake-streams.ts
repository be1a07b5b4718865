import {
  DescribeStreamCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  type _Record as SdkRecord,
} from '@aws-sdk/client-dynamodb-streams';

interface FakeShard {
  id: string;
  parent?: string;
  records: SdkRecord[];
  closed: boolean;
}

function awsError(name: string): Error {
  return Object.assign(new Error(name), { name, $metadata: { httpStatusCode: 400 } });
}

/**
 * An in-memory DynamoDB Streams API: shards with parents, closed shards, paginated DescribeStream
 * (one shard a page), and injectable ExpiredIterator / LimitExceeded / TrimmedDataAccess errors.
 */
export class FakeStreams {
  readonly shards: FakeShard[] = [];
  readonly calls: string[] = [];
  /** Shard ids whose next GetRecords throws this error once. */
  readonly failNext = new Map<string, string>();
  private seq = 1000n;
  private readonly iterators = new Map<string, { shard: FakeShard; pos: number }>();
  private iteratorCount = 0;

  addShard(id: string, opts: { parent?: string; closed?: boolean } = {}): void {
    this.shards.push({
      id,
      ...(opts.parent ? { parent: opts.parent } : {}),
      records: [],
      closed: opts.closed ?? false,
    });
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
      const index = start === undefined ? 0 : this.shards.findIndex((s) => s.id === start) + 1;
      const page = this.shards.slice(index, index + 1);
      const more = index + 1 < this.shards.length;
      return {
        StreamDescription: {
          StreamStatus: 'ENABLED',
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
        throw awsError(error);
      }
      const pos =
        ShardIteratorType === 'TRIM_HORIZON'
          ? 0
          : shard.records.findIndex((r) => r.dynamodb?.SequenceNumber === SequenceNumber) + 1;
      return { ShardIterator: this.newIterator(shard, pos) };
    }
    if (command instanceof GetRecordsCommand) {
      const state = this.iterators.get(command.input.ShardIterator as string);
      if (!state) throw awsError('ExpiredIteratorException');
      const { shard, pos } = state;
      this.calls.push(`GetRecords ${shard.id}`);
      const error = this.failNext.get(shard.id);
      if (error) {
        this.failNext.delete(shard.id);
        if (error === 'ExpiredIteratorException')
          this.iterators.delete(command.input.ShardIterator as string);
        throw awsError(error);
      }
      const limit = command.input.Limit ?? 1000;
      if (limit > 1000) throw awsError('ValidationException');
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
    if (!shard) throw awsError('ResourceNotFoundException');
    return shard;
  }
}
