import {
  type DynamoDBStreamsClient,
  GetRecordsCommand,
  GetShardIteratorCommand,
} from '@aws-sdk/client-dynamodb-streams';
import { canonicalKey, type Item, type KeyNames, retryCall } from '@ddb-migrate/core';
import { BatchTrimmedError } from '../../errors.js';
import type { EsmBatchInfo } from './parse-message.js';

/** GetRecords returns at most 1,000 records a call. */
const GET_RECORDS_LIMIT = 1000;
/** Default time bound of one batch's re-read. */
export const DEFAULT_READ_MS = 60_000;
/** Hard cap on GetRecords calls for one batch, whatever the clock says. */
const MAX_GET_RECORDS_CALLS = 5_000;
/** Empty pages in a row read back to back before pausing between calls (Lambda polls a shard 4 times a second). */
const EMPTY_PAGES_BEFORE_PAUSE = 5;
const EMPTY_PAGE_PAUSE_MS = 250;

/** How long a re-read may go on; injectable clock for tests. */
export interface ReadBatchOptions {
  /** Milliseconds the re-read may take before it is reported partial. Default {@link DEFAULT_READ_MS}. */
  readMs?: number;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

/** The distinct keys of a batch's records, re-read from the stream. */
export interface BatchKeys {
  keys: Item[];
  /** Distinct records found in [startSequenceNumber, endSequenceNumber]. */
  records: number;
  /**
   * True when the read reached the batch's endSequenceNumber (or a record past it), read
   * `batchSize` records of the range, or read the closed shard to its end. Only then are `keys`
   * all of the batch's keys; a partial read must not retire the batch.
   */
  complete: boolean;
  /** Why the read is partial (counts and sequence numbers only). */
  reason?: string;
}

/**
 * Re-reads a failed ESM batch from the stream: GetShardIterator AT_SEQUENCE_NUMBER on its start,
 * then GetRecords until a record at or past its end is read (sequence numbers compared as
 * integers: they are up to 40 digits), `batchSize` records of the range are read, or the shard
 * ends; returns the distinct keys of the records in the range.
 *
 * Empty pages prove nothing: GetRecords "returns an empty list" when the part of the shard the
 * iterator points to has no records, and "it might take multiple calls to get to a portion of the
 * shard that contains stream records" (DynamoDB Streams API reference, GetRecords). So the read is
 * bounded by time (`readMs`) and a call cap, never by empty pages in a row; when the bound passes
 * first the result says `complete: false` with the reason, and the caller keeps the message.
 * Throttles and transient faults are retried with backoff (at most 2 readers per shard: the event
 * source mapping is one).
 *
 * @throws BatchTrimmedError when the records are gone (TrimmedDataAccessException, an expired
 *   shard or stream, or no record of the range before a record past its end / the shard's end).
 */
export async function readBatchKeys(
  streams: Pick<DynamoDBStreamsClient, 'send'>,
  batch: EsmBatchInfo,
  options: ReadBatchOptions = {},
): Promise<BatchKeys> {
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? defaultSleep;
  const readMs = options.readMs ?? DEFAULT_READ_MS;
  const startedAt = now();
  const deadline = startedAt + readMs;
  const start = BigInt(batch.startSequenceNumber);
  const end = BigInt(batch.endSequenceNumber);
  const keys = new Map<string, Item>();
  const seen = new Set<string>();
  let names: KeyNames | undefined;
  let calls = 0;
  let done = false;
  const retry = <T>(call: () => Promise<T>) =>
    retryCall(call, { attempts: 6, baseMs: 200, maxMs: 5_000, sleep, retryOn: ['LimitExceededException'] });
  try {
    let iterator = (
      await retry(() =>
        streams.send(
          new GetShardIteratorCommand({
            StreamArn: batch.streamArn,
            ShardId: batch.shardId,
            ShardIteratorType: 'AT_SEQUENCE_NUMBER',
            SequenceNumber: batch.startSequenceNumber,
          }),
        ),
      )
    ).ShardIterator;
    let emptyPages = 0;
    while (iterator && !done && calls < MAX_GET_RECORDS_CALLS && now() < deadline) {
      if (emptyPages >= EMPTY_PAGES_BEFORE_PAUSE) await sleep(EMPTY_PAGE_PAUSE_MS);
      const shardIterator = iterator;
      calls += 1;
      const page = await retry(() =>
        streams.send(new GetRecordsCommand({ ShardIterator: shardIterator, Limit: GET_RECORDS_LIMIT })),
      );
      const pageRecords = page.Records ?? [];
      emptyPages = pageRecords.length === 0 ? emptyPages + 1 : 0;
      for (const record of pageRecords) {
        const sequenceNumber = record.dynamodb?.SequenceNumber;
        if (sequenceNumber === undefined) continue;
        const position = BigInt(sequenceNumber);
        if (position > end) {
          done = true;
          break;
        }
        if (position < start) continue;
        const key = record.dynamodb?.Keys as Item | undefined;
        if (key !== undefined && !seen.has(sequenceNumber)) {
          seen.add(sequenceNumber);
          names ??= keyNamesOf(key);
          keys.set(canonicalKey(key, names), key);
        }
        if (position === end || (batch.batchSize !== undefined && seen.size >= batch.batchSize)) {
          done = true;
          break;
        }
      }
      // A null NextShardIterator: "the shard has been closed and the requested iterator will not
      // return any more data", so everything of the range this shard holds has been read.
      iterator = page.NextShardIterator;
    }
    if (!iterator) done = true;
  } catch (error) {
    const name = (error as { name?: string }).name;
    if (name === 'TrimmedDataAccessException')
      throw new BatchTrimmedError(batch, 'trimmed', { cause: error });
    if (name === 'ResourceNotFoundException')
      throw new BatchTrimmedError(batch, 'the shard or stream no longer exists', { cause: error });
    throw error;
  }
  const records = seen.size;
  if (done && records === 0) throw new BatchTrimmedError(batch, 'no record found in that range');
  if (done) return { keys: [...keys.values()], records, complete: true };
  const expected = batch.batchSize === undefined ? '?' : String(batch.batchSize);
  const elapsedS = Math.round((now() - startedAt) / 1000);
  return {
    keys: [...keys.values()],
    records,
    complete: false,
    reason:
      `partial re-read: ${records} of ${expected} records, end sequence number ${batch.endSequenceNumber} not reached ` +
      `after ${calls} GetRecords calls in ${elapsedS} s (GetRecords may return empty pages before a shard's records)`,
  };
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Key names from a record's `Keys`. Which one is the sort key does not matter here: the names are
 * the same for every record of the table, so the canonical form is stable for de-duplication.
 */
function keyNamesOf(key: Item): KeyNames {
  const [partitionKey, sortKey] = Object.keys(key).sort();
  return sortKey === undefined
    ? { partitionKey: partitionKey as string }
    : { partitionKey: partitionKey as string, sortKey };
}
