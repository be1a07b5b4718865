import { DeleteItemCommand, DynamoDBClient, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import {
  DescribeStreamCommand,
  DynamoDBStreamsClient,
  GetRecordsCommand,
  GetShardIteratorCommand,
} from '@aws-sdk/client-dynamodb-streams';
import { GetQueueAttributesCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { type DeadLetterMessage, sendDeadLetter } from '@ddb-migrate/cdc-lambda';
import { createQueue, createTable, isolatedSides, sideEnv } from '@ddb-migrate/test-kit';
import { describe, expect, it } from 'vitest';
import { replayDlqArgs } from './support/replay-dlq-args.js';
import { cli } from './support/run-cli.js';

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
      ...replayDlqArgs({
        queueUrl: queue.url,
        source: source.name,
        target: target.name,
        roleArn: sides.targetRoleArn,
      }),
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

describe('ddb-migrate replay-dlq engine dead letters of another table', () => {
  it("refuses a dead letter whose record comes from another table's stream: no write, message kept, exit 3", async () => {
    const sides = isolatedSides();
    const sourceClient = new DynamoDBClient(sides.source);
    const targetClient = new DynamoDBClient(sides.target);
    const sqs = new SQSClient(sides.source);
    const source = await createTable(sourceClient, { stream: 'NEW_AND_OLD_IMAGES' });
    const target = await createTable(targetClient, { stream: false });
    const queue = await createQueue(sqs);
    // The same key exists in --source-table-name, so re-syncing it would "work" and delete the message.
    await sourceClient.send(
      new PutItemCommand({ TableName: source.name, Item: { pk: { S: 'k' }, v: { S: 'source' } } }),
    );
    const otherStream =
      'arn:aws:dynamodb:us-east-1:123456789012:table/other-table/stream/2026-01-01T00:00:00.000';
    await sendDeadLetter(sqs, queue.url, failedRecord('k', '201', otherStream));
    const args = [
      ...replayDlqArgs({
        queueUrl: queue.url,
        source: source.name,
        target: target.name,
        roleArn: sides.targetRoleArn,
      }),
      '--visibility-timeout',
      '0',
      '--output',
      'json',
    ];

    const run = await cli(args, await sideEnv(sides.source));

    expect(run.code).toBe(3);
    const doc = JSON.parse(run.stdout);
    expect(doc).toMatchObject({ received: 1, resynced: 0, engineRecords: { resynced: 0 } });
    expect(doc.failed).toEqual([
      {
        kind: 'engine-record',
        sequenceNumber: '201',
        error: expect.stringMatching(/table other-table's stream, not --source-table-name/),
      },
    ]);
    const item = await targetClient.send(
      new GetItemCommand({ TableName: target.name, Key: { pk: { S: 'k' } } }),
    );
    expect(item.Item).toBeUndefined();
    const attrs = await sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: queue.url,
        AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
      }),
    );
    expect(
      Number(attrs.Attributes?.ApproximateNumberOfMessages) +
        Number(attrs.Attributes?.ApproximateNumberOfMessagesNotVisible),
    ).toBe(1);
  });
});

/** Shard id and sequence numbers of every record of a stream, in order (moto: one shard). */
async function streamRecords(streams: DynamoDBStreamsClient, streamArn: string) {
  const described = await streams.send(new DescribeStreamCommand({ StreamArn: streamArn }));
  const shardId = described.StreamDescription?.Shards?.[0]?.ShardId as string;
  const { ShardIterator } = await streams.send(
    new GetShardIteratorCommand({
      StreamArn: streamArn,
      ShardId: shardId,
      ShardIteratorType: 'TRIM_HORIZON',
    }),
  );
  const page = await streams.send(new GetRecordsCommand({ ShardIterator, Limit: 1000 }));
  const records = (page.Records ?? []).map((r) => ({
    sequenceNumber: r.dynamodb?.SequenceNumber as string,
    pk: r.dynamodb?.Keys?.pk?.S as string,
  }));
  return { shardId, records };
}

