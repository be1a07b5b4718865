import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DeleteItemCommand,
  GetItemCommand,
  PutItemCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import {
  expectTablesEqual,
  generateItems,
  motoEndpoint,
  scanAll,
  startFaultProxy,
  putItems,
} from '@ddb-migrate/test-kit';
import type { Item } from '@ddb-migrate/core';
import { describe, expect, it } from 'vitest';
import { cutoffEpochSeconds, parseExportTime } from '../src/config/export-time.js';
import { cdcStand } from './int-helpers.js';

describe('CDC through a real moto stream, the runner and the handler', () => {
  it('converges for every attribute type, changes of one key in one batch, and remove then re-insert', async () => {
    const stand = await cdcStand();
    const items = generateItems(40, { seed: 3 });
    await putItems(stand.source, stand.src.name, items);
    const k = (i: number) => items[i]?.pk as { S: string };
    const t = stand.src.name;
    // insert, modify, remove of one key inside one batch
    await stand.source.send(
      new PutItemCommand({ TableName: t, Item: { pk: { S: 'churn' }, v: { N: '1' } } }),
    );
    await stand.source.send(
      new UpdateItemCommand({
        TableName: t,
        Key: { pk: { S: 'churn' } },
        UpdateExpression: 'SET v = :v, bs = :bs',
        ExpressionAttributeValues: {
          ':v': { N: '2' },
          ':bs': { BS: [new Uint8Array([1]), new Uint8Array([2, 3])] },
        },
      }),
    );
    await stand.source.send(new DeleteItemCommand({ TableName: t, Key: { pk: { S: 'churn' } } }));
    // remove then re-insert
    await stand.source.send(new DeleteItemCommand({ TableName: t, Key: { pk: k(1) } }));
    await stand.source.send(
      new PutItemCommand({
        TableName: t,
        Item: {
          pk: k(1),
          back: { M: { bin: { B: new Uint8Array([0, 255]) }, l: { L: [{ BS: [new Uint8Array([9])] }] } } },
        },
      }),
    );
    // UpdateItem on a new key (moto emits two INSERTs) and a plain modify
    await stand.source.send(
      new UpdateItemCommand({
        TableName: t,
        Key: { pk: { S: 'fresh' } },
        UpdateExpression: 'SET n = :n',
        ExpressionAttributeValues: { ':n': { N: '12345678901234567890123456789012345678' } },
      }),
    );
    await stand.source.send(
      new UpdateItemCommand({
        TableName: t,
        Key: { pk: k(2) },
        UpdateExpression: 'SET extra = :e',
        ExpressionAttributeValues: { ':e': { NS: ['1.50', '-1E-130'] } },
      }),
    );

    const summary = await stand.run({}, { batchSize: 1000 });

    expect(summary.stoppedBy).toBe('idle');
    await expectTablesEqual(stand.source, stand.src.name, stand.target, stand.tgt.name);
    const totals = stand.totals();
    expect(totals.records).toBe(summary.records);
    expect(totals.coalesced).toBeGreaterThanOrEqual(4);
    expect(totals.applied + totals.coalesced + totals.skipped).toBe(totals.records);
    expect(totals.failed + totals.dlq).toBe(0);
  });

  it('fetches current items for a KEYS_ONLY stream', async () => {
    const stand = await cdcStand({ stream: 'KEYS_ONLY' });
    const items = generateItems(20, { seed: 5 });
    await putItems(stand.source, stand.src.name, items);
    await stand.source.send(
      new DeleteItemCommand({ TableName: stand.src.name, Key: { pk: items[0]?.pk as never } }),
    );
    await stand.source.send(
      new PutItemCommand({
        TableName: stand.src.name,
        Item: { pk: items[1]?.pk as never, v: { S: 'changed' } },
      }),
    );

    await stand.run();

    await expectTablesEqual(stand.source, stand.src.name, stand.target, stand.tgt.name);
    expect(stand.totals().fetched).toBeGreaterThan(0);
  });

  it('skips records older than the export cutoff and replays those inside the margin', async () => {
    const stand = await cdcStand();
    const t = stand.src.name;
    for (const pk of ['before-1', 'before-2']) {
      await stand.source.send(new PutItemCommand({ TableName: t, Item: { pk: { S: pk } } }));
    }
    // The cutoff falls on the next whole second: everything above was written before it.
    const cutoff = Math.ceil(Date.now() / 1000 + 0.001);
    await new Promise((r) => setTimeout(r, cutoff * 1000 - Date.now() + 50));
    for (const pk of ['after-1', 'after-2']) {
      await stand.source.send(new PutItemCommand({ TableName: t, Item: { pk: { S: pk } } }));
    }
    // EXPORT_TIME in the seed's form, 150 s after the cutoff, with a 150 s margin.
    const exportTime = new Date((cutoff + 150) * 1000)
      .toISOString()
      .replace('T', ' ')
      .replace(/\.\d+Z$/, '+0000');
    const config = { cutoffEpochSeconds: cutoffEpochSeconds(parseExportTime(exportTime), 150) };
    expect(config.cutoffEpochSeconds).toBe(cutoff);

    await stand.run(config);

    const keys = (await scanAll(stand.target, stand.tgt.name)).map((i) => i.pk?.S).sort();
    expect(keys).toEqual(['after-1', 'after-2']);
    expect(stand.totals().skippedByCutoff).toBe(2);
  });

  it('replicates or skips TTL deletes as configured (crafted events: moto emits none)', async () => {
    const stand = await cdcStand();
    await stand.source.send(
      new PutItemCommand({ TableName: stand.src.name, Item: { pk: { S: 'expiring' } } }),
    );
    await stand.run();
    const ttlDelete = (seq: string) => ({
      eventName: 'REMOVE' as const,
      eventSourceARN: stand.src.streamArn as string,
      dynamodb: {
        Keys: { pk: { S: 'expiring' } },
        SequenceNumber: seq,
        ApproximateCreationDateTime: Math.floor(Date.now() / 1000),
      },
      userIdentity: { type: 'Service', principalId: 'dynamodb.amazonaws.com' },
    });
    const get = () =>
      stand.target.send(new GetItemCommand({ TableName: stand.tgt.name, Key: { pk: { S: 'expiring' } } }));

    const skipped = await stand.handlerFor({ ttlDeletes: 'skip' })({
      Records: [ttlDelete('9000000000000000000001')],
    });
    expect(skipped.batchItemFailures).toEqual([]);
    expect((await get()).Item).toBeDefined();

    const replicated = await stand.handlerFor()({ Records: [ttlDelete('9000000000000000000002')] });
    expect(replicated.batchItemFailures).toEqual([]);
    expect((await get()).Item).toBeUndefined();
  });

  it('keeps an item the TTL process deleted on a KEYS_ONLY stream in skip mode (crafted events: moto emits none)', async () => {
    const stand = await cdcStand({ stream: 'KEYS_ONLY' });
    const t = stand.src.name;
    for (const pk of ['expired', 'expires-later']) {
      await stand.source.send(
        new PutItemCommand({ TableName: t, Item: { pk: { S: pk }, v: { S: 'kept' } } }),
      );
    }
    await stand.run();
    // The TTL process removes both from the source; fetch-on-change then finds them gone.
    for (const pk of ['expired', 'expires-later']) {
      await stand.source.send(new DeleteItemCommand({ TableName: t, Key: { pk: { S: pk } } }));
    }
    const record = (pk: string, seq: string, ttl = false) => ({
      eventName: ttl ? ('REMOVE' as const) : ('MODIFY' as const),
      eventSourceARN: stand.src.streamArn as string,
      dynamodb: {
        Keys: { pk: { S: pk } },
        SequenceNumber: seq,
        ApproximateCreationDateTime: Math.floor(Date.now() / 1000),
        StreamViewType: 'KEYS_ONLY' as const,
      },
      ...(ttl ? { userIdentity: { type: 'Service', principalId: 'dynamodb.amazonaws.com' } } : {}),
    });
    const targetKeys = async () => (await scanAll(stand.target, stand.tgt.name)).map((i) => i.pk?.S).sort();

    // A user write coalescing with its TTL delete, and one whose TTL delete is still ahead.
    const skipped = await stand.handlerFor({ ttlDeletes: 'skip' })({
      Records: [
        record('expired', '9100000000000000000001'),
        record('expired', '9100000000000000000002', true),
        record('expires-later', '9100000000000000000003'),
      ],
    });
    expect(skipped.batchItemFailures).toEqual([]);
    expect(await targetKeys()).toEqual(['expired', 'expires-later']);

    const replicated = await stand.handlerFor()({
      Records: [
        record('expired', '9100000000000000000004', true),
        record('expires-later', '9100000000000000000005'),
      ],
    });
    expect(replicated.batchItemFailures).toEqual([]);
    expect(await targetKeys()).toEqual([]);
  });

  it('loses nothing under throttles and 500s on the target, and parks a poison record in SQS whole', async () => {
    const proxy = await startFaultProxy({
      target: motoEndpoint(),
      rules: [
        {
          service: 'dynamodb',
          operation: 'BatchWriteItem',
          throttleRate: 0.25,
          errorRate: 0.08,
          errorStatus: 'mixed',
        },
      ],
      seed: 7,
    });
    try {
      const stand = await cdcStand({
        targetEndpoint: proxy.endpoint,
        targetGsis: [{ name: 'by-g', partitionKey: 'g' }],
      });
      const items = generateItems(150, { seed: 11 }).map(
        (item, i): Item => ({ ...item, g: { S: `g${i % 7}` } }),
      );
      await putItems(stand.source, stand.src.name, items);
      for (const item of items.slice(0, 60)) {
        await stand.source.send(
          new UpdateItemCommand({
            TableName: stand.src.name,
            Key: { pk: item.pk as never },
            UpdateExpression: 'SET g = :g',
            ExpressionAttributeValues: { ':g': { S: 'moved' } },
          }),
        );
      }
      // The source accepts an empty string here; the target's GSI key cannot hold it.
      await stand.source.send(
        new PutItemCommand({ TableName: stand.src.name, Item: { pk: { S: 'poison' }, g: { S: '' } } }),
      );

      await stand.run({}, { batchSize: 100 });

      const stats = proxy.stats().total;
      expect(stats.throttled).toBeGreaterThan(0);
      expect(stats.errors).toBeGreaterThan(0);
      const received = await stand.sqs.send(
        new ReceiveMessageCommand({ QueueUrl: stand.queue.url, MaxNumberOfMessages: 10 }),
      );
      expect(received.Messages).toHaveLength(1);
      const body = JSON.parse(received.Messages?.[0]?.Body ?? '{}');
      expect(body.errorCode).toBe('ValidationException');
      expect(body.record.dynamodb.Keys).toEqual({ pk: { S: 'poison' } });
      expect(body.record.dynamodb.NewImage).toEqual({ pk: { S: 'poison' }, g: { S: '' } });
      expect(body.record.eventSourceARN).toBe(stand.src.streamArn);
      // Everything but the poison key landed.
      await stand.source.send(
        new DeleteItemCommand({ TableName: stand.src.name, Key: { pk: { S: 'poison' } } }),
      );
      await expectTablesEqual(stand.source, stand.src.name, stand.target, stand.tgt.name);
      expect(stand.totals().dlq).toBe(1);
    } finally {
      await proxy.close();
    }
  });

  it('converges after the runner is stopped mid-stream and restarted from its checkpoint', async () => {
    const stand = await cdcStand();
    const checkpointFile = join(await mkdtemp(join(tmpdir(), 'cdc-int-')), 'checkpoint.json');
    await putItems(stand.source, stand.src.name, generateItems(120, { seed: 21 }));
    const abort = new AbortController();
    const first = await stand.run(
      {},
      { batchSize: 25, checkpointFile, signal: abort.signal, onProgress: () => abort.abort() },
    );
    expect(first.stoppedBy).toBe('aborted');
    expect(first.records).toBe(25);
    const saved = JSON.parse(await readFile(checkpointFile, 'utf8'));
    expect(Object.values(saved.shards)[0]).toHaveProperty('sequenceNumber');
    // Writes keep coming while the runner is down.
    await putItems(stand.source, stand.src.name, generateItems(30, { seed: 22 }));
    await stand.source.send(
      new DeleteItemCommand({
        TableName: stand.src.name,
        Key: { pk: (await scanAll(stand.source, stand.src.name))[0]?.pk as never },
      }),
    );

    const second = await stand.run({}, { batchSize: 25, checkpointFile });

    expect(second.records).toBe(120 + 30 + 1 - 25);
    await expectTablesEqual(stand.source, stand.src.name, stand.target, stand.tgt.name);
  });
});
