import {
  type DynamoDBStreamsClient,
  GetRecordsCommand,
  GetShardIteratorCommand,
  type _Record as StreamSdkRecord,
} from '@aws-sdk/client-dynamodb-streams';
import type { EsmCounters } from './esm-types.js';

/** Where a reader starts. */
export type ReaderStart = 'TRIM_HORIZON' | 'LATEST';

/**
 * Reads one shard for the emulator: GetShardIterator once, then GetRecords (Limit at most 1,000),
 * re-acquiring AFTER_SEQUENCE_NUMBER the last record read when the iterator expires (15 min). On
 * TrimmedDataAccessException it restarts at TRIM_HORIZON, as an ESM falling behind the 24-hour
 * retention does (the trimmed records are lost; counted in `trimmedSkips`).
 */
export class EsmShardReader {
  private iterator: string | undefined;
  private lastRead: string | undefined;
  private start: ReaderStart;
  ended = false;

  constructor(
    private readonly streams: Pick<DynamoDBStreamsClient, 'send'>,
    private readonly streamArn: string,
    readonly shardId: string,
    start: ReaderStart,
    private readonly counters: EsmCounters,
  ) {
    this.start = start;
  }

  /** Up to `max` records: several GetRecords calls, stopping at an empty page or the shard's end. */
  async read(max: number): Promise<StreamSdkRecord[]> {
    const records: StreamSdkRecord[] = [];
    while (!this.ended && records.length < max) {
      const page = await this.page(Math.min(1000, max - records.length));
      records.push(...page);
      if (page.length === 0) break;
    }
    return records;
  }

  private async page(limit: number): Promise<StreamSdkRecord[]> {
    for (let attempt = 0; ; attempt += 1) {
      this.iterator ??= await this.acquire();
      try {
        const out = await this.streams.send(
          new GetRecordsCommand({ ShardIterator: this.iterator, Limit: limit }),
        );
        const records = out.Records ?? [];
        this.lastRead = records.at(-1)?.dynamodb?.SequenceNumber ?? this.lastRead;
        this.iterator = out.NextShardIterator ?? undefined;
        if (this.iterator === undefined) this.ended = true;
        return records;
      } catch (error) {
        const name = (error as Error).name;
        if (attempt >= 5) throw error;
        if (name === 'ExpiredIteratorException') {
          this.counters.expiredIterators += 1;
          this.iterator = undefined;
        } else if (name === 'TrimmedDataAccessException') {
          this.counters.trimmedSkips += 1;
          this.iterator = undefined;
          this.lastRead = undefined;
          this.start = 'TRIM_HORIZON';
        } else throw error;
      }
    }
  }

  private async acquire(): Promise<string> {
    try {
      const out = await this.streams.send(
        new GetShardIteratorCommand({
          StreamArn: this.streamArn,
          ShardId: this.shardId,
          ...(this.lastRead === undefined
            ? { ShardIteratorType: this.start }
            : { ShardIteratorType: 'AFTER_SEQUENCE_NUMBER' as const, SequenceNumber: this.lastRead }),
        }),
      );
      if (!out.ShardIterator) throw new Error(`GetShardIterator returned no iterator for ${this.shardId}`);
      return out.ShardIterator;
    } catch (error) {
      if ((error as Error).name !== 'TrimmedDataAccessException' || this.lastRead === undefined) throw error;
      this.counters.trimmedSkips += 1;
      this.lastRead = undefined;
      this.start = 'TRIM_HORIZON';
      return this.acquire();
    }
  }
}
