import { GetRecordsCommand, GetShardIteratorCommand } from '@aws-sdk/client-dynamodb-streams';
import { describe, expect, it } from 'vitest';
import { parseMessage } from '../src/commands/replay-dlq/parse-message.js';
import { readBatchKeys } from '../src/commands/replay-dlq/read-batch-keys.js';
import { BatchTrimmedError } from '../src/errors.js';

const batch = {
  shardId: 'shardId-1',
  startSequenceNumber: '98',
  endSequenceNumber: '100',
  streamArn: 'arn:aws:dynamodb:us-east-1:123456789012:table/t/stream/2026-01-01T00:00:00.000',
};

const record = (seq: string, pk: string, sk = 'a') => ({
  dynamodb: { SequenceNumber: seq, Keys: { pk: { S: pk }, sk: { S: sk } } },
});

/** A Streams client that serves `pages` in order and records the calls. */
function fakeStreams(pages: { Records?: unknown[]; NextShardIterator?: string }[], fail?: Error) {
  const calls: unknown[] = [];
  let page = 0;
  return {
    calls,
    client: {
      send: async (command: unknown) => {
        calls.push(command);
        if (fail) throw fail;
        if (command instanceof GetShardIteratorCommand) return { ShardIterator: 'it-0' };
        if (command instanceof GetRecordsCommand) return pages[page++] ?? { Records: [] };
        throw new Error('unexpected command');
      },
    } as never,
  };
}

const named = (name: string) => Object.assign(new Error(name), { name });

describe('parseMessage', () => {
  it('recognises a Lambda ESM on-failure record by its DDBStreamBatchInfo', () => {
    const body = JSON.stringify({
      requestContext: { condition: 'RetryAttemptsExhausted' },
      DDBStreamBatchInfo: { ...batch, batchSize: 3, approximateArrivalOfFirstRecord: '2026-01-01T00:00:00Z' },
    });
    expect(parseMessage(body)).toEqual({
      kind: 'esm-batch',
      message: {
        condition: 'RetryAttemptsExhausted',
        batch: { ...batch, batchSize: 3, approximateArrivalOfFirstRecord: '2026-01-01T00:00:00Z' },
      },
    });
  });

  it('treats non-JSON, foreign JSON and batch info without sequence numbers as unsupported', () => {
    expect(parseMessage('not json').kind).toBe('unsupported');
    expect(parseMessage('{"hello":1}').kind).toBe('unsupported');
    expect(
      parseMessage(JSON.stringify({ DDBStreamBatchInfo: { ...batch, startSequenceNumber: 'x' } })).kind,
    ).toBe('unsupported');
  });
});

describe('readBatchKeys', () => {
  it('reads at the start sequence number and stops past the end, comparing sequence numbers as integers', async () => {
    const streams = fakeStreams([
      { Records: [record('98', 'a'), record('99', 'b')], NextShardIterator: 'it-1' },
      { Records: [record('99', 'b'), record('100', 'c'), record('101', 'd')], NextShardIterator: 'it-2' },
    ]);

    const out = await readBatchKeys(streams.client, batch);

    expect(out.records).toBe(3); // 98, 99, 100: a sequence number seen twice is one record
    expect(out.keys.map((k) => k.pk?.S)).toEqual(['a', 'b', 'c']);
    expect(out.complete).toBe(true);
    expect((streams.calls[0] as GetShardIteratorCommand).input).toMatchObject({
      ShardIteratorType: 'AT_SEQUENCE_NUMBER',
      SequenceNumber: '98',
      ShardId: 'shardId-1',
    });
    expect(streams.calls).toHaveLength(3); // no GetRecords after the record past the end
  });

  it('stops when the shard ends', async () => {
    const streams = fakeStreams([{ Records: [record('98', 'a')] }]);

    const out = await readBatchKeys(streams.client, batch);

    expect(out).toMatchObject({ keys: [{ pk: { S: 'a' }, sk: { S: 'a' } }], records: 1, complete: true });
  });

  it.each([
    ['TrimmedDataAccessException', /trimmed/],
    ['ResourceNotFoundException', /shard or stream no longer exists/],
  ])('reports %s as a trimmed batch', async (name, message) => {
    const streams = fakeStreams([], named(name));

    const error = await readBatchKeys(streams.client, batch).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(BatchTrimmedError);
    expect((error as Error).message).toMatch(message);
  });

  it('reports a batch as trimmed when no record of its range is found', async () => {
    const streams = fakeStreams([{ Records: [record('150', 'z')], NextShardIterator: 'it-1' }]);

    await expect(readBatchKeys(streams.client, batch)).rejects.toThrow(/no record found in that range/);
  });

  it('passes other errors through (they are failures, not trimming)', async () => {
    const streams = fakeStreams([], named('AccessDeniedException'));

    const error = await readBatchKeys(streams.client, batch).catch((e: unknown) => e);

    expect(error).not.toBeInstanceOf(BatchTrimmedError);
    expect((error as Error).name).toBe('AccessDeniedException');
  });
});

