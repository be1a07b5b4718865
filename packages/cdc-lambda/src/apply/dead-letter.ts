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

/** Serialises a dead-letter message, dropping the images only when the record would not fit. */
export function serializeDeadLetter(message: DeadLetterMessage): string {
  const body = JSON.stringify(message);
  if (Buffer.byteLength(body) <= MAX_DLQ_MESSAGE_BYTES) return body;
  const { NewImage: _n, OldImage: _o, ...rest } = message.record.dynamodb ?? {};
  return JSON.stringify({ ...message, imagesOmitted: true, record: { ...message.record, dynamodb: rest } });
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
      MessageAttributes: {
        errorCode: { DataType: 'String', StringValue: message.errorCode ?? 'Unknown' },
        sequenceNumber: { DataType: 'String', StringValue: message.record.dynamodb?.SequenceNumber ?? '' },
      },
    }),
  );
}
