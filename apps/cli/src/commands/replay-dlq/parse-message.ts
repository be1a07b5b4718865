import type { DeadLetterMessage } from '@ddb-migrate/cdc-lambda';

/**
 * `DDBStreamBatchInfo` of a Lambda event source mapping's OnFailure record. SQS and SNS
 * destinations get this metadata only, never the records; they must be re-read from the stream
 * before the 24-hour retention trims them.
 * Shape per https://docs.aws.amazon.com/lambda/latest/dg/services-dynamodb-errors.html
 * ("Each record sent to the destination is a JSON document with metadata about the failed
 * invocation") and the published examples of that document, e.g.
 * `{"requestContext":{"condition":"RetryAttemptsExhausted","approximateInvokeCount":4,...},
 *   "responseContext":{"statusCode":200,"functionError":"Unhandled",...},"version":"1.0",
 *   "timestamp":"2025-06-05T18:22:26.479Z","DDBStreamBatchInfo":{"shardId":"shardId-...",
 *   "startSequenceNumber":"2023...751","endSequenceNumber":"2023...751",
 *   "approximateArrivalOfFirstRecord":"2025-06-05T18:21:49Z",
 *   "approximateArrivalOfLastRecord":"2025-06-05T18:21:49Z","batchSize":1,
 *   "streamArn":"arn:aws:dynamodb:<region>:<account>:table/<name>/stream/<label>"}}`.
 * Only the four sequence-locating fields are required here; the rest is informational.
 */
export interface EsmBatchInfo {
  shardId: string;
  startSequenceNumber: string;
  endSequenceNumber: string;
  streamArn: string;
  batchSize?: number;
  approximateArrivalOfFirstRecord?: string;
  approximateArrivalOfLastRecord?: string;
}

/** The parts of an ESM on-failure record that replay-dlq uses. */
export interface EsmFailureMessage {
  /** e.g. `RetryAttemptsExhausted`, `RecordAgeExceeded`. */
  condition?: string;
  batch: EsmBatchInfo;
}

/** A dead-letter queue message, classified. */
export type ParsedMessage =
  | { kind: 'engine-record'; message: DeadLetterMessage }
  | { kind: 'esm-batch'; message: EsmFailureMessage }
  | { kind: 'unsupported' };

const SEQUENCE_NUMBER = /^\d+$/;

/**
 * Classifies a queue message body: the CDC engine's whole-record dead letter, a Lambda event
 * source mapping's metadata-only OnFailure record, or anything else (unsupported).
 *
 * @example
 * parseMessage('{"DDBStreamBatchInfo":{"shardId":"s","startSequenceNumber":"1",...}}').kind // 'esm-batch'
 */
export function parseMessage(body: string | undefined): ParsedMessage {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body ?? '');
  } catch {
    return { kind: 'unsupported' };
  }
  if (parsed === null || typeof parsed !== 'object') return { kind: 'unsupported' };
  const engine = parsed as Partial<DeadLetterMessage>;
  if (engine.kind === 'ddb-migrate.cdc.failed-record' && engine.record?.dynamodb?.Keys) {
    return { kind: 'engine-record', message: engine as DeadLetterMessage };
  }
  const esm = parsed as {
    DDBStreamBatchInfo?: Record<string, unknown>;
    requestContext?: { condition?: unknown };
  };
  const info = esm.DDBStreamBatchInfo;
  if (info === undefined || info === null || typeof info !== 'object') return { kind: 'unsupported' };
  const { shardId, startSequenceNumber, endSequenceNumber, streamArn } = info;
  if (
    typeof shardId !== 'string' ||
    typeof streamArn !== 'string' ||
    typeof startSequenceNumber !== 'string' ||
    typeof endSequenceNumber !== 'string' ||
    !SEQUENCE_NUMBER.test(startSequenceNumber) ||
    !SEQUENCE_NUMBER.test(endSequenceNumber)
  ) {
    return { kind: 'unsupported' };
  }
  const batch: EsmBatchInfo = { shardId, startSequenceNumber, endSequenceNumber, streamArn };
  if (typeof info.batchSize === 'number') batch.batchSize = info.batchSize;
  if (typeof info.approximateArrivalOfFirstRecord === 'string')
    batch.approximateArrivalOfFirstRecord = info.approximateArrivalOfFirstRecord;
  if (typeof info.approximateArrivalOfLastRecord === 'string')
    batch.approximateArrivalOfLastRecord = info.approximateArrivalOfLastRecord;
  const condition = esm.requestContext?.condition;
  return {
    kind: 'esm-batch',
    message: { ...(typeof condition === 'string' ? { condition } : {}), batch },
  };
}

/** The table name inside a stream ARN (`arn:...:table/<name>/stream/<label>`), if it has one. */
export function tableNameFromStreamArn(streamArn: string): string | undefined {
  return /:table\/([^/]+)\/stream\//.exec(streamArn)?.[1];
}
