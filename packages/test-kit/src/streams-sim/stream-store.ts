import { type Item, itemSizeBytes, toDynamoJson } from '@ddb-migrate/core';
import { eventIdFor, HASH_SPACE, keyHash, SequenceNumbers, shardIdFor } from './sim-ids.js';
import type { AppendResult, SimRecordInput, SimShard, SimStream, SimStreamViewType } from './stream-types.js';

/** Shape and timing of the simulated stream. Every behaviour cites its AWS source in the README table. */
export interface StreamStoreOptions {
  now: () => number;
  random: () => number;
  region: string;
  accountId: string;
  tableName: string;
  keySchema: { AttributeName: string; KeyType: 'HASH' | 'RANGE' }[];
  streamViewType: SimStreamViewType;
  /** Close open shards this long after they opened (0: never). Default 4 h. */
  rolloverEveryMs: number;
  /** Close a shard once it holds this many records (0: never). */
  rolloverEveryRecords: number;
  /** Chance (seeded) that a rollover splits the shard into two children instead of one. */
  splitChance: number;
  /** A closed shard's children appear in DescribeStream this long after it closed. */
  childListingDelayMs: number;
  /** Records older than this are trimmed. Default 24 h. */
  retentionMs: number;
  /** Shards of a newly enabled stream. */
  initialShards: number;
}

const MS_PER_HOUR = 3_600_000;
export const DEFAULT_ROLLOVER_MS = 4 * MS_PER_HOUR;
export const DEFAULT_RETENTION_MS = 24 * MS_PER_HOUR;

/** The state of a table's streams: shards, lineage, records, trimming. Pure logic, no I/O. */
export class StreamStore {
  private readonly all: SimStream[] = [];
  private readonly sequence: SequenceNumbers;

  constructor(private readonly opts: StreamStoreOptions) {
    this.sequence = new SequenceNumbers(opts.random);
    this.enable();
  }

  /** The table's current stream (the newest). */
  get latest(): SimStream {
    return this.all.at(-1) as SimStream;
  }

  streams(): readonly SimStream[] {
    return this.all;
  }

  stream(streamArn: string): SimStream | undefined {
    return this.all.find((s) => s.streamArn === streamArn);
  }

  /** Shards DescribeStream lists now: already visible and not trimmed away. */
  listed(stream: SimStream): SimShard[] {
    const now = this.opts.now();
    return stream.shards.filter((s) => !s.trimmed && s.listedFromMs <= now);
  }

  /** Applies the clock: time-based rollovers, then trimming. Called before every operation. */
  tick(): void {
    const { rolloverEveryMs } = this.opts;
    const stream = this.latest;
    if (rolloverEveryMs > 0 && stream.status === 'ENABLED') {
      for (;;) {
        const due = stream.shards.find(
          (s) => s.endingSequenceNumber === undefined && s.createdAtMs + rolloverEveryMs <= this.opts.now(),
        );
        if (!due) break;
        this.closeShard(stream, due, due.createdAtMs + rolloverEveryMs, this.decideSplit());
      }
    }
    for (const s of this.all) this.trim(s);
  }

  /** Appends a change to the open shard owning its key; undefined while the stream is disabled. */
  append(input: SimRecordInput): AppendResult | undefined {
    this.tick();
    const stream = this.latest;
    if (stream.status !== 'ENABLED') return undefined;
    const hash = keyHash(toDynamoJson(input.keys));
    const shard = stream.shards.find(
      (s) => s.endingSequenceNumber === undefined && hash >= s.hashLow && hash < s.hashHigh,
    ) as SimShard;
    const sequenceNumber = this.sequence.next();
    shard.records.push({
      ...input,
      sequenceNumber,
      createdAtMs: this.opts.now(),
      eventId: eventIdFor(this.opts.random),
      sizeBytes: sizeOf(input),
      hash,
    });
    shard.appended += 1;
    const result = {
      streamArn: stream.streamArn,
      shardId: shard.shardId,
      sequenceNumber: `${sequenceNumber}`,
    };
    const { rolloverEveryRecords } = this.opts;
    if (rolloverEveryRecords > 0 && shard.appended >= rolloverEveryRecords) {
      this.closeShard(stream, shard, this.opts.now(), this.decideSplit());
    }
    return result;
  }

