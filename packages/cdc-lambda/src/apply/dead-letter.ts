import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { LambdaStreamRecord } from './stream-event.js';

/** SQS's message size limit (256 KiB); larger records are sent with their images left out. */
export const MAX_DLQ_MESSAGE_BYTES = 256 * 1024;

/**
 * The body of a dead-letter message: the whole original record (wire JSON, as Lambda delivered
 * it), why it failed and how often it was tried. `ddb-migrate replay-dlq` reads `record.dynamodb.Keys`
 * and `record.eventSourceARN` and re-syncs the key from the source's current state.
 */
export interface DeadLetterMessage {
  kind: 'ddb-migrate.cdc.failed-record';
  version: 1;
  error: string;
  errorCode?: string;
  attempts: number;
  failedAt: string;
  /** Sequence numbers of every record of this key that the failure covers. */
  sequenceNumbers: string[];
  /** True when the images were removed to fit SQS's size limit (the keys are always there). */
  imagesOmitted?: boolean;
  record: LambdaStreamRecord;
}

/**
 * Serialises a dead-letter message, dropping the images only when the record would not fit.
 * SQS counts the message attributes (names, types and values) towards its size limit, so the body
 * gets what they leave over. Characters SQS refuses in a body (U+FFFE, U+FFFF; JSON.stringify
 * already escapes control characters and lone surrogates) are written as JSON escapes.
 */
export function serializeDeadLetter(message: DeadLetterMessage): string {
  const budget = MAX_DLQ_MESSAGE_BYTES - attributesBytes(message);
  const body = toSqsSafeJson(message);
  if (Buffer.byteLength(body) <= budget) return body;
  const { NewImage: _n, OldImage: _o, ...rest } = message.record.dynamodb ?? {};
  return toSqsSafeJson({ ...message, imagesOmitted: true, record: { ...message.record, dynamodb: rest } });
}

function toSqsSafeJson(value: unknown): string {
  return JSON.stringify(value).replace(/[\uFFFE\uFFFF]/g, (c) => `\\u${c.charCodeAt(0).toString(16)}`);
}

function messageAttributes(
  message: DeadLetterMessage,
): Record<string, { DataType: 'String'; StringValue: string }> {
  const sequenceNumber = message.record.dynamodb?.SequenceNumber;
  return {
    errorCode: { DataType: 'String', StringValue: message.errorCode || 'Unknown' },
    // SQS refuses empty attribute values.
    ...(sequenceNumber ? { sequenceNumber: { DataType: 'String', StringValue: sequenceNumber } } : {}),
  };
}

/** What the message attributes weigh against SQS's limit (name + data type + value, UTF-8). */
function attributesBytes(message: DeadLetterMessage): number {
  return Object.entries(messageAttributes(message)).reduce(
    (sum, [name, a]) =>
      sum + Buffer.byteLength(name) + Buffer.byteLength(a.DataType) + Buffer.byteLength(a.StringValue),
    0,
  );
}

/** Parks one failed record in the queue. Rejects when SQS fails (the caller must then block, not drop). */
export async function sendDeadLetter(
  sqs: Pick<SQSClient, 'send'>,
  queueUrl: string,
  message: DeadLetterMessage,
): Promise<void> {
  await sqs.send(
    new SendMessageCommand({
      QueueUrl: queueUrl,
      MessageBody: serializeDeadLetter(message),
      MessageAttributes: messageAttributes(message),
    }),
  );
}