/**
 * An open shard: `pages` in order, then empty pages with a next iterator forever (the tail of an
 * open shard, or records not readable yet). GetRecords "returns an empty list" when the portion of
 * the shard the iterator points to has no records, and "it might take multiple calls to get to a
 * portion of the shard that contains stream records" (DynamoDB Streams API reference, GetRecords,
 * https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_streams_GetRecords.html).
 */
function openShard(pages: { Records?: unknown[] }[]) {
  const calls: unknown[] = [];
  let page = 0;
  return {
    calls,
    getRecordsCalls: () => calls.filter((c) => c instanceof GetRecordsCommand).length,
    client: {
      send: async (command: unknown) => {
        calls.push(command);
        if (command instanceof GetShardIteratorCommand) return { ShardIterator: 'it-0' };
        if (command instanceof GetRecordsCommand) {
          const next = pages[page] ?? { Records: [] };
          page += 1;
          return { ...next, NextShardIterator: `it-${page}` };
        }
        throw new Error('unexpected command');
      },
    } as never,
  };
}

/** A virtual clock: sleeping advances it, so a time bound is reached without waiting. */
function virtualClock() {
  let now = 0;
  return {
    now: () => now,
    sleep: async (ms: number) => {
      now += ms;
    },
  };
}

describe('readBatchKeys on AWS-shaped shards (empty pages mid-shard)', () => {
  const empty = { Records: [] };

  it('keeps reading through more than three empty pages in the middle of a shard until the end sequence number', async () => {
    const streams = openShard([
      { Records: [record('98', 'a')] },
      empty,
      empty,
      empty,
      empty,
      empty,
      {
        Records: [record('99', 'b'), record('100', 'c')],
      },
    ]);

    const out = await readBatchKeys(streams.client, { ...batch, batchSize: 3 }, virtualClock());

    expect(out.complete).toBe(true);
    expect(out.records).toBe(3);
    expect(out.keys.map((k) => k.pk?.S)).toEqual(['a', 'b', 'c']);
  });

  it('stops as soon as the end sequence number is read, without polling the shard further', async () => {
    const streams = openShard([{ Records: [record('98', 'a'), record('99', 'b'), record('100', 'c')] }]);

    const out = await readBatchKeys(streams.client, batch, virtualClock());

    expect(out.complete).toBe(true);
    expect(streams.getRecordsCalls()).toBe(1);
  });

  it('stops once batchSize records of the range are read', async () => {
    const streams = openShard([{ Records: [record('98', 'a'), record('99', 'b')] }]);

    const out = await readBatchKeys(streams.client, { ...batch, batchSize: 2 }, virtualClock());

    expect(out).toMatchObject({ complete: true, records: 2 });
    expect(streams.getRecordsCalls()).toBe(1);
  });

  it('reports a partial read (not complete) when the time bound passes before the end or batchSize is reached', async () => {
    const streams = openShard([{ Records: [record('98', 'a')] }]);

    const out = await readBatchKeys(
      streams.client,
      { ...batch, batchSize: 3 },
      { ...virtualClock(), readMs: 5_000 },
    );

    expect(out.complete).toBe(false);
    expect(out.records).toBe(1);
    expect(out.reason).toMatch(/1 of 3 records.*100 not reached/);
    expect(streams.getRecordsCalls()).toBeGreaterThan(3);
  });

  it('reports a read that found nothing before the time bound as partial, not as trimmed', async () => {
    const streams = openShard([]);

    const out = await readBatchKeys(streams.client, batch, { ...virtualClock(), readMs: 5_000 });

    expect(out).toMatchObject({ complete: false, records: 0, keys: [] });
  });
});
