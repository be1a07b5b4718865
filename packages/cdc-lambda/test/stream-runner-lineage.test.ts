import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InternalError } from '@ddb-migrate/core';
import { describe, expect, it } from 'vitest';
import type { LambdaStreamEvent, StreamBatchResponse } from '../src/apply/stream-event.js';
import { RunnerInvariantError } from '../src/errors.js';
import { assertAllAcknowledged } from '../src/runner/runner-invariant.js';
import { runStream } from '../src/runner/stream-runner.js';
import { FakeStreams } from './fake-streams.js';

const STREAM_ARN = 'arn:aws:dynamodb:us-east-1:123456789012:table/t/stream/label';
const START = Date.parse('2026-11-01T00:00:00Z');

/** A clock that only moves when the runner sleeps (or a test advances it): no timed assertions. */
function fakeClock(start = START) {
  let t = start;
  return {
    now: () => t,
    advance: (ms: number) => {
      t += ms;
    },
    sleep: async (ms: number) => {
      t += Math.max(1, ms);
      // A runner that never stops would spin forever; fail the test instead.
      if (t - start > 6 * 3_600_000) throw new Error('runaway runner: six simulated hours without stopping');
    },
  };
}

function collectingHandler(onRecord?: (seq: string, delivery: number) => boolean | undefined) {
  const delivered: string[] = [];
  let delivery = 0;
  const handler = async (event: LambdaStreamEvent): Promise<StreamBatchResponse> => {
    delivery += 1;
    for (const record of event.Records) {
      const seq = record.dynamodb?.SequenceNumber as string;
      if (onRecord?.(seq, delivery)) return { batchItemFailures: [{ itemIdentifier: seq }] };
      delivered.push(seq);
    }
    return { batchItemFailures: [] };
  };
  return { handler, delivered };
}

async function tempCheckpoint(): Promise<string> {
  return join(await mkdtemp(join(tmpdir(), 'cdc-lineage-')), 'cp.json');
}

describe('runStream: when the stream is finished (finding 1)', () => {
  it('does not stop as idle (--stop-after-idle 3) while a just-drained parent has no listed children, and reads them once listed', async () => {
    const clock = fakeClock();
    const fake = new FakeStreams();
    fake.addShard('parent');
    const parentSeqs = ['a', 'b'].map((pk) => fake.put('parent', pk));
    fake.close('parent');
    fake.addShard('child', { parent: 'parent', hidden: true });
    const childSeqs = ['c', 'd'].map((pk) => fake.put('child', pk));
    // AWS lists the child some time after the parent shows its EndingSequenceNumber.
    fake.onDescribe = () => {
      if (clock.now() - START >= 20_000) fake.reveal('child');
    };
    const { handler, delivered } = collectingHandler();

    const summary = await runStream({
      streams: fake,
      streamArn: STREAM_ARN,
      handler,
      stopAfterIdleSeconds: 3,
      now: clock.now,
      sleep: clock.sleep,
    });

    expect(delivered).toEqual([...parentSeqs, ...childSeqs]);
    expect(summary.stoppedBy).toBe('idle');
    // Asked again with backoff while the graph was inconsistent: not once per 500 ms poll.
    const describes = fake.calls.filter((c) => c === 'DescribeStream').length;
    expect(describes).toBeGreaterThanOrEqual(3);
    expect(describes).toBeLessThan(20);
  });

  it('never ends as drained while the stream is ENABLED, even when every listed shard is closed and read', async () => {
    const clock = fakeClock();
    const fake = new FakeStreams();
    fake.addShard('s');
    fake.put('s', 'a');
    fake.close('s'); // its child is never listed in this test
    const { handler } = collectingHandler();

    const summary = await runStream({
      streams: fake,
      streamArn: STREAM_ARN,
      handler,
      stopAfterIdleSeconds: 3,
      now: clock.now,
      sleep: clock.sleep,
    });

    expect(summary.stoppedBy).toBe('idle');
    expect(summary.awaitingChildrenOf).toEqual(['s']);
    // The idle stop waited out the Kinesis adapter's minute of re-describing for the children.
    expect(clock.now() - START).toBeGreaterThanOrEqual(60_000);
  });

  it('ends as drained once the stream is DISABLED and every shard is read to its end', async () => {
    const clock = fakeClock();
    const fake = new FakeStreams();
    fake.addShard('s');
    fake.addShard('t', { parent: 's' });
    const seqs = [fake.put('s', 'a'), fake.put('t', 'b')];
    fake.close('s');
    const { handler, delivered } = collectingHandler((seq) => {
      if (seq === seqs[1]) fake.disable();
      return false;
    });

    const summary = await runStream({
      streams: fake,
      streamArn: STREAM_ARN,
      handler,
      now: clock.now,
      sleep: clock.sleep,
    });

    expect(summary).toMatchObject({ stoppedBy: 'drained', shardsDrained: 2, streamStatus: 'DISABLED' });
    expect(delivered).toEqual(seqs);
  });
});

