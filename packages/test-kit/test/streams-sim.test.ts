import {
  DescribeStreamCommand,
  DynamoDBStreamsClient,
  GetRecordsCommand,
  GetShardIteratorCommand,
  ListStreamsCommand,
  type Shard,
} from '@aws-sdk/client-dynamodb-streams';
import { afterEach, describe, expect, it } from 'vitest';
import {
  type StreamsSim,
  type StreamsSimOptions,
  startStreamsSim,
} from '../src/streams-sim/streams-sim-server.js';

const sims: StreamsSim[] = [];
afterEach(async () => {
  await Promise.all(sims.splice(0).map((s) => s.close()));
});

async function simWithClient(options: StreamsSimOptions = {}) {
  const sim = await startStreamsSim({ seed: 3, ...options });
  sims.push(sim);
  const client = new DynamoDBStreamsClient({
    endpoint: sim.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    maxAttempts: 1,
  });
  return { sim, client };
}

const put = (sim: StreamsSim, pk: string, n = 0) =>
  sim.append({
    eventName: 'INSERT',
    keys: { pk: { S: pk } },
    newImage: { pk: { S: pk }, n: { N: String(n) }, b: { B: new Uint8Array([0, 1, 255]) } },
  });

async function shards(client: DynamoDBStreamsClient, streamArn: string): Promise<Shard[]> {
  const out = await client.send(new DescribeStreamCommand({ StreamArn: streamArn }));
  return out.StreamDescription?.Shards ?? [];
}

async function readAll(client: DynamoDBStreamsClient, streamArn: string, shardId: string) {
  const it = await client.send(
    new GetShardIteratorCommand({
      StreamArn: streamArn,
      ShardId: shardId,
      ShardIteratorType: 'TRIM_HORIZON',
    }),
  );
  let iterator = it.ShardIterator;
  const records = [];
  for (let calls = 0; iterator && calls < 50; calls += 1) {
    const page = await client.send(new GetRecordsCommand({ ShardIterator: iterator }));
    records.push(...(page.Records ?? []));
    iterator = page.NextShardIterator;
    if ((page.Records ?? []).length === 0 && iterator) break;
  }
  return { records, ended: iterator === undefined };
}

const errorName = (p: Promise<unknown>) =>
  p.then(
    () => 'no error',
    (e: Error) => e.name,
  );

