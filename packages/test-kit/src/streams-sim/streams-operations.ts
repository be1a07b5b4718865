import { decodeIterator, encodeIterator } from './shard-iterators.js';
import { SimServiceError } from './sim-errors.js';
import type { StreamStore } from './stream-store.js';
import type { SimShard, SimStream } from './stream-types.js';
import { toWireRecord } from './wire-record.js';

/** Knobs of the API layer (the store holds the stream's shape). */
export interface OperationOptions {
  now: () => number;
  random: () => number;
  region: string;
  /** GetShardIterator results expire this long after they are handed out. Default 15 min. */
  iteratorTtlMs: number;
  /** Share of GetRecords calls on an open shard with records waiting that return none. */
  emptyPageRate: number;
  /** DescribeStream calls allowed per second of sim clock before LimitExceededException. */
  describeLimitPerSecond: number;
}

type Json = Record<string, unknown>;

/** GetRecords returns at most 1,000 records or 1 MB (Streams API reference, GetRecords). */
const MAX_RECORDS = 1000;
const MAX_PAGE_BYTES = 1024 * 1024;
/** DescribeStream `Limit`: "The upper limit is 100." */
const MAX_DESCRIBE_LIMIT = 100;

/** The four DynamoDB Streams operations over a {@link StreamStore}, JSON in, JSON out. */
export class StreamsOperations {
  private describeCalls: number[] = [];

  constructor(
    private readonly store: StreamStore,
    private readonly opts: OperationOptions,
  ) {}

  handle(operation: string, input: Json): Json {
    this.store.tick();
    switch (operation) {
      case 'DescribeStream':
        return this.describeStream(input);
      case 'GetShardIterator':
        return this.getShardIterator(input);
      case 'GetRecords':
        return this.getRecords(input);
      case 'ListStreams':
        return this.listStreams(input);
      default:
        throw new SimServiceError('UnknownOperationException', `Unknown operation ${operation}`);
    }
  }

  private describeStream(input: Json): Json {
    const now = this.opts.now();
    this.describeCalls = this.describeCalls.filter((t) => t > now - 1000);
    if (this.describeCalls.length >= this.opts.describeLimitPerSecond) {
      throw new SimServiceError('LimitExceededException', 'Rate exceeded for DescribeStream (10 per second)');
    }
    this.describeCalls.push(now);
    const stream = this.streamOf(input.StreamArn);
    const limit = input.Limit === undefined ? MAX_DESCRIBE_LIMIT : Number(input.Limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_DESCRIBE_LIMIT) {
      throw new SimServiceError(
        'ValidationException',
        `1 validation error detected: Value '${input.Limit}' at 'limit' failed to satisfy constraint: Member must have value between 1 and 100`,
      );
    }
    const listed = new Set(this.store.listed(stream));
    let from = 0;
    if (input.ExclusiveStartShardId !== undefined) {
      const at = stream.shards.findIndex((s) => s.shardId === input.ExclusiveStartShardId);
      if (at < 0) throw new SimServiceError('ValidationException', 'Invalid ExclusiveStartShardId');
      from = at + 1;
    }
    const rest = stream.shards.slice(from).filter((s) => listed.has(s));
    const page = rest.slice(0, limit);
    return {
      StreamDescription: {
        StreamArn: stream.streamArn,
        StreamLabel: stream.streamLabel,
        StreamStatus: stream.status,
        StreamViewType: this.store.streamViewType,
        CreationRequestDateTime: stream.createdAtMs / 1000,
        TableName: this.store.tableName,
        KeySchema: this.store.keySchema,
        Shards: page.map((s) => ({
          ShardId: s.shardId,
          ...(s.parentShardId === undefined ? {} : { ParentShardId: s.parentShardId }),
          SequenceNumberRange: {
            StartingSequenceNumber: `${s.startingSequenceNumber}`,
            ...(s.endingSequenceNumber === undefined
              ? {}
              : { EndingSequenceNumber: `${s.endingSequenceNumber}` }),
          },
        })),
        ...(rest.length > page.length ? { LastEvaluatedShardId: page.at(-1)?.shardId } : {}),
      },
    };
  }

  private getShardIterator(input: Json): Json {
    const stream = this.streamOf(input.StreamArn);
    const shard = this.listedShard(stream, input.ShardId);
    const horizon = shard.trimmedThrough ?? shard.startingSequenceNumber - 1n;
    let after: bigint;
    switch (input.ShardIteratorType) {
      case 'TRIM_HORIZON':
        after = horizon;
        break;
      case 'LATEST':
        after = shard.endingSequenceNumber ?? shard.records.at(-1)?.sequenceNumber ?? horizon;
        break;
      case 'AT_SEQUENCE_NUMBER':
      case 'AFTER_SEQUENCE_NUMBER': {
        const at = input.ShardIteratorType === 'AT_SEQUENCE_NUMBER';
        const seq = parseSequenceNumber(input.SequenceNumber);
        const end = shard.endingSequenceNumber;
        if (seq < shard.startingSequenceNumber || (end !== undefined && seq > end)) {
          throw new SimServiceError(
            'ValidationException',
            `Invalid SequenceNumber ${seq} for shard ${shard.shardId}: outside its SequenceNumberRange`,
          );
        }
        if (
          shard.trimmedThrough !== undefined &&
          (at ? seq <= shard.trimmedThrough : seq < shard.trimmedThrough)
        ) {
          throw trimmed(shard);
        }
        after = at ? seq - 1n : seq;
        break;
      }
      default:
        throw new SimServiceError(
          'ValidationException',
          `Invalid ShardIteratorType ${input.ShardIteratorType}`,
        );
    }
    return {
      ShardIterator: encodeIterator({
        streamArn: stream.streamArn,
        shardId: shard.shardId,
        after,
        issuedAtMs: this.opts.now(),
      }),
    };
  }