describe('runStream: shard lineage in the checkpoint (finding 2)', () => {
  it('records every listed shard in the checkpoint when first seen, with its parent and a TRIM_HORIZON start', async () => {
    const clock = fakeClock();
    const fake = new FakeStreams();
    fake.addShard('busy');
    fake.put('busy', 'a');
    fake.addShard('quiet', { parent: 'long-gone' });
    const checkpointFile = await tempCheckpoint();

    await runStream({
      streams: fake,
      streamArn: STREAM_ARN,
      handler: collectingHandler().handler,
      checkpointFile,
      stopAfterIdleSeconds: 3,
      now: clock.now,
      sleep: clock.sleep,
    });

    const state = JSON.parse(await readFile(checkpointFile, 'utf8'));
    expect(state.version).toBe(2);
    expect(state.shards.quiet).toMatchObject({ parentShardId: 'long-gone', fromTrimHorizon: true });
    expect(state.shards.quiet.sequenceNumber).toBeUndefined();
    expect(typeof state.shards.quiet.firstSeenAt).toBe('string');
    expect(state.shards.busy).toMatchObject({ fromTrimHorizon: true });
  });

  it('refuses to resume when a shard that was idle at the last stop has since been trimmed away', async () => {
    const clock = fakeClock();
    const fake = new FakeStreams();
    fake.addShard('busy');
    fake.put('busy', 'a');
    fake.addShard('quiet');
    const checkpointFile = await tempCheckpoint();
    await runStream({
      streams: fake,
      streamArn: STREAM_ARN,
      handler: collectingHandler().handler,
      checkpointFile,
      stopAfterIdleSeconds: 3,
      now: clock.now,
      sleep: clock.sleep,
    });
    // More than 24 h later: 'quiet' took writes, closed, split, and was trimmed away unread.
    fake.put('quiet', 'lost');
    fake.close('quiet');
    fake.addShard('quiet-child', { parent: 'quiet' });
    fake.put('quiet-child', 'later');
    fake.removeShard('quiet');
    const second = collectingHandler();

    const run = runStream({
      streams: fake,
      streamArn: STREAM_ARN,
      handler: second.handler,
      checkpointFile,
      stopAfterIdleSeconds: 3,
      now: clock.now,
      sleep: clock.sleep,
    });

    await expect(run).rejects.toMatchObject({
      code: 'STREAM_TRIMMED',
      message: expect.stringMatching(/quiet.*quiet-child/s),
      hint: expect.stringMatching(/verify --repair.*new migration/s),
    });
    expect(second.delivered).toEqual([]);
  });

  it('refuses to resume when the checkpointed position itself was trimmed (AFTER_SEQUENCE_NUMBER)', async () => {
    const clock = fakeClock();
    const fake = new FakeStreams();
    fake.addShard('s');
    for (const pk of ['a', 'b']) fake.put('s', pk);
    const checkpointFile = await tempCheckpoint();
    const options = {
      streams: fake,
      streamArn: STREAM_ARN,
      checkpointFile,
      stopAfterIdleSeconds: 3,
      now: clock.now,
      sleep: clock.sleep,
    };
    await runStream({ ...options, handler: collectingHandler().handler });
    fake.trim('s', 2);
    fake.put('s', 'c');

    await expect(runStream({ ...options, handler: collectingHandler().handler })).rejects.toMatchObject({
      code: 'STREAM_TRIMMED',
      hint: expect.stringMatching(/verify --repair/),
    });
  });

  it('refuses to resume a shard that has waited at TRIM_HORIZON for longer than the 24-hour retention', async () => {
    const HOUR = 3_600_000;
    const fake = new FakeStreams();
    fake.addShard('quiet');
    const checkpointFile = await tempCheckpoint();
    const options = { streams: fake, streamArn: STREAM_ARN, checkpointFile, stopAfterIdleSeconds: 3 };
    await runStream({ ...options, handler: collectingHandler().handler, ...fakeClock() });
    // Two hours later: still inside the retention, so the quiet shard is read on.
    await expect(
      runStream({ ...options, handler: collectingHandler().handler, ...fakeClock(START + 2 * HOUR) }),
    ).resolves.toMatchObject({ stoppedBy: 'idle' });
    // 25 hours after that: records written meanwhile may have aged out before anyone read them,
    // and TRIM_HORIZON would start silently after them.
    fake.put('quiet', 'maybe-the-second-of-many');
    const late = collectingHandler();

    await expect(
      runStream({ ...options, handler: late.handler, ...fakeClock(START + 27 * HOUR) }),
    ).rejects.toMatchObject({
      code: 'STREAM_TRIMMED',
      message: expect.stringMatching(/quiet.*TRIM_HORIZON/),
    });
    expect(late.delivered).toEqual([]);
  });

  it('retries TRIM_HORIZON when a fresh iterator meets a record trimmed a moment ago', async () => {
    const clock = fakeClock();
    const fake = new FakeStreams();
    fake.addShard('s');
    const seqs = ['a', 'b', 'c'].map((pk) => fake.put('s', pk));
    fake.trimBeforeNextRead.set('s', 1); // 'a' ages out between GetShardIterator and GetRecords
    const { handler, delivered } = collectingHandler();

    const summary = await runStream({
      streams: fake,
      streamArn: STREAM_ARN,
      handler,
      stopAfterIdleSeconds: 3,
      now: clock.now,
      sleep: clock.sleep,
    });

    expect(summary.stoppedBy).toBe('idle');
    expect(delivered).toEqual(seqs.slice(1));
    expect(fake.calls.filter((c) => c === 'GetShardIterator s TRIM_HORIZON')).toHaveLength(2);
  });

  it('loads a version 1 checkpoint file, resumes after its sequence numbers and rewrites it as version 2', async () => {
    const clock = fakeClock();
    const fake = new FakeStreams();
    fake.addShard('s');
    const seqs = ['a', 'b'].map((pk) => fake.put('s', pk));
    const checkpointFile = await tempCheckpoint();
    await writeFile(
      checkpointFile,
      JSON.stringify({
        version: 1,
        streamArn: STREAM_ARN,
        updatedAt: '2026-10-31T00:00:00.000Z',
        shards: { s: { sequenceNumber: seqs[0] } },
      }),
    );
    const { handler, delivered } = collectingHandler();

    await runStream({
      streams: fake,
      streamArn: STREAM_ARN,
      handler,
      checkpointFile,
      stopAfterIdleSeconds: 3,
      now: clock.now,
      sleep: clock.sleep,
    });

    expect(delivered).toEqual(seqs.slice(1));
    const state = JSON.parse(await readFile(checkpointFile, 'utf8'));
    expect(state.version).toBe(2);
    expect(state.shards.s.sequenceNumber).toBe(seqs[1]);
  });

  it('refuses a checkpoint file written by a newer version', async () => {
    const checkpointFile = await tempCheckpoint();
    await writeFile(checkpointFile, JSON.stringify({ version: 99, streamArn: STREAM_ARN, shards: {} }));
    const fake = new FakeStreams();
    fake.addShard('s');

    await expect(
      runStream({
        streams: fake,
        streamArn: STREAM_ARN,
        handler: collectingHandler().handler,
        checkpointFile,
        stopAfterIdleSeconds: 3,
        ...fakeClock(),
      }),
    ).rejects.toMatchObject({ code: 'CONFIG_INVALID', message: expect.stringMatching(/version 99/) });
  });
});