  /** Closes open shards of the current stream now (all, or the one named), each getting children. */
  rollover(options: { shardId?: string; split?: boolean } = {}): SimShard[] {
    const stream = this.latest;
    if (stream.status !== 'ENABLED') return [];
    const open = stream.shards.filter(
      (s) =>
        s.endingSequenceNumber === undefined &&
        (options.shardId === undefined || s.shardId === options.shardId),
    );
    return open.flatMap((s) =>
      this.closeShard(stream, s, this.opts.now(), options.split ?? this.decideSplit()),
    );
  }

  /** Disables the stream: its open shards close, no records are written until {@link enable}. */
  disable(): void {
    const stream = this.latest;
    if (stream.status === 'DISABLED') return;
    for (const s of stream.shards) if (s.endingSequenceNumber === undefined) this.close(s, this.opts.now());
    stream.status = 'DISABLED';
  }

  /** Enables a new stream with a new ARN (label = creation time), as re-enabling a table's stream does. */
  enable(): SimStream {
    const previous = this.all.at(-1);
    if (previous?.status === 'ENABLED') return previous;
    let createdAtMs = this.opts.now();
    if (previous && createdAtMs <= previous.createdAtMs) createdAtMs = previous.createdAtMs + 1;
    const streamLabel = new Date(createdAtMs).toISOString().replace('Z', '');
    const { region, accountId, tableName, initialShards } = this.opts;
    const stream: SimStream = {
      streamArn: `arn:aws:dynamodb:${region}:${accountId}:table/${tableName}/stream/${streamLabel}`,
      streamLabel,
      status: 'ENABLED',
      createdAtMs,
      shards: [],
    };
    const width = Math.ceil(HASH_SPACE / Math.max(1, initialShards));
    for (let low = 0; low < HASH_SPACE; low += width) {
      stream.shards.push(this.newShard(low, Math.min(HASH_SPACE, low + width), createdAtMs, createdAtMs));
    }
    this.all.push(stream);
    return stream;
  }

  get streamViewType(): SimStreamViewType {
    return this.opts.streamViewType;
  }

  get keySchema() {
    return this.opts.keySchema;
  }

  get tableName(): string {
    return this.opts.tableName;
  }

  private decideSplit(): boolean {
    return this.opts.splitChance > 0 && this.opts.random() < this.opts.splitChance;
  }

  private closeShard(stream: SimStream, shard: SimShard, atMs: number, split: boolean): SimShard[] {
    this.close(shard, atMs);
    const listedFromMs = atMs + this.opts.childListingDelayMs;
    const { hashLow, hashHigh } = shard;
    const mid = Math.floor((hashLow + hashHigh) / 2);
    const ranges: [number, number][] =
      split && hashHigh - hashLow > 1
        ? [
            [hashLow, mid],
            [mid, hashHigh],
          ]
        : [[hashLow, hashHigh]];
    const children = ranges.map(([low, high]) => ({
      ...this.newShard(low, high, atMs, listedFromMs),
      parentShardId: shard.shardId,
    }));
    stream.shards.push(...children);
    return children;
  }

  private close(shard: SimShard, atMs: number): void {
    // An empty shard still gets an end, above its start, so the range stays well formed.
    shard.endingSequenceNumber = shard.records.at(-1)?.sequenceNumber ?? this.sequence.next();
    shard.closedAtMs = atMs;
  }

  private newShard(hashLow: number, hashHigh: number, createdAtMs: number, listedFromMs: number): SimShard {
    return {
      shardId: shardIdFor(createdAtMs, this.opts.random),
      hashLow,
      hashHigh,
      startingSequenceNumber: this.sequence.next(),
      records: [],
      appended: 0,
      createdAtMs,
      listedFromMs,
      trimmed: false,
    };
  }

  private trim(stream: SimStream): void {
    const cutoff = this.opts.now() - this.opts.retentionMs;
    for (const shard of stream.shards) {
      if (shard.trimmed) continue;
      let n = 0;
      while (n < shard.records.length && (shard.records[n]?.createdAtMs ?? 0) < cutoff) n += 1;
      if (n > 0) {
        shard.trimmedThrough = shard.records[n - 1]?.sequenceNumber;
        shard.records.splice(0, n);
      }
      if (shard.closedAtMs !== undefined && shard.records.length === 0 && shard.closedAtMs < cutoff) {
        shard.trimmed = true;
      }
    }
  }
}

function sizeOf(input: SimRecordInput): number {
  const images: (Item | undefined)[] = [input.keys, input.newImage, input.oldImage];
  return images.reduce((sum, image) => sum + (image ? itemSizeBytes(image) : 0), 0);
}
