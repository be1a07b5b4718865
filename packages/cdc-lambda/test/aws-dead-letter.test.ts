import type { SendMessageCommandInput } from '@aws-sdk/client-sqs';
import type { WriteOp } from '@ddb-migrate/core';
import { fakeSdkClient, sdkError } from '@ddb-migrate/test-kit';
import { describe, expect, it } from 'vitest';
import type { ApplyConfig } from '../src/apply/apply-config.js';
import { applyStreamBatch } from '../src/apply/apply-stream-batch.js';
import { MAX_DLQ_MESSAGE_BYTES } from '../src/apply/dead-letter.js';
import { fakeWriteBatch, streamRecord } from './fixtures.js';

/**
 * An SQS SendMessage that enforces what real SQS enforces and moto does not: the 256 KiB limit counts
 * the body plus every message attribute's name, data type and value; attribute values must not be
 * empty; the body may only hold #x9 | #xA | #xD | #x20-#xD7FF | #xE000-#xFFFD | #x10000-#x10FFFF.
 */
function strictSqs() {
  const sent: SendMessageCommandInput[] = [];
  const reject = (message: string, name = 'InvalidParameterValue') => sdkError(name, 400, { message });
  const sqs = fakeSdkClient({
    SendMessage: (input: SendMessageCommandInput) => {
      const { MessageBody = '', MessageAttributes = {} } = input;
      let size = Buffer.byteLength(MessageBody);
      for (const [name, a] of Object.entries(MessageAttributes)) {
        if (!a.StringValue) throw reject(`Message attribute ${name} must have a non-empty value`);
        size +=
          Buffer.byteLength(name) + Buffer.byteLength(a.DataType ?? '') + Buffer.byteLength(a.StringValue);
      }
      if (size > MAX_DLQ_MESSAGE_BYTES) {
        throw reject(
          `One or more parameters are invalid. Reason: Message must be shorter than ${MAX_DLQ_MESSAGE_BYTES} bytes.`,
        );
      }
      // biome-ignore lint/suspicious/noControlCharactersInRegex: the characters SQS refuses
      if (/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/.test(MessageBody)) {
        throw reject('Invalid binary character in the message body', 'InvalidMessageContents');
      }
      sent.push(input);
      return { MessageId: String(sent.length) };
    },
  });
  return { sqs: sqs as never, sent };
}

const config: ApplyConfig = {
  targetTableId: 'target',
  ttlDeletes: 'replicate',
  dlqUrl: 'https://sqs.us-east-1.amazonaws.com/1/q',
};
const target = { send: async () => ({}) } as never;
const poison = fakeWriteBatch((op: WriteOp) =>
  (op.type === 'put' ? op.item : op.key).pk?.S === 'poison'
    ? { code: 'ValidationException', retryable: false }
    : undefined,
);

describe('dead-letter messages on real SQS limits', () => {
  it('parks a record with a 400 KB image as keys + error, saying the images were dropped', async () => {
    const { sqs, sent } = strictSqs();
    const big = 'x'.repeat(400_000);
    const record = streamRecord('MODIFY', 'poison', { image: { v: { S: big } } });
    record.dynamodb!.OldImage = { pk: { S: 'poison' }, v: { S: big } };
    const { batchItemFailures, counters } = await applyStreamBatch(
      [record],
      { target, sqs, writeBatch: poison.writeBatch },
      config,
      60_000,
    );
    expect(batchItemFailures).toEqual([]);
    expect(counters.dlq).toBe(1);
    const body = JSON.parse(sent[0]!.MessageBody!);
    expect(body).toMatchObject({ imagesOmitted: true, errorCode: 'ValidationException' });
    expect(body.record.dynamodb.Keys).toEqual({ pk: { S: 'poison' } });
    expect(body.record.dynamodb.SequenceNumber).toBe(record.dynamodb!.SequenceNumber);
    expect(body.record.dynamodb.NewImage).toBeUndefined();
  });

  it('leaves room for the message attributes when the body alone is just under 256 KiB', async () => {
    const { sqs, sent } = strictSqs();
    const record = streamRecord('INSERT', 'poison', { image: { v: { S: '' } } });
    const probe = JSON.stringify({ record }).length;
    // A body about 40 bytes under the limit: fits alone, not with errorCode + sequenceNumber attributes.
    (record.dynamodb!.NewImage as Record<string, unknown>).v = {
      S: 'y'.repeat(MAX_DLQ_MESSAGE_BYTES - probe - 260),
    };
    const { batchItemFailures, counters } = await applyStreamBatch(
      [record],
      { target, sqs, writeBatch: poison.writeBatch },
      config,
      60_000,
    );
    expect(batchItemFailures).toEqual([]);
    expect(counters.dlq).toBe(1);
    expect(sent).toHaveLength(1);
  });

  it('parks a record whose string holds U+FFFF (SQS refuses it raw) with the value intact', async () => {
    const { sqs, sent } = strictSqs();
    const record = streamRecord('INSERT', 'poison', { image: { v: { S: 'a\uFFFFb\uFFFE' } } });
    const { batchItemFailures } = await applyStreamBatch(
      [record],
      { target, sqs, writeBatch: poison.writeBatch },
      config,
      60_000,
    );
    expect(batchItemFailures).toEqual([]);
    const body = JSON.parse(sent[0]!.MessageBody!);
    expect(body.record.dynamodb.NewImage.v.S).toBe('a\uFFFFb\uFFFE');
  });
});
