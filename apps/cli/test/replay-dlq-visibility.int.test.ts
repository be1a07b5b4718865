import { DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { type DeadLetterMessage, sendDeadLetter } from '@ddb-migrate/cdc-lambda';
import { createQueue, createTable, isolatedSides, sideEnv, startFaultProxy } from '@ddb-migrate/test-kit';
import { describe, expect, it } from 'vitest';
import { replayDlqArgs } from './support/replay-dlq-args.js';
import { cli } from './support/run-cli.js';

function deadLetter(pk: string, streamArn: string): DeadLetterMessage {
  return {
    kind: 'ddb-migrate.cdc.failed-record',
    version: 1,
    error: 'One or more parameter values were invalid',
    errorCode: 'ValidationException',
    attempts: 1,
    failedAt: new Date().toISOString(),
    sequenceNumbers: ['101'],
    record: {
      eventName: 'MODIFY',
      eventSourceARN: streamArn,
      dynamodb: { Keys: { pk: { S: pk } }, SequenceNumber: '101', StreamViewType: 'NEW_AND_OLD_IMAGES' },
    },
  } as DeadLetterMessage;
}

describe('ddb-migrate replay-dlq visibility', () => {
  it('keeps a message hidden from other consumers while its key takes longer than the visibility timeout', async () => {
    const sides = isolatedSides();
    const sourceClient = new DynamoDBClient(sides.source);
    const sqs = new SQSClient(sides.source);
    const source = await createTable(sourceClient, { stream: 'NEW_AND_OLD_IMAGES' });
    const target = await createTable(new DynamoDBClient(sides.target), { stream: false });
    const queue = await createQueue(sqs);
    await sourceClient.send(new PutItemCommand({ TableName: source.name, Item: { pk: { S: 'slow' } } }));
    await sendDeadLetter(sqs, queue.url, deadLetter('slow', source.streamArn as string));
    // Every DynamoDB call of the CLI takes 1.5 s: the re-sync (read, write, re-read) outlasts 2 s.
    const proxy = await startFaultProxy({
      target: sides.source.endpoint as string,
      rules: [{ service: 'dynamodb', latencyMs: 1500 }],
    });
    try {
      const run = cli(
        [
          ...replayDlqArgs({
            queueUrl: queue.url,
            source: source.name,
            target: target.name,
            roleArn: sides.targetRoleArn,
          }),
          '--endpoint-url',
          proxy.endpoint,
          '--visibility-timeout',
          '2',
          '--output',
          'json',
        ],
        await sideEnv(sides.source),
      );
      let done = false;
      const finished = run.finally(() => {
        done = true;
      });
      // Another consumer polls while the CLI works; it must never be handed the message.
      let stolen = 0;
      let polls = 0;
      await new Promise((r) => setTimeout(r, 1000));
      while (!done) {
        const out = await sqs.send(
          new ReceiveMessageCommand({ QueueUrl: queue.url, WaitTimeSeconds: 0, VisibilityTimeout: 0 }),
        );
        stolen += out.Messages?.length ?? 0;
        polls += 1;
        await new Promise((r) => setTimeout(r, 300));
      }
      const result = await finished;

      expect(result.code).toBe(0);
      expect(JSON.parse(result.stdout)).toMatchObject({ received: 1, resynced: 1 });
      expect(polls).toBeGreaterThan(3);
      expect(stolen).toBe(0);
      expect(proxy.stats().byOperation.GetItem?.delayed ?? 0).toBeGreaterThan(0);
    } finally {
      await proxy.close();
    }
  });
});
