import { fromDynamoJson, type Item, type KeyNames } from '@ddb-migrate/core';
import { RecordDecodeError } from '../errors.js';
import { isTtlDelete, type LambdaStreamRecord } from './stream-event.js';

/** A stream record decoded to SDK AttributeValues, ready to coalesce. */
export interface DecodedRecord {
  record: LambdaStreamRecord;
  /** Position in the event (ties and stable ordering). */
  index: number;
  sequenceNumber: string;
  sequence: bigint;
  eventName: 'INSERT' | 'MODIFY' | 'REMOVE';
  keys: Item;
  newImage?: Item;
  /**
   * OldImage of a TTL delete (OLD_IMAGE / NEW_AND_OLD_IMAGES streams): the item as it expired,
   * which TTL_DELETES=skip keeps. Not decoded for other records, which never need it.
   */
  oldImage?: Item;
  /** Epoch seconds (Lambda delivers whole seconds). */
  createdAt?: number;
}

/**
 * Decodes one Lambda stream record: Keys and NewImage (and a TTL delete's OldImage) from wire JSON (binary at any depth becomes
 * Uint8Array); the sequence number as a BigInt so ordering never depends on string length.
 *
 * @throws RecordDecodeError when the record cannot be decoded.
 */
export function decodeRecord(record: LambdaStreamRecord, index: number): DecodedRecord {
  const ddb = record.dynamodb;
  const sequenceNumber = ddb?.SequenceNumber;
  if (sequenceNumber === undefined || !/^\d+$/.test(sequenceNumber)) {
    throw new RecordDecodeError('record has no numeric dynamodb.SequenceNumber');
  }
  const eventName = record.eventName;
  if (eventName !== 'INSERT' && eventName !== 'MODIFY' && eventName !== 'REMOVE') {
    throw new RecordDecodeError(`record has unknown eventName ${String(eventName)}`);
  }
  if (ddb?.Keys === undefined || Object.keys(ddb.Keys).length === 0) {
    throw new RecordDecodeError('record has no dynamodb.Keys');
  }
  let keys: Item;
  let newImage: Item | undefined;
  let oldImage: Item | undefined;
  try {
    keys = fromDynamoJson(ddb.Keys);
    newImage = ddb.NewImage === undefined ? undefined : fromDynamoJson(ddb.NewImage);
    if (ddb.OldImage !== undefined && isTtlDelete(record)) oldImage = fromDynamoJson(ddb.OldImage);
  } catch (error) {
    throw new RecordDecodeError(`record images are not DynamoDB JSON: ${(error as Error).message}`);
  }
  const created = ddb.ApproximateCreationDateTime;
  return {
    record,
    index,
    sequenceNumber,
    sequence: BigInt(sequenceNumber),
    eventName,
    keys,
    ...(newImage === undefined ? {} : { newImage }),
    ...(oldImage === undefined ? {} : { oldImage }),
    ...(typeof created === 'number' && Number.isFinite(created) ? { createdAt: created } : {}),
  };
}

/**
 * Key names from a record's Keys when the table schema is not known: the attribute names in
 * sorted order. The partition/sort roles may be swapped, which is harmless for grouping (the
 * canonical key only needs a stable order) and for writes (the request carries whole keys).
 */
export function keyNamesFromKeys(keys: Item): KeyNames {
  const names = Object.keys(keys).sort();
  const [partitionKey, sortKey] = names;
  if (partitionKey === undefined || names.length > 2) {
    throw new RecordDecodeError(`record Keys must have 1 or 2 attributes, found ${names.length}`);
  }
  return sortKey === undefined ? { partitionKey } : { partitionKey, sortKey };
}
