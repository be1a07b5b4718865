import { DescribeStreamCommand } from '@aws-sdk/client-dynamodb-streams';
import { sdkError } from '@ddb-migrate/test-kit';
import { describe, expect, it } from 'vitest';
import type { LambdaStreamEvent, StreamBatchResponse } from '../src/apply/stream-event.js';
import { describeAllShards } from '../src/runner/shard-lineage.js';
import { runStream } from '../src/runner/stream-runner.js';
import { FakeStreams } from './fake-streams.js';

const STREAM_ARN = 'arn:aws:dynamodb:us-east-1:123456789012:table/t/stream/label';
const fast = { sleep: async () => {}, pollIntervalMs: 0, stopAfterIdleSeconds: 0.05, describeIntervalMs: 0 };

/** DescribeStream allows 10 calls/s; past that AWS answers LimitExceededException (HTTP 400, not retried by the SDK). */
function limitExceeded(): Error {
  return sdkError('LimitExceededException', 400, { message: 'Rate exceeded for DescribeStream' });
}

/** FakeStreams whose DescribeStream calls number `failOn` (1-based) throw LimitExceededException. */
function throttledDescribe(fake: FakeStreams, failOn: Set<number>) {
  let describes = 0;
  return {
    send: async (command: unknown) => {
      if (command instanceof DescribeStreamCommand) {
        describes += 1;
        if (failOn.has(describes)) throw limitExceeded();
      }
      return fake.send(command);
    },
  };
}

describe('stream runner on real DynamoDB Streams limits', () => {
  it('describeAllShards backs off on LimitExceededException mid-pagination and lists every shard', async () => {
    const fake = new FakeStreams();
    for (const id of ['s1', 's2', 's3']) fake.addShard(id);
    const slept: number[] = [];
    const client = throttledDescribe(fake, new Set([2, 3]));
    const { shards } = await describeAllShards(client, STREAM_ARN, {
      sleep: async (ms) => void slept.push(ms),
    });
    expect(shards.map((s) => s.shardId)).toEqual(['s1', 's2', 's3']);
    expect(slept).toHaveLength(2);
  });

  it('runStream survives a throttled DescribeStream and delivers every record', async () => {
    const fake = new FakeStreams();
    fake.addShard('a');
    fake.addShard('b');
    const seqs = [fake.put('a', 'x'), fake.put('b', 'y')];
    const delivered: string[] = [];
    const handler = async (event: LambdaStreamEvent): Promise<StreamBatchResponse> => {
      for (const r of event.Records) delivered.push(r.dynamodb?.SequenceNumber as string);
      return { batchItemFailures: [] };
    };
    const summary = await runStream({
      streams: throttledDescribe(fake, new Set([1, 4])),
      streamArn: STREAM_ARN,
      handler,
      ...fast,
    });
    expect(summary.stoppedBy).toBe('idle');
    expect(delivered.sort()).toEqual(seqs.sort());
  });

  it('reads a child whose parent was trimmed (no longer listed) instead of waiting for it', async () => {
    const fake = new FakeStreams();
    fake.addShard('child', { parent: 'trimmed-parent' });
    const seq = fake.put('child', 'k');
    const delivered: string[] = [];
    const handler = async (event: LambdaStreamEvent): Promise<StreamBatchResponse> => {
      for (const r of event.Records) delivered.push(r.dynamodb?.SequenceNumber as string);
      return { batchItemFailures: [] };
    };
    await runStream({ streams: fake, streamArn: STREAM_ARN, handler, ...fast });
    expect(delivered).toEqual([seq]);
  });
});
