import type { DynamoDBClient, WriteRequest } from '@aws-sdk/client-dynamodb';
import { itemSizeBytes } from '../attribute-value/item-size.js';
import { canonicalKey, extractKey } from '../attribute-value/key.js';
import type { Item, KeyNames } from '../attribute-value/types.js';
import type { Logger } from '../logger.js';
import type { TokenBucket } from './token-bucket.js';

/** One write: a full-item put or a delete by key (BatchWriteItem has no updates or conditions). */
export type WriteOp = { type: 'put'; item: Item } | { type: 'delete'; key: Item };

/** The client surface the writer needs; a `DynamoDBClient` or a test double with `send`. */
export type BatchWriteClient = Pick<DynamoDBClient, 'send'>;

/** Options of `batchWrite` and `createBatchWriter`. */
export interface BatchWriteOptions {
  tableName: string;
  /** Key attribute names of the target table (for de-duplication). */
  keyNames: KeyNames;
  /** BatchWriteItem calls in flight at once. Default 8. */
  concurrency?: number;
  /** Calls per op before it is reported as failed (retryable). Default 15. */
  maxAttempts?: number;
  /** Backoff base (cap of the first retry's random delay). Default 50 ms. */
  baseDelayMs?: number;
  /** Backoff ceiling. Default 5000 ms. */
  maxDelayMs?: number;
  /** Write-capacity limiter: ceil(size/1 KB) tokens per put, 1 per delete, taken before every call. */
  wcuBucket?: TokenBucket;
  /** Epoch ms: ops still unwritten when a retry would start after this fail as retryable. */
  deadline?: number;
  logger?: Logger;
  /** Aborts waits and in-flight calls; the writer then rejects with the signal's reason. */
  signal?: AbortSignal;
}

/** An op that did not land. `retryable: false` means the op itself is invalid (retrying fails again). */
export interface FailedWrite {
  op: WriteOp;
  error: string;
  code?: string;
  retryable: boolean;
}

/** Outcome of a batch write. Failures are data, not exceptions. */
export interface BatchWriteResult {
  /** Ops DynamoDB accepted. */
  written: number;
  /** BatchWriteItem calls made (including retries). */
  calls: number;
  /** Calls that re-sent ops already sent once (UnprocessedItems, throttles, errors, poison isolation). */
  retries: number;
  /** Throttling errors plus calls that returned UnprocessedItems. */
  throttles: number;
  failed: FailedWrite[];
}

/** An op with its canonical key and size, as the writer tracks it. */
export interface WriteEntry {
  key: string;
  op: WriteOp;
  sizeBytes: number;
}

/** The op's key attributes. Throws when a key attribute is missing. */
export function opKeyItem(op: WriteOp, names: KeyNames): Item {
  return op.type === 'put' ? extractKey(op.item, names) : extractKey(op.key, names);
}

/** Builds the writer's entry for an op. Throws when the key is missing or not S/N/B. */
export function toWriteEntry(op: WriteOp, names: KeyNames): WriteEntry {
  const keyItem = opKeyItem(op, names);
  return {
    key: canonicalKey(keyItem, names),
    op,
    sizeBytes: itemSizeBytes(op.type === 'put' ? op.item : op.key),
  };
}

/** Write capacity an op consumes: ceil(size / 1 KB) for a put (at least 1), 1 for a delete. */
export function wcuOf(entry: WriteEntry): number {
  return entry.op.type === 'put' ? Math.max(1, Math.ceil(entry.sizeBytes / 1024)) : 1;
}

/** The BatchWriteItem request for an op. */
export function toWriteRequest(op: WriteOp): WriteRequest {
  return op.type === 'put' ? { PutRequest: { Item: op.item } } : { DeleteRequest: { Key: op.key } };
}

/** The op a returned (unprocessed) WriteRequest stands for. */
export function fromWriteRequest(request: WriteRequest): WriteOp | undefined {
  if (request.PutRequest?.Item !== undefined) return { type: 'put', item: request.PutRequest.Item };
  if (request.DeleteRequest?.Key !== undefined) return { type: 'delete', key: request.DeleteRequest.Key };
  return undefined;
}