  private getRecords(input: Json): Json {
    const position = decodeIterator(input.ShardIterator);
    const limit = input.Limit === undefined ? MAX_RECORDS : Number(input.Limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_RECORDS) {
      throw new SimServiceError(
        'ValidationException',
        `1 validation error detected: Value '${input.Limit}' at 'limit' failed to satisfy constraint: Member must have value less than or equal to 1000`,
      );
    }
    const now = this.opts.now();
    if (now - position.issuedAtMs > this.opts.iteratorTtlMs) {
      throw new SimServiceError(
        'ExpiredIteratorException',
        `Iterator expired. The iterator was created at time ${new Date(position.issuedAtMs).toISOString()} while right now it is ${new Date(now).toISOString()} which is further in the future than the tolerated delay of ${this.opts.iteratorTtlMs} milliseconds.`,
      );
    }
    const stream = this.streamOf(position.streamArn);
    const shard = stream.shards.find((s) => s.shardId === position.shardId);
    if (!shard) throw new SimServiceError('ResourceNotFoundException', `Shard ${position.shardId} not found`);
    if (shard.trimmed || (shard.trimmedThrough !== undefined && position.after < shard.trimmedThrough)) {
      throw trimmed(shard);
    }
    const waiting = shard.records.slice(firstAfter(shard, position.after));
    const open = shard.endingSequenceNumber === undefined;
    const next = (after: bigint) => encodeIterator({ ...position, after, issuedAtMs: now });
    if (open && waiting.length > 0 && this.opts.random() < this.opts.emptyPageRate) {
      return { Records: [], NextShardIterator: next(position.after) };
    }
    const page = [];
    let bytes = 0;
    for (const record of waiting) {
      if (page.length >= limit || (page.length > 0 && bytes + record.sizeBytes > MAX_PAGE_BYTES)) break;
      page.push(record);
      bytes += record.sizeBytes;
    }
    const after = page.at(-1)?.sequenceNumber ?? position.after;
    // "If set to null, the shard has been closed and the requested iterator will not return any more data."
    const ended = !open && page.length === waiting.length;
    return {
      Records: page.map((r) => toWireRecord(r, this.store.streamViewType, this.opts.region)),
      ...(ended ? {} : { NextShardIterator: next(after) }),
    };
  }

  private listStreams(input: Json): Json {
    const streams = this.store
      .streams()
      .filter(() => input.TableName === undefined || input.TableName === this.store.tableName)
      .map((s) => ({ StreamArn: s.streamArn, TableName: this.store.tableName, StreamLabel: s.streamLabel }));
    return { Streams: streams };
  }

  private streamOf(streamArn: unknown): SimStream {
    const stream = typeof streamArn === 'string' ? this.store.stream(streamArn) : undefined;
    if (!stream) {
      throw new SimServiceError(
        'ResourceNotFoundException',
        `Requested resource not found: Stream: ${streamArn} not found`,
      );
    }
    return stream;
  }

  private listedShard(stream: SimStream, shardId: unknown): SimShard {
    const shard = this.store.listed(stream).find((s) => s.shardId === shardId);
    if (!shard) {
      throw new SimServiceError(
        'ResourceNotFoundException',
        `Requested resource not found: Shard does not exist`,
      );
    }
    return shard;
  }
}

function parseSequenceNumber(value: unknown): bigint {
  if (typeof value !== 'string' || !/^\d{1,40}$/.test(value)) {
    throw new SimServiceError('ValidationException', 'SequenceNumber must be a decimal string');
  }
  return BigInt(value);
}

function trimmed(shard: SimShard): SimServiceError {
  return new SimServiceError(
    'TrimmedDataAccessException',
    `Attempted to access a record of shard ${shard.shardId} that is beyond the trim horizon (24-hour retention)`,
  );
}

/** Index of the first record with a sequence number above `after` (records are sorted). */
function firstAfter(shard: SimShard, after: bigint): number {
  let low = 0;
  let high = shard.records.length;
  while (low < high) {
    const mid = (low + high) >> 1;
    if ((shard.records[mid]?.sequenceNumber ?? 0n) <= after) low = mid + 1;
    else high = mid;
  }
  return low;
}
