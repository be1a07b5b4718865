import { PassThrough } from 'node:stream';
import { DynamoDBClient, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { type DeadLetterMessage, sendDeadLetter } from '@ddb-migrate/cdc-lambda';
import { createQueue, createTable, isolatedSides, sideEnv } from '@ddb-migrate/test-kit';
import { describe, expect, it } from 'vitest';
import { runCli } from '../src/cli.js';

async function cli(args: string[], env: NodeJS.ProcessEnv) {
  const out = { stdout: '', stderr: '' };
  const stdout = new PassThrough().on('data', (c: Buffer) => {
    out.stdout += c.toString();
  });
  const stderr = new PassThrough().on('data', (c: Buffer) => {
    out.stderr += c.toString();
  });
  const code = await runCli(args, { stdout, stderr, env });
  return { code, ...out };
}

function failedRecord(pk: string, seq: string, streamArn: string): DeadLetterMessage {
  return {
    kind: 'ddb-migrate.cdc.failed-record',
    version: 1,
    error: 'One or more parameter values were invalid',
    errorCode: 'ValidationException',
    attempts: 1,
    failedAt: new Date().toISOString(),
    sequenceNumbers: [seq],
    record: {
      eventName: 'MODIFY',
      eventSourceARN: streamArn,
      dynamodb: {
        Keys: { pk: { S: pk } },
        NewImage: { pk: { S: pk }, stale: { S: 'yes' } },
        SequenceNumber: seq,
      },
    },
  };
}

describe('ddb-migrate replay-dlq', () => {
  it("re-syncs dead-lettered keys from the source's current state, deletes handled messages and keeps failing ones", async () => {
    const sides = isolatedSides();
    const sourceClient = new DynamoDBClient(sides.source);
    const targetClient = new DynamoDBClient(sides.target);
    const sqs = new SQSClient(sides.source);
    const source = await createTable(sourceClient, { stream: 'NEW_AND_OLD_IMAGES' });
    const target = await createTable(targetClient, {
      stream: false,
      gsis: [{ name: 'by-g', partitionKey: 'g' }],
    });
    const queue = await createQueue(sqs);
    // present in the source, missing in the target -> put
    await sourceClient.send(
      new PutItemCommand({
        TableName: source.name,
        Item: { pk: { S: 'missing' }, v: { B: new Uint8Array([0, 1]) } },
      }),
    );
    // gone from the source, still in the target -> delete
    await targetClient.send(new PutItemCommand({ TableName: target.name, Item: { pk: { S: 'gone' } } }));
    // still invalid for the target (empty GSI key) -> stays in the queue
    await sourceClient.send(
      new PutItemCommand({ TableName: source.name, Item: { pk: { S: 'poison' }, g: { S: '' } } }),
    );
    const streamArn = source.streamArn as string;
    await sendDeadLetter(sqs, queue.url, failedRecord('missing', '101', streamArn));
    await sendDeadLetter(sqs, queue.url, failedRecord('gone', '102', streamArn));
    await sendDeadLetter(sqs, queue.url, failedRecord('poison', '103', streamArn));
    const args = [
      'replay-dlq',
      '--queue-url',
      queue.url,
      '--source-region',
      'us-east-1',
      '--source-table-name',
      source.name,
      '--target-table-name',
      target.name,
      '--target-role-arn',
      sides.targetRoleArn,
      '--visibility-timeout',
      '0',
      '--output',
      'json',
    ];

    const run = await cli(args, await sideEnv(sides.source));

    expect(run.code).toBe(3);
    const doc = JSON.parse(run.stdout);
    expect(doc).toMatchObject({ received: 3, resynced: 2, puts: 1, deletes: 1 });
    expect(doc.failed).toEqual([
      { kind: 'engine-record', sequenceNumber: '103', error: expect.stringMatching(/ValidationException/) },
    ]);
    const get = async (pk: string) =>
      (await targetClient.send(new GetItemCommand({ TableName: target.name, Key: { pk: { S: pk } } }))).Item;
    expect(await get('missing')).toEqual({ pk: { S: 'missing' }, v: { B: new Uint8Array([0, 1]) } });
    expect(await get('gone')).toBeUndefined();
    const attrs = await sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: queue.url,
        AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
      }),
    );
    const left =
      Number(attrs.Attributes?.ApproximateNumberOfMessages) +
      Number(attrs.Attributes?.ApproximateNumberOfMessagesNotVisible);
    expect(left).toBe(1);
  });
});
