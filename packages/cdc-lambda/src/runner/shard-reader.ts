import {
  type DynamoDBStreamsClient,
  GetRecordsCommand,
  GetShardIteratorCommand,
  type _Record as StreamSdkRecord,
} from '@aws-sdk/client-dynamodb-streams';
import {
  AwsCallError,
  backoffDelayMs,
  isRetryableCallError,
  type MigrationError,
  retryCall,
} from '@ddb-migrate/core';
import { streamTrimmedError } from './stream-trimmed.js';

/** How many of the last returned records' eventIDs a reader remembers (two full pages). */
const RETURNED_IDS_KEPT = 2000;

/** Backoff of the Streams calls: LimitExceededException (HTTP 400, not retried by the SDK), throttles, 5xx. */
export const STREAMS_BACKOFF = { baseMs: 200, maxMs: 5000 } as const;
/** Error names retried besides throttles and transient faults. */
export const STREAMS_RETRY_ON = ['LimitExceededException'] as const;

/**
 * Fresh TRIM_HORIZON iterators re-acquired after TrimmedDataAccessException before giving up: the
 * oldest record can age out between GetShardIterator and GetRecords, which loses nothing.
 */
export const MAX_TRIM_HORIZON_RETRIES = 5;

/** GetRecords returns at most 1,000 records a call. */
export const MAX_GET_RECORDS_LIMIT = 1000;

/** Records of one read, and whether the shard has ended (closed and drained). */
export interface ShardPage {
  records: StreamSdkRecord[];
  ended: boolean;
}

export interface ShardReaderOptions {
  client: Pick<DynamoDBStreamsClient, 'send'>;
  streamArn: string;
  shardId: string;
  /** Resume after this sequence number; none: TRIM_HORIZON. */
  afterSequenceNumber?: string;
  /** Attempts per call on throttles and transient errors. Default 12. */
  maxAttempts?: number;
  sleep: (ms: number) => Promise<void>;
}

/**
 * Reads one shard in order: GetShardIterator (TRIM_HORIZON or AFTER_SEQUENCE_NUMBER), then
 * GetRecords with backoff on LimitExceeded, throttles and 5xx, re-acquiring the iterator after the
 * last record read when it expires (15 minutes).
 *
 * TrimmedDataAccessException: before any position (a fresh TRIM_HORIZON read, nothing read yet)
 * it only means the oldest record aged out a moment ago, so a new TRIM_HORIZON iterator is taken;
 * after a position (the checkpoint, or a record read in this run) records that were still needed
 * are gone, which stops the run with `STREAM_TRIMMED`, never skipping them.
 */
export class ShardReader {
  private iterator: string | undefined;
  private lastRead: string | undefined;
  private ended = false;
  private trimHorizonRetries = 0;
  /** eventIDs of the records returned last (see {@link unseen}). */
  private readonly returned = new Set<string>();
  private readonly returnedOrder: string[] = [];

  constructor(private readonly opts: ShardReaderOptions) {
    this.lastRead = opts.afterSequenceNumber;
  }

  /** Reads up to `max` records (several GetRecords calls when `max` > 1000). */
  async next(max: number): Promise<ShardPage> {
    const records: StreamSdkRecord[] = [];
    while (!this.ended && records.length < max) {
      const page = await this.getRecords(Math.min(MAX_GET_RECORDS_LIMIT, max - records.length));
      records.push(...page);
      if (page.length === 0) break;
    }
    return { records, ended: this.ended };
  }

  private async getRecords(limit: number): Promise<StreamSdkRecord[]> {
    for (let attempt = 1; ; attempt += 1) {
      this.iterator ??= await this.acquireIterator();
      try {
        const out = await this.opts.client.send(
          new GetRecordsCommand({ ShardIterator: this.iterator, Limit: limit }),
        );
        const records = this.unseen(out.Records ?? []);
        const last = records.at(-1)?.dynamodb?.SequenceNumber;
        if (last !== undefined) this.lastRead = last;
        this.iterator = out.NextShardIterator;
        if (this.iterator === undefined || this.iterator === null) this.ended = true;
        return records;
      } catch (error) {
        const name = (error as { name?: string }).name;
        if (name === 'ExpiredIteratorException') {
          this.iterator = undefined; // re-acquired after the last record read; nothing re-read or lost
          continue;
        }
        if (name === 'TrimmedDataAccessException') {
          this.retryTrimHorizonOrThrow(error);
          continue;
        }
        if (!isRetryableCallError(error, STREAMS_RETRY_ON) || attempt >= (this.opts.maxAttempts ?? 12))
          throw error;
        await this.opts.sleep(backoffDelayMs(attempt, STREAMS_BACKOFF));
      }
    }
  }

  /**
   * Drops records this reader has already returned (by eventID, unique per record). An iterator
   * chain on AWS never repeats a record, so this only guards against a stand-in that does: moto
   * returns its last record again on every GetRecords when that record shares its sequence
   * number with the one before it, which kept a runner delivering it for ever.
   */
  private unseen(records: StreamSdkRecord[]): StreamSdkRecord[] {
    const fresh = records.filter((r) => r.eventID === undefined || !this.returned.has(r.eventID));
    for (const r of fresh) {
      if (r.eventID === undefined) continue;
      this.returned.add(r.eventID);
      this.returnedOrder.push(r.eventID);
    }
    while (this.returnedOrder.length > RETURNED_IDS_KEPT) {
      this.returned.delete(this.returnedOrder.shift() as string);
    }
    return fresh;
  }

  private async acquireIterator(): Promise<string> {
    const { client, streamArn, shardId } = this.opts;
    try {
      return await retryCall(
        async () => {
          const out = await client.send(
            new GetShardIteratorCommand({
              StreamArn: streamArn,
              ShardId: shardId,
              ...(this.lastRead === undefined
                ? { ShardIteratorType: 'TRIM_HORIZON' as const }
                : { ShardIteratorType: 'AFTER_SEQUENCE_NUMBER' as const, SequenceNumber: this.lastRead }),
            }),
          );
          if (!out.ShardIterator) {
            throw new AwsCallError(
              'GetShardIterator',
              new Error(`the response has no iterator for ${shardId}`),
            );
          }
          return out.ShardIterator;
        },
        {
          attempts: this.opts.maxAttempts ?? 12,
          ...STREAMS_BACKOFF,
          retryOn: STREAMS_RETRY_ON,
          sleep: this.opts.sleep,
        },
      );
    } catch (error) {
      if ((error as { name?: string }).name === 'TrimmedDataAccessException') {
        this.retryTrimHorizonOrThrow(error);
        return this.acquireIterator();
      }
      throw error;
    }
  }

  /** Drops the iterator so the next call takes a fresh TRIM_HORIZON one, or throws STREAM_TRIMMED. */
  private retryTrimHorizonOrThrow(error: unknown): void {
    this.iterator = undefined;
    if (this.lastRead !== undefined || this.trimHorizonRetries >= MAX_TRIM_HORIZON_RETRIES) {
      throw this.trimmed(error);
    }
    this.trimHorizonRetries += 1;
  }

  private trimmed(cause: unknown): MigrationError {
    const where = this.lastRead === undefined ? 'its start' : `sequence number ${this.lastRead}`;
    return streamTrimmedError(
      `Stream records of shard ${this.opts.shardId} after ${where} were trimmed (24-hour retention) before they were applied`,
      cause,
    );
  }
}
