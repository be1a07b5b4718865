import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { LambdaStreamEvent, StreamBatchResponse } from '../src/apply/stream-event.js';
import { runStream } from '../src/runner/stream-runner.js';
import { FakeStreams } from './fake-streams.js';

const STREAM_ARN = 'arn:aws:dynamodb:us-east-1:123456789012:table/t/stream/label';
const fast = { sleep: async () => {}, pollIntervalMs: 0, stopAfterIdleSeconds: 0.05, describeIntervalMs: 0 };

function collectingHandler(fail?: (seq: string, delivery: number) => boolean) {
  const delivered: string[] = [];
  const events: LambdaStreamEvent[] = [];
  let delivery = 0;
  const handler = async (event: LambdaStreamEvent): Promise<StreamBatchResponse> => {
    delivery += 1;
    events.push(event);
    for (const record of event.Records) {
      const seq = record.dynamodb?.SequenceNumber as string;
      if (fail?.(seq, delivery)) return { batchItemFailures: [{ itemIdentifier: seq }] };
      delivered.push(seq);
    }
    return { batchItemFailures: [] };
  };
  return { handler, delivered, events };
}

describe('runStream against a fake Streams API', () => {
  it('drains closed parents before their children and reads every shard once', async () => {
    const fake = new FakeStreams();
    fake.addShard('parent');
    fake.addShard('child', { parent: 'parent' });
    fake.addShard('other');
    const parentSeqs = ['a', 'b', 'c'].map((pk) => fake.put('parent', pk));
    fake.close('parent');
    const childSeqs = ['d', 'e'].map((pk) => fake.put('child', pk));
    const otherSeqs = [fake.put('other', 'f')];
    const { handler, delivered } = collectingHandler();
    const summary = await runStream({ streams: fake, streamArn: STREAM_ARN, handler, batchSize: 2, ...fast });
    expect(summary.stoppedBy).toBe('idle');
    expect([...delivered].sort()).toEqual([...parentSeqs, ...childSeqs, ...otherSeqs].sort());
    const lastParent = Math.max(...parentSeqs.map((s) => delivered.indexOf(s)));
    const firstChild = Math.min(...childSeqs.map((s) => delivered.indexOf(s)));
    expect(lastParent).toBeLessThan(firstChild);
    expect(summary.checkpoints.parent).toMatchObject({ closed: true });
    expect(fake.calls.filter((c) => c === 'DescribeStream').length).toBeGreaterThanOrEqual(3); // paginated
  });

  it('delivers Lambda-shaped events with wire-JSON images and epoch-second timestamps', async () => {
    const fake = new FakeStreams();
    fake.addShard('s');
    fake.put('s', 'k');
    const { handler, events } = collectingHandler();
    await runStream({ streams: fake, streamArn: STREAM_ARN, handler, ...fast });
    const record = events[0]?.Records[0];
    expect(record?.eventSourceARN).toBe(STREAM_ARN);
    expect(record?.dynamodb?.NewImage).toEqual({ pk: { S: 'k' }, v: { S: 'k' }, b: { B: 'AP8=' } });
    expect(Number.isInteger(record?.dynamodb?.ApproximateCreationDateTime)).toBe(true);
    expect(JSON.parse(JSON.stringify(record))).toEqual(record);
  });

  it('re-acquires an expired iterator after the last record read, losing and repeating nothing', async () => {
    const fake = new FakeStreams();
    fake.addShard('s');
    const seqs = ['a', 'b', 'c', 'd'].map((pk) => fake.put('s', pk));
    const { handler, delivered } = collectingHandler((seq) => {
      if (seq === seqs[1]) fake.failNext.set('s', 'ExpiredIteratorException');
      return false;
    });
    await runStream({ streams: fake, streamArn: STREAM_ARN, handler, batchSize: 2, ...fast });
    expect(delivered).toEqual(seqs);
    expect(fake.calls).toContain(`GetShardIterator s AFTER_SEQUENCE_NUMBER ${seqs[1]}`);
  });

  it('backs off on LimitExceeded and carries on', async () => {
    const fake = new FakeStreams();
    fake.addShard('s');
    const seqs = ['a', 'b'].map((pk) => fake.put('s', pk));
    fake.failNext.set('s', 'LimitExceededException');
    const { handler, delivered } = collectingHandler();
    await runStream({ streams: fake, streamArn: STREAM_ARN, handler, ...fast });
    expect(delivered).toEqual(seqs);
  });

  it('surfaces data trimmed after a record it read as an error instead of skipping it', async () => {
    const fake = new FakeStreams();
    fake.addShard('s');
    const seqs = ['a', 'b', 'c'].map((pk) => fake.put('s', pk));
    // After the first batch the retention removes what the next GetRecords would read.
    const { handler } = collectingHandler((seq) => {
      if (seq === seqs[0]) fake.trim('s', 2);
      return false;
    });
    await expect(
      runStream({ streams: fake, streamArn: STREAM_ARN, handler, batchSize: 1, ...fast }),
    ).rejects.toMatchObject({ code: 'STREAM_TRIMMED' });
  });

  it('redelivers from the failed sequence number and checkpoints the records before it', async () => {
    const fake = new FakeStreams();
    fake.addShard('s');
    const seqs = ['a', 'b', 'c'].map((pk) => fake.put('s', pk));
    const { handler, events, delivered } = collectingHandler(
      (seq, delivery) => seq === seqs[1] && delivery === 1,
    );
    await runStream({ streams: fake, streamArn: STREAM_ARN, handler, ...fast });
    expect(events[1]?.Records.map((r) => r.dynamodb?.SequenceNumber)).toEqual(seqs.slice(1));
    expect(delivered).toEqual(seqs);
  });

  it('stops with an error after bounded redeliveries and never checkpoints past the failing record', async () => {
    const fake = new FakeStreams();
    fake.addShard('s');
    const seqs = ['a', 'b', 'c'].map((pk) => fake.put('s', pk));
    const dir = await mkdtemp(join(tmpdir(), 'cdc-runner-'));
    const checkpointFile = join(dir, 'cp.json');
    const { handler } = collectingHandler((seq) => seq === seqs[1]);
    await expect(
      runStream({
        streams: fake,
        streamArn: STREAM_ARN,
        handler,
        checkpointFile,
        maxBatchRetries: 3,
        ...fast,
      }),
    ).rejects.toMatchObject({ code: 'CDC_RECORD_FAILING' });
    const state = JSON.parse(await readFile(checkpointFile, 'utf8'));
    expect(state.shards.s.sequenceNumber).toBe(seqs[0]);
  });

  it('resumes from the checkpoint file after being stopped mid-stream', async () => {
    const fake = new FakeStreams();
    fake.addShard('s');
    const seqs = ['a', 'b', 'c', 'd', 'e'].map((pk) => fake.put('s', pk));
    const dir = await mkdtemp(join(tmpdir(), 'cdc-runner-'));
    const checkpointFile = join(dir, 'cp.json');
    const abort = new AbortController();
    const first = collectingHandler();
    const s1 = await runStream({
      streams: fake,
      streamArn: STREAM_ARN,
      handler: first.handler,
      checkpointFile,
      batchSize: 2,
      signal: abort.signal,
      onProgress: () => abort.abort(),
      ...fast,
    });
    expect(s1.stoppedBy).toBe('aborted');
    expect(first.delivered).toEqual(seqs.slice(0, 2));
    const second = collectingHandler();
    await runStream({
      streams: fake,
      streamArn: STREAM_ARN,
      handler: second.handler,
      checkpointFile,
      ...fast,
    });
    expect(second.delivered).toEqual(seqs.slice(2));
    expect(fake.calls).toContain(`GetShardIterator s AFTER_SEQUENCE_NUMBER ${seqs[1]}`);
  });

  it('refuses a checkpoint file written for another stream', async () => {
    const fake = new FakeStreams();
    fake.addShard('s');
    fake.put('s', 'a');
    const dir = await mkdtemp(join(tmpdir(), 'cdc-runner-'));
    const checkpointFile = join(dir, 'cp.json');
    const { handler } = collectingHandler();
    await runStream({ streams: fake, streamArn: STREAM_ARN, handler, checkpointFile, ...fast });
    await expect(
      runStream({ streams: fake, streamArn: `${STREAM_ARN}2`, handler, checkpointFile, ...fast }),
    ).rejects.toThrow(/belongs to stream/);
  });

  it('stops as drained once the stream is DISABLED and every shard is closed and read', async () => {
    const fake = new FakeStreams();
    fake.addShard('s', { closed: true });
    fake.addShard('t', { parent: 's', closed: true });
    fake.status = 'DISABLED';
    const { handler } = collectingHandler();
    const summary = await runStream({
      streams: fake,
      streamArn: STREAM_ARN,
      handler,
      ...fast,
      stopAfterIdleSeconds: 60,
    });
    expect(summary).toMatchObject({ stoppedBy: 'drained', shardsDrained: 2 });
  });
});

describe('runStream retention guard', () => {
  it('stops when a shard it had not finished has been trimmed away', async () => {
    const fake = new FakeStreams();
    fake.addShard('old');
    fake.put('old', 'a');
    const dir = await mkdtemp(join(tmpdir(), 'cdc-runner-'));
    const checkpointFile = join(dir, 'cp.json');
    const first = collectingHandler();
    await runStream({
      streams: fake,
      streamArn: STREAM_ARN,
      handler: first.handler,
      checkpointFile,
      ...fast,
    });
    fake.shards.splice(0, 1);
    fake.addShard('new', { parent: 'old' });
    await expect(
      runStream({ streams: fake, streamArn: STREAM_ARN, handler: first.handler, checkpointFile, ...fast }),
    ).rejects.toMatchObject({ code: 'STREAM_TRIMMED' });
  });
});