/** The document Lambda sends to an SQS OnFailure destination (metadata only). */
function esmFailure(streamArn: string, shardId: string, start: string, end: string, batchSize: number) {
  return JSON.stringify({
    requestContext: {
      requestId: '12a8a0fa-f8d2-4d42-a6e3-72bae7d1e2f9',
      functionArn: 'arn:aws:lambda:us-east-1:123456789012:function:cdc',
      condition: 'RetryAttemptsExhausted',
      approximateInvokeCount: 4,
    },
    responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
    version: '1.0',
    timestamp: new Date().toISOString(),
    DDBStreamBatchInfo: {
      shardId,
      startSequenceNumber: start,
      endSequenceNumber: end,
      approximateArrivalOfFirstRecord: new Date().toISOString(),
      approximateArrivalOfLastRecord: new Date().toISOString(),
      batchSize,
      streamArn,
    },
  });
}

describe('ddb-migrate replay-dlq with Lambda event source mapping on-failure records', () => {
  async function setup() {
    const sides = isolatedSides();
    const sourceClient = new DynamoDBClient(sides.source);
    const targetClient = new DynamoDBClient(sides.target);
    const sqs = new SQSClient(sides.source);
    const streams = new DynamoDBStreamsClient(sides.source);
    // No event source mapping on the source: moto clears a shard once a mapping exists.
    const source = await createTable(sourceClient, { stream: 'NEW_AND_OLD_IMAGES' });
    const target = await createTable(targetClient, { stream: false });
    const queue = await createQueue(sqs);
    const pks = ['k0', 'k1', 'k2', 'k3', 'k4', 'k5'];
    for (const pk of pks) {
      await targetClient.send(
        new PutItemCommand({ TableName: target.name, Item: { pk: { S: pk }, v: { S: 'stale' } } }),
      );
    }
    const put = (pk: string, v: string) =>
      sourceClient.send(new PutItemCommand({ TableName: source.name, Item: { pk: { S: pk }, v: { S: v } } }));
    // Stream order: k0, k1, k2, k2, k3, k3 (delete), k4, k5
    await put('k0', 'fresh');
    await put('k1', 'fresh');
    await put('k2', 'first');
    await put('k2', 'second');
    await put('k3', 'fresh');
    await sourceClient.send(new DeleteItemCommand({ TableName: source.name, Key: { pk: { S: 'k3' } } }));
    await put('k4', 'fresh');
    await put('k5', 'fresh');
    const streamArn = source.streamArn as string;
    const { shardId, records } = await streamRecords(streams, streamArn);
    const args = [
      ...replayDlqArgs({
        queueUrl: queue.url,
        source: source.name,
        target: target.name,
        roleArn: sides.targetRoleArn,
      }),
      '--visibility-timeout',
      '0',
    ];
    const env = await sideEnv(sides.source);
    const targetItem = async (pk: string) =>
      (await targetClient.send(new GetItemCommand({ TableName: target.name, Key: { pk: { S: pk } } }))).Item;
    const queueDepth = async () => {
      const attrs = await sqs.send(
        new GetQueueAttributesCommand({
          QueueUrl: queue.url,
          AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
        }),
      );
      return (
        Number(attrs.Attributes?.ApproximateNumberOfMessages) +
        Number(attrs.Attributes?.ApproximateNumberOfMessagesNotVisible)
      );
    };
    const send = (body: string) =>
      sqs.send(new SendMessageCommand({ QueueUrl: queue.url, MessageBody: body }));
    return { sqs, queueUrl: queue.url, streamArn, shardId, records, args, env, targetItem, queueDepth, send };
  }

  it("re-reads the batch's range from the stream, re-syncs only its keys and deletes the message", async () => {
    const t = await setup();
    expect(t.records.map((r) => r.pk)).toEqual(['k0', 'k1', 'k2', 'k2', 'k3', 'k3', 'k4', 'k5']);
    const start = t.records[1]?.sequenceNumber as string; // k1
    const end = t.records[5]?.sequenceNumber as string; // k3's delete
    await t.send(esmFailure(t.streamArn, t.shardId, start, end, 5));

    const run = await cli([...t.args, '--output', 'json'], t.env);

    expect(run.code).toBe(0);
    const doc = JSON.parse(run.stdout);
    expect(doc).toMatchObject({
      received: 1,
      resynced: 3,
      puts: 2,
      deletes: 1,
      engineRecords: { resynced: 0 },
      esmBatches: { resynced: 1, records: 5, keys: 3 },
      trimmed: [],
      failed: [],
      unsupported: 0,
    });
    expect(await t.targetItem('k1')).toEqual({ pk: { S: 'k1' }, v: { S: 'fresh' } });
    expect(await t.targetItem('k2')).toEqual({ pk: { S: 'k2' }, v: { S: 'second' } });
    expect(await t.targetItem('k3')).toBeUndefined();
    for (const pk of ['k0', 'k4', 'k5']) {
      expect(await t.targetItem(pk)).toEqual({ pk: { S: pk }, v: { S: 'stale' } });
    }
    expect(await t.queueDepth()).toBe(0);
  });

  it('leaves a batch none of whose records can be read in the queue and exits 3 with one line naming the remedy', async () => {
    const t = await setup();
    const last = BigInt(t.records.at(-1)?.sequenceNumber as string);
    await t.send(esmFailure(t.streamArn, t.shardId, String(last + 1000n), String(last + 1004n), 5));

    // moto answers an iterator past the shard's records with empty pages, as AWS may mid-shard:
    // nothing read is not proof of trimming, so it is a partial re-read, kept like a trimmed batch.
    const run = await cli([...t.args, '--stream-read-seconds', '1'], t.env);

    expect(run.code).toBe(3);
    const lines = run.stdout.split('\n').filter((line) => line.startsWith('not re-synced: ESM batch'));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/partial re-read: 0 of 5 records.*left in the queue.*verify --repair/);
    for (const pk of ['k0', 'k1', 'k2', 'k3', 'k4', 'k5']) {
      expect(await t.targetItem(pk)).toEqual({ pk: { S: pk }, v: { S: 'stale' } });
    }
    expect(await t.queueDepth()).toBe(1);
  });

  it('keeps (never deletes) a batch whose re-read ends before its end sequence number or batchSize, and exits 3 with the reason', async () => {
    const t = await setup();
    const start = t.records[1]?.sequenceNumber as string; // k1
    // The batch ends past what the shard shows yet: the re-read sees 7 of its 50 records, then empty pages.
    const end = String(BigInt(t.records.at(-1)?.sequenceNumber as string) + 1000n);
    await t.send(esmFailure(t.streamArn, t.shardId, start, end, 50));

    const run = await cli([...t.args, '--stream-read-seconds', '1', '--output', 'json'], t.env);

    expect(run.code).toBe(3);
    const doc = JSON.parse(run.stdout);
    expect(doc.esmBatches).toMatchObject({ resynced: 0 });
    expect(doc.failed).toEqual([
      expect.objectContaining({
        kind: 'esm-batch',
        startSequenceNumber: start,
        endSequenceNumber: end,
        error: expect.stringMatching(/partial re-read: 7 of 50 records.*not reached/),
      }),
    ]);
    expect(await t.queueDepth()).toBe(1);
  });

  it('handles engine dead letters and ESM batches in the same queue', async () => {
    const t = await setup();
    const k4 = t.records[6]?.sequenceNumber as string;
    await t.send(esmFailure(t.streamArn, t.shardId, k4, k4, 1));
    await sendDeadLetter(
      t.sqs,
      t.queueUrl,
      failedRecord('k0', t.records[0]?.sequenceNumber as string, t.streamArn),
    );

    const run = await cli([...t.args, '--output', 'json'], t.env);

    expect(run.code).toBe(0);
    const doc = JSON.parse(run.stdout);
    expect(doc).toMatchObject({
      received: 2,
      resynced: 2,
      engineRecords: { resynced: 1 },
      esmBatches: { resynced: 1, records: 1, keys: 1 },
    });
    expect(await t.targetItem('k0')).toEqual({ pk: { S: 'k0' }, v: { S: 'fresh' } });
    expect(await t.targetItem('k4')).toEqual({ pk: { S: 'k4' }, v: { S: 'fresh' } });
    expect(await t.targetItem('k5')).toEqual({ pk: { S: 'k5' }, v: { S: 'stale' } });
    expect(await t.queueDepth()).toBe(0);
  });
});
