import {
  DescribeStreamCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  type _Record as SdkRecord,
} from '@aws-sdk/client-dynamodb-streams';
import { describe, expect, it } from 'vitest';
import type { LambdaStreamEvent } from '../src/apply/stream-event.js';
import { runStream } from '../src/runner/stream-runner.js';

const STREAM_ARN = 'arn:aws:dynamodb:us-east-1:123456789012:table/t/stream/label';

/**
 * moto 5.2.1's stream, as it behaves (moto/dynamodbstreams/models.py, moto/dynamodb/models/table.py):
 * a record's sequence number is `len(records) + start` computed before it is appended, so two
 * concurrent writes can share a number; an iterator AFTER_SEQUENCE_NUMBER n starts at index
 * n + 1 - start, and GetRecords' NextShardIterator is AFTER the page's highest number. When the
 * last record shares its number with the one before it, every later GetRecords returns that last
 * record again, for ever. AWS never repeats a record on an iterator chain (sequence numbers grow
 * within a shard); the runner must not deliver one twice, nor stay busy forever on one.
 */
function motoLikeStream(sequenceNumbers: number[]) {
  const start = 1;
  const records: SdkRecord[] = sequenceNumbers.map((n, i) => ({
    eventID: `event-${i}`,
    eventName: 'INSERT',
    dynamodb: {
      ApproximateCreationDateTime: new Date(),
      Keys: { pk: { S: `k${i}` } },
      NewImage: { pk: { S: `k${i}` } },
      SequenceNumber: String(n),
      StreamViewType: 'NEW_AND_OLD_IMAGES',
    },
  }));
  const iterators = new Map<string, number>();
  let count = 0;
  const iterator = (index: number) => {
    count += 1;
    iterators.set(`it-${count}`, index);
    return `it-${count}`;
  };
  return {
    async send(command: unknown): Promise<unknown> {
      if (command instanceof DescribeStreamCommand) {
        return {
          StreamDescription: {
            StreamStatus: 'ENABLED',
            Shards: [{ ShardId: 's', SequenceNumberRange: { StartingSequenceNumber: String(start) } }],
          },
        };
      }
      if (command instanceof GetShardIteratorCommand) {
        const { ShardIteratorType, SequenceNumber } = command.input;
        return {
          ShardIterator: iterator(
            ShardIteratorType === 'TRIM_HORIZON' ? 0 : Number(SequenceNumber) + 1 - start,
          ),
        };
      }
      if (command instanceof GetRecordsCommand) {
        const index = iterators.get(command.input.ShardIterator as string) ?? 0;
        const page = records.slice(index, index + (command.input.Limit ?? 1000));
        const highest = page.length
          ? Math.max(...page.map((r) => Number(r.dynamodb?.SequenceNumber)))
          : undefined;
        return {
          Records: page,
          NextShardIterator: iterator(highest === undefined ? index : highest + 1 - start),
        };
      }
      throw new Error(`unexpected ${String(command)}`);
    },
  };
}

describe('runStream on a stream that repeats its last record (moto)', () => {
  it('delivers every record once and stops idle instead of redelivering the repeated last record for ever', async () => {
    const streams = motoLikeStream([1, 2, 3, 3]);
    const delivered: string[] = [];
    const guard = new AbortController();
    const summary = await runStream({
      streams,
      streamArn: STREAM_ARN,
      lease: false,
      stopAfterIdleSeconds: 0.05,
      pollIntervalMs: 0,
      describeIntervalMs: 0,
      sleep: async () => {},
      signal: guard.signal,
      handler: async (event: LambdaStreamEvent) => {
        for (const r of event.Records) delivered.push(r.eventID as string);
        // Without the fix the run never idles: stop it after far more deliveries than records.
        if (delivered.length > 40) guard.abort();
        return { batchItemFailures: [] };
      },
    });

    expect(summary.stoppedBy).toBe('idle');
    expect(delivered).toEqual(['event-0', 'event-1', 'event-2', 'event-3']);
  });
});
