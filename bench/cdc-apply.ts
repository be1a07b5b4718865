/**
 * Benchmark of the CDC apply engine on moto (run from the repo root):
 *   pnpm exec tsx --conditions=source bench/cdc-apply.ts [--records 1000] [--keys 200] [--runs 3]
 *
 * Starts its own moto on 127.0.0.1 (test-kit), writes `records` changes over `keys` hot keys to a
 * source table with a NEW_AND_OLD_IMAGES stream (account 123456789012), reads them back from the
 * real stream as ONE Lambda-shaped event, and applies that event to target tables in account
 * 222222222222 (AssumeRole) two ways, in the same run:
 *   engine     - the CDC handler (decode, coalesce per key, parallel BatchWriteItem)
 *   sequential - the seed's method: one PutItem/DeleteItem per record, in order
 * Prints records/s of both, the ratio, and write calls per record; checks both targets equal the
 * source. Never fails on time. moto is one GIL-bound process: only ratios are meaningful.
 */
import {
  BatchWriteItemCommand,
  CreateTableCommand,
  DeleteItemCommand,
  DynamoDBClient,
  PutItemCommand,
  waitUntilTableExists,
  type WriteRequest,
} from '@aws-sdk/client-dynamodb';
import {
  createHandler,
  describeAllShards,
  type LambdaStreamRecord,
  ShardReader,
  toLambdaRecord,
} from '@ddb-migrate/cdc-lambda';
import {
  assumeRoleCredentials,
  createStreamsClient,
  fromDynamoJson,
  type Item,
  itemsEqual,
} from '@ddb-migrate/core';

const REGION = 'us-east-1';
const TARGET_ROLE = 'arn:aws:iam::222222222222:role/cross_account_assume_role';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1] ?? fallback) : fallback;
}

