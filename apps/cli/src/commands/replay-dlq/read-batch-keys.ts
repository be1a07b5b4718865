import {
  type DynamoDBStreamsClient,
  GetRecordsCommand,
  GetShardIteratorCommand,
} from '@aws-sdk/client-dynamodb-streams';
import { canonicalKey, type Item, type KeyNames } from '@ddb-migrate/core';
import type { EsmBatchInfo } from './parse-message.js';

/** GetRecords returns at most 1,000 records a call. */
const GET_RECORDS_LIMIT = 1000;
/**
 * Empty pages tolerated before concluding the shard holds nothing more: an open shard answers an
 * iterator at its tail with empty pages, and AWS may need a few calls to reach the records.
 */
const MAX_EMPTY_PAGES = 3;

/** The distinct keys of a batch's records, re-read from the stream. */
export interface BatchKeys {
  keys: Item[];
  /** Records found in [startSequenceNumber, endSequenceNumber]. */
  records: number;
}

/** The batch's records are no longer in the stream (trimmed after 24 h, or the shard expired). */
export class BatchTrimmedError extends Error {
  constructor(
    readonly batch: EsmBatchInfo,
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(
      `records ${batch.startSequenceNumber}..${batch.endSequenceNumber} of ${batch.shardId} are no longer in the stream (${reason})`,
      options,
    );
    this.name = 'BatchTrimmedError';
  }
}

/**
 * Re-reads a failed ESM batch from the stream: GetShardIterator AT_SEQUENCE_NUMBER on its start,
 * then GetRecords until a record's sequence number passes its end (compared as integers: they are
 * up to 40 digits) or the shard ends, and returns the distinct keys of the records in the range.
 *
 * @throws BatchTrimmedError when the records are gone (TrimmedDataAccessException, an expired
 *   shard or stream, or nothing at or after the start within the range).
 */
export async function readBatchKeys(
  streams: Pick<DynamoDBStreamsClient, 'send'>,
  batch: EsmBatchInfo,
): Promise<BatchKeys> {
  const start = BigInt(batch.startSequenceNumber);
  const end = BigInt(batch.endSequenceNumber);
  const keys = new Map<string, Item>();
  let names: KeyNames | undefined;
  let records = 0;
  try {
    let iterator = (
      await streams.send(
        new GetShardIteratorCommand({
          StreamArn: batch.streamArn,
          ShardId: batch.shardId,
          ShardIteratorType: 'AT_SEQUENCE_NUMBER',
          SequenceNumber: batch.startSequenceNumber,
        }),
      )
    ).ShardIterator;
    let emptyPages = 0;
    let passedEnd = false;
    while (iterator && !passedEnd && emptyPages < MAX_EMPTY_PAGES) {
      const page = await streams.send(
        new GetRecordsCommand({ ShardIterator: iterator, Limit: GET_RECORDS_LIMIT }),
      );
      const pageRecords = page.Records ?? [];
      emptyPages = pageRecords.length === 0 ? emptyPages + 1 : 0;
      for (const record of pageRecords) {
        const sequenceNumber = record.dynamodb?.SequenceNumber;
        if (sequenceNumber === undefined) continue;
        const position = BigInt(sequenceNumber);
        if (position > end) {
          passedEnd = true;
          break;
        }
        if (position < start) continue;
        const key = record.dynamodb?.Keys as Item | undefined;
        if (key === undefined) continue;
        names ??= keyNamesOf(key);
        records += 1;
        keys.set(canonicalKey(key, names), key);
      }
      iterator = page.NextShardIterator;
    }
  } catch (error) {
    const name = (error as { name?: string }).name;
    if (name === 'TrimmedDataAccessException')
      throw new BatchTrimmedError(batch, 'trimmed', { cause: error });
    if (name === 'ResourceNotFoundException')
      throw new BatchTrimmedError(batch, 'the shard or stream no longer exists', { cause: error });
    throw error;
  }
  if (records === 0) throw new BatchTrimmedError(batch, 'no record found in that range');
  return { keys: [...keys.values()], records };
}

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