describe('runStream: idle only when everything read is acknowledged (item 3)', () => {
  it('never stops as idle while a record it has read is not yet acknowledged', async () => {
    const clock = fakeClock();
    const fake = new FakeStreams();
    fake.addShard('s');
    const seqs = ['a', 'b'].map((pk) => fake.put('s', pk));
    // Each delivery takes 10 s (longer than the idle period) and the first two fail on 'b'.
    const { handler, delivered } = collectingHandler((seq, delivery) => {
      if (seq === seqs[0] || seq === seqs[1]) clock.advance(10_000);
      return seq === seqs[1] && delivery <= 2;
    });

    const summary = await runStream({
      streams: fake,
      streamArn: STREAM_ARN,
      handler,
      stopAfterIdleSeconds: 3,
      now: clock.now,
      sleep: clock.sleep,
    });

    expect(summary).toMatchObject({ stoppedBy: 'idle', redeliveries: 2 });
    expect(delivered).toEqual(seqs);
  });

  it('treats an idle stop with an unacknowledged record as a broken invariant (a bug report, not a user error)', () => {
    expect(() => assertAllAcknowledged(new Map([['s', 1]]))).toThrow(RunnerInvariantError);
    expect(() => assertAllAcknowledged(new Map([['s', 1]]))).toThrow(InternalError);
    expect(() => assertAllAcknowledged(new Map([['s', 1]]))).toThrow(
      expect.objectContaining({ code: 'INTERNAL', hint: expect.stringMatching(/bug in ddb-migrate/) }),
    );
    expect(() => assertAllAcknowledged(new Map([['s', 0]]))).not.toThrow();
  });
});