async function createTable(
  client: DynamoDBClient,
  name: string,
  stream: boolean,
): Promise<string | undefined> {
  const out = await client.send(
    new CreateTableCommand({
      TableName: name,
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
      BillingMode: 'PAY_PER_REQUEST',
      ...(stream
        ? { StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' } }
        : {}),
    }),
  );
  await waitUntilTableExists({ client, maxWaitTime: 60 }, { TableName: name });
  return out.TableDescription?.LatestStreamArn;
}

/** A ~300-byte item with a nested binary and a number that floats would break. */
function item(key: number, version: number): Item {
  return {
    pk: { S: `key-${key}` },
    version: { N: String(version) },
    big: { N: `1234567890123456789012345678901234567${version % 10}` },
    payload: { S: 'x'.repeat(200) },
    nested: {
      M: { bin: { B: new Uint8Array([key % 256, version % 256, 255]) }, tags: { SS: ['a', `v${version}`] } },
    },
  };
}

/** Rounds of distinct-key writes (BatchWriteItem refuses duplicate keys in one call); ~1 in 8 is a delete. */
async function writeChanges(client: DynamoDBClient, table: string, records: number, keys: number) {
  const requests: WriteRequest[] = [];
  for (let i = 0; i < records; i += 1) {
    const key = i % keys;
    const version = Math.floor(i / keys);
    requests.push(
      version > 0 && (key * 7 + version) % 8 === 0
        ? { DeleteRequest: { Key: { pk: { S: `key-${key}` } } } }
        : { PutRequest: { Item: item(key, version) } },
    );
  }
  for (let i = 0; i < requests.length; i += 25) {
    await client.send(new BatchWriteItemCommand({ RequestItems: { [table]: requests.slice(i, i + 25) } }));
  }
}

/** Reads the stream back (the root workspace has no Streams SDK of its own: core's client, cdc-lambda's reader). */
async function readStream(streams: ReturnType<typeof createStreamsClient>, streamArn: string, want: number) {
  const { shards } = await describeAllShards(streams, streamArn);
  const records: LambdaStreamRecord[] = [];
  for (const shard of shards) {
    const reader = new ShardReader({
      client: streams,
      streamArn,
      shardId: shard.shardId,
      sleep: async () => {},
    });
    for (;;) {
      const page = await reader.next(1000);
      records.push(...page.records.map((r) => toLambdaRecord(r, streamArn)));
      if (page.records.length === 0 || page.ended || records.length >= want) break;
    }
  }
  return records.slice(0, want);
}

/** Counts write calls going through a client. */
function counting(client: DynamoDBClient) {
  const counter = { writes: 0 };
  const send = client.send.bind(client) as (command: unknown) => Promise<unknown>;
  const wrapped = {
    send: (command: unknown) => {
      const name = (command as { constructor: { name: string } }).constructor.name;
      if (/^(BatchWriteItem|PutItem|DeleteItem)Command$/.test(name)) counter.writes += 1;
      return send(command);
    },
  } as unknown as DynamoDBClient;
  return { client: wrapped, counter };
}

/** The seed's apply: one call per record, in stream order. */
async function applySequential(client: DynamoDBClient, table: string, records: LambdaStreamRecord[]) {
  for (const record of records) {
    const d = record.dynamodb ?? {};
    if (record.eventName === 'REMOVE') {
      await client.send(new DeleteItemCommand({ TableName: table, Key: fromDynamoJson(d.Keys) }));
    } else {
      await client.send(new PutItemCommand({ TableName: table, Item: fromDynamoJson(d.NewImage) }));
    }
  }
}

async function scan(client: DynamoDBClient, table: string): Promise<Map<string, Item>> {
  const { ScanCommand } = await import('@aws-sdk/client-dynamodb');
  const items = new Map<string, Item>();
  let start: Record<string, never> | undefined;
  do {
    const out = await client.send(new ScanCommand({ TableName: table, ExclusiveStartKey: start }));
    for (const i of out.Items ?? []) items.set(i.pk?.S as string, i);
    start = out.LastEvaluatedKey as never;
  } while (start);
  return items;
}

async function sameAs(source: Map<string, Item>, client: DynamoDBClient, table: string): Promise<boolean> {
  const target = await scan(client, table);
  if (target.size !== source.size) return false;
  for (const [k, v] of source) {
    const t = target.get(k);
    if (!t || !itemsEqual(v, t)) return false;
  }
  return true;
}

async function main() {
  const recordsWanted = arg('records', 1000);
  const keys = arg('keys', 200);
  const runs = arg('runs', 3);
  const { startMotoServer } = await import('@ddb-migrate/test-kit');
  const moto = await startMotoServer();
  try {
    const base = {
      region: REGION,
      endpoint: moto.endpoint,
      credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
    };
    const source = new DynamoDBClient(base);
    const target = new DynamoDBClient({
      ...base,
      credentials: assumeRoleCredentials(base, { roleArn: TARGET_ROLE, sessionName: 'bench' }),
    });
    const streams = createStreamsClient(base);
    const streamArn = (await createTable(source, 'bench-src', true)) as string;
    await writeChanges(source, 'bench-src', recordsWanted, keys);
    const records = await readStream(streams, streamArn, recordsWanted);
    const sourceItems = await scan(source, 'bench-src');
    console.log(
      `cdc-apply benchmark: moto ${moto.endpoint}; one event of ${records.length} stream records over ${keys} keys (${sourceItems.size} items remain)`,
    );

    // Baseline: the seed's sequential method.
    await createTable(target, 'bench-seq', false);
    const seq = counting(target);
    const t0 = performance.now();
    await applySequential(seq.client, 'bench-seq', records);
    const seqMs = performance.now() - t0;
    const seqOk = await sameAs(sourceItems, target, 'bench-seq');

    // Engine: the CDC handler, fresh target table per run.
    const engineMs: number[] = [];
    let engineWrites = 0;
    let engineOk = true;
    for (let run = 0; run < runs; run += 1) {
      const table = `bench-engine-${run}`;
      await createTable(target, table, false);
      const eng = counting(target);
      const handler = createHandler(
        { targetTableId: table, ttlDeletes: 'replicate', keyNames: { partitionKey: 'pk' } },
        { target: eng.client },
      );
      const t1 = performance.now();
      const response = await handler({ Records: records }, { getRemainingTimeInMillis: () => 60_000 });
      engineMs.push(performance.now() - t1);
      engineWrites = eng.counter.writes;
      engineOk &&= response.batchItemFailures.length === 0 && (await sameAs(sourceItems, target, table));
    }
    const median = engineMs.sort((a, b) => a - b)[Math.floor(engineMs.length / 2)] as number;
    const rate = (ms: number) => records.length / (ms / 1000);
    console.log(
      `  sequential (seed): ${rate(seqMs).toFixed(0)} records/s, ${(seq.counter.writes / records.length).toFixed(3)} write calls/record (${seq.counter.writes} calls, ${seqMs.toFixed(0)} ms), target equal: ${seqOk}`,
    );
    console.log(
      `  engine (median of ${runs}): ${rate(median).toFixed(0)} records/s, ${(engineWrites / records.length).toFixed(3)} write calls/record (${engineWrites} calls, ${median.toFixed(0)} ms), target equal: ${engineOk}`,
    );
    console.log(
      `  ratio: ${(seqMs / median).toFixed(1)}x records/s (target >= 10x); write calls/record ${(engineWrites / records.length).toFixed(3)} (target <= 0.06)`,
    );
  } finally {
    await moto.stop();
  }
}

await main();
