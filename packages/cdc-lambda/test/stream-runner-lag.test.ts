import { describe, expect, it } from 'vitest';
import { type RunnerProgress, runStream } from '../src/runner/stream-runner.js';
import { FakeStreams } from './fake-streams.js';

const STREAM_ARN = 'arn:aws:dynamodb:us-east-1:123456789012:table/t/stream/label';
const fast = { sleep: async () => {}, pollIntervalMs: 0, stopAfterIdleSeconds: 0.05, describeIntervalMs: 0 };
const accept = async () => ({ batchItemFailures: [] });

describe('runStream lag', () => {
  it('reports the newest record’s age while it reads, and 0 once the stream is caught up', async () => {
    const fake = new FakeStreams();
    fake.addShard('s');
    for (const pk of ['a', 'b', 'c']) fake.put('s', pk);
    // The records were written 181 s before the runner reads them.
    const now = () => Date.now() + 181_000;
    const progress: RunnerProgress[] = [];

    const summary = await runStream({
      streams: fake,
      streamArn: STREAM_ARN,
      handler: accept,
      now,
      onProgress: (p) => progress.push(p),
      ...fast,
    });

    expect(progress[0]?.lagMs).toBeGreaterThanOrEqual(180_000);
    expect(progress.at(-1)?.lagMs).toBe(0);
    expect(summary.stoppedBy).toBe('idle');
    expect(summary.lagMs).toBe(0);
  });

  it('reports 0 when the stream is disabled and drained', async () => {
    const fake = new FakeStreams();
    fake.addShard('s');
    fake.put('s', 'a');
    fake.status = 'DISABLED';
    fake.close('s');

    const summary = await runStream({
      streams: fake,
      streamArn: STREAM_ARN,
      handler: accept,
      now: () => Date.now() + 181_000,
      sleep: async () => {},
      pollIntervalMs: 0,
      describeIntervalMs: 0,
    });

    expect(summary.stoppedBy).toBe('drained');
    expect(summary.lagMs).toBe(0);
  });
});