describe('simulated DynamoDB Streams endpoint', () => {
  it('serves appended records through the real SDK with AWS-like sequence numbers and whole-second times', async () => {
    const { sim, client } = await simWithClient();
    put(sim, 'a');
    sim.clock.advance(1500);
    put(sim, 'b');
    const [shard] = await shards(client, sim.streamArn);
    expect(shard?.ShardId).toMatch(/^shardId-\d{20}-[0-9a-f]{8}$/);
    const { records, ended } = await readAll(client, sim.streamArn, shard?.ShardId as string);
    expect(ended).toBe(false);
    expect(records.map((r) => r.dynamodb?.Keys?.pk?.S)).toEqual(['a', 'b']);
    const seqs = records.map((r) => r.dynamodb?.SequenceNumber as string);
    for (const s of seqs) expect(s).toMatch(/^\d{21,}$/);
    expect(BigInt(seqs[1] as string) > BigInt(seqs[0] as string)).toBe(true);
    const times = records.map((r) => r.dynamodb?.ApproximateCreationDateTime?.getTime() ?? 0);
    expect(times.every((t) => t % 1000 === 0)).toBe(true);
    expect(records[0]?.dynamodb?.NewImage?.b?.B).toEqual(new Uint8Array([0, 1, 255]));
    const listed = await client.send(new ListStreamsCommand({}));
    expect(listed.Streams?.map((s) => s.StreamArn)).toEqual([sim.streamArn]);
  });

  it('rolls a shard over by record count and by 4 hours of sim clock, the closed one with an end and a child', async () => {
    const { sim, client } = await simWithClient({ rolloverEveryRecords: 3 });
    for (let i = 0; i < 3; i += 1) put(sim, `k${i}`);
    let list = await shards(client, sim.streamArn);
    expect(list).toHaveLength(2);
    expect(list[0]?.SequenceNumberRange?.EndingSequenceNumber).toBeDefined();
    expect(list[1]?.ParentShardId).toBe(list[0]?.ShardId);
    const first = await readAll(client, sim.streamArn, list[0]?.ShardId as string);
    expect(first.records).toHaveLength(3);
    expect(first.ended).toBe(true);
    sim.clock.advance(4 * 3_600_000);
    list = await shards(client, sim.streamArn);
    expect(list).toHaveLength(3);
    expect(list[2]?.ParentShardId).toBe(list[1]?.ShardId);
  });

  it('splits a shard into two children, every record of one key in the same child', async () => {
    const { sim, client } = await simWithClient();
    put(sim, 'before');
    const children = sim.rollover({ split: true });
    expect(children).toHaveLength(2);
    const byKey = new Map<string, string>();
    for (let round = 0; round < 3; round += 1) {
      for (let k = 0; k < 20; k += 1) {
        const shardId = put(sim, `key-${k}`, round)?.shardId as string;
        expect(byKey.get(`key-${k}`) ?? shardId).toBe(shardId);
        byKey.set(`key-${k}`, shardId);
      }
    }
    expect(new Set(byKey.values()).size).toBe(2);
    const list = await shards(client, sim.streamArn);
    expect(list.filter((s) => s.ParentShardId === list[0]?.ShardId)).toHaveLength(2);
  });

  it('lists a closed shard’s children only after the listing delay, while writes already go to them', async () => {
    const { sim, client } = await simWithClient({ childListingDelayMs: 5000 });
    put(sim, 'a');
    sim.rollover();
    put(sim, 'b');
    let list = await shards(client, sim.streamArn);
    expect(list).toHaveLength(1);
    expect(list[0]?.SequenceNumberRange?.EndingSequenceNumber).toBeDefined();
    sim.clock.advance(5000);
    list = await shards(client, sim.streamArn);
    expect(list).toHaveLength(2);
    const child = await readAll(client, sim.streamArn, list[1]?.ShardId as string);
    expect(child.records.map((r) => r.dynamodb?.Keys?.pk?.S)).toEqual(['b']);
  });

  it('trims records past 24 hours: TRIM_HORIZON moves, trimmed positions fail, trimmed shards leave', async () => {
    const { sim, client } = await simWithClient({ rolloverEveryMs: 0 });
    const first = put(sim, 'old');
    sim.rollover();
    sim.clock.advance(3_600_000);
    const kept = put(sim, 'young');
    sim.clock.advance(23 * 3_600_000 + 1);
    const list = await shards(client, sim.streamArn);
    expect(list.map((s) => s.ShardId)).toEqual([kept?.shardId]);
    expect(
      await errorName(
        client.send(
          new GetShardIteratorCommand({
            StreamArn: sim.streamArn,
            ShardId: first?.shardId,
            ShardIteratorType: 'TRIM_HORIZON',
          }),
        ),
      ),
    ).toBe('ResourceNotFoundException');

    sim.clock.advance(55 * 60_000); // 'young' is 5 minutes from the trim point
    const it = await client.send(
      new GetShardIteratorCommand({
        StreamArn: sim.streamArn,
        ShardId: kept?.shardId,
        ShardIteratorType: 'TRIM_HORIZON',
      }),
    );
    put(sim, 'newer');
    sim.clock.advance(10 * 60_000); // trimmed before the (unexpired) iterator is used
    expect(await errorName(client.send(new GetRecordsCommand({ ShardIterator: it.ShardIterator })))).toBe(
      'TrimmedDataAccessException',
    );
    expect(
      await errorName(
        client.send(
          new GetShardIteratorCommand({
            StreamArn: sim.streamArn,
            ShardId: kept?.shardId,
            ShardIteratorType: 'AT_SEQUENCE_NUMBER',
            SequenceNumber: kept?.sequenceNumber,
          }),
        ),
      ),
    ).toBe('TrimmedDataAccessException');
    const rest = await readAll(client, sim.streamArn, kept?.shardId as string);
    expect(rest.records.map((r) => r.dynamodb?.Keys?.pk?.S)).toEqual(['newer']);
  });

  it('expires iterators after 15 minutes of sim clock', async () => {
    const { sim, client } = await simWithClient();
    put(sim, 'a');
    const [shard] = await shards(client, sim.streamArn);
    const it = await client.send(
      new GetShardIteratorCommand({
        StreamArn: sim.streamArn,
        ShardId: shard?.ShardId,
        ShardIteratorType: 'LATEST',
      }),
    );
    sim.clock.advance(15 * 60_000);
    const page = await client.send(new GetRecordsCommand({ ShardIterator: it.ShardIterator }));
    expect(page.Records).toEqual([]);
    sim.clock.advance(15 * 60_000 + 1);
    expect(
      await errorName(client.send(new GetRecordsCommand({ ShardIterator: page.NextShardIterator }))),
    ).toBe('ExpiredIteratorException');
  });

  it('returns empty pages mid-shard at the configured rate and refuses a Limit above 1000', async () => {
    const { sim, client } = await simWithClient({ emptyPageRate: 1 });
    put(sim, 'a');
    const [shard] = await shards(client, sim.streamArn);
    const it = await client.send(
      new GetShardIteratorCommand({
        StreamArn: sim.streamArn,
        ShardId: shard?.ShardId,
        ShardIteratorType: 'TRIM_HORIZON',
      }),
    );
    const empty = await client.send(new GetRecordsCommand({ ShardIterator: it.ShardIterator }));
    expect(empty.Records).toEqual([]);
    sim.setEmptyPageRate(0);
    const full = await client.send(new GetRecordsCommand({ ShardIterator: empty.NextShardIterator }));
    expect(full.Records).toHaveLength(1);
    expect(
      await errorName(client.send(new GetRecordsCommand({ ShardIterator: it.ShardIterator, Limit: 1001 }))),
    ).toBe('ValidationException');
  });

  it('throttles DescribeStream above 10 calls a second of sim clock and pages shards', async () => {
    const { sim, client } = await simWithClient({ rolloverEveryRecords: 1 });
    for (let i = 0; i < 4; i += 1) put(sim, `k${i}`);
    const ids: string[] = [];
    let start: string | undefined;
    do {
      const out = await client.send(
        new DescribeStreamCommand({ StreamArn: sim.streamArn, Limit: 2, ExclusiveStartShardId: start }),
      );
      ids.push(...(out.StreamDescription?.Shards ?? []).map((s) => s.ShardId as string));
      start = out.StreamDescription?.LastEvaluatedShardId;
    } while (start);
    expect(ids).toHaveLength(5);
    expect(new Set(ids).size).toBe(5);
    for (let i = ids.length > 0 ? 3 : 0; i < 10; i += 1) await shards(client, sim.streamArn);
    expect(await errorName(shards(client, sim.streamArn))).toBe('LimitExceededException');
    sim.clock.advance(1001);
    expect(await shards(client, sim.streamArn)).toHaveLength(5);
  });

  it('disables the stream (shards close, DISABLED) and re-enables it with a new ARN', async () => {
    const { sim, client } = await simWithClient();
    put(sim, 'a');
    const oldArn = sim.streamArn;
    sim.disableStream();
    expect(put(sim, 'lost')).toBeUndefined();
    sim.clock.advance(1000);
    const newArn = sim.enableStream();
    expect(newArn).not.toBe(oldArn);
    expect(put(sim, 'b')?.streamArn).toBe(newArn);
    const old = await client.send(new DescribeStreamCommand({ StreamArn: oldArn }));
    expect(old.StreamDescription?.StreamStatus).toBe('DISABLED');
    expect(old.StreamDescription?.Shards?.every((s) => s.SequenceNumberRange?.EndingSequenceNumber)).toBe(
      true,
    );
    const fresh = await client.send(new DescribeStreamCommand({ StreamArn: newArn }));
    expect(fresh.StreamDescription?.StreamStatus).toBe('ENABLED');
    const [shard] = fresh.StreamDescription?.Shards ?? [];
    const read = await readAll(client, newArn, shard?.ShardId as string);
    expect(read.records.map((r) => r.dynamodb?.Keys?.pk?.S)).toEqual(['b']);
  });
});
