import { describe, expect, it } from 'vitest';
import type { LambdaStreamEvent, StreamBatchResponse } from '../src/apply/stream-event.js';
import { runStream } from '../src/runner/stream-runner.js';
import { FakeStreams } from './fake-streams.js';

/** The S value of a wire-JSON attribute ('' when absent). */
const stringOf = (value: unknown): string => (value as { S?: string } | undefined)?.S ?? '';
const STREAM_ARN = 'arn:aws:dynamodb:us-east-1:123456789012:table/t/stream/label';
const fast = { sleep: async () => {}, pollIntervalMs: 0, stopAfterIdleSeconds: 0.05, describeIntervalMs: 0 };

/**
 * A handler that keeps the engine's contract (per key the record with the highest sequence number
 * wins; a failing key is reported by its LOWEST sequence number, from where Lambda retries) and
 * applies into a map. `failKey` fails one key on the first delivery.
 */
function contractHandler(failKey: string) {
  const target = new Map<string, string>();
  const deliveries: string[][] = [];
  const handler = async (event: LambdaStreamEvent): Promise<StreamBatchResponse> => {
    deliveries.push(event.Records.map((r) => r.dynamodb?.SequenceNumber as string));
    const newest = new Map<string, { seq: bigint; value: string; lowest: bigint }>();
    for (const r of event.Records) {
      const pk = stringOf(r.dynamodb?.Keys?.pk);
      const seq = BigInt(r.dynamodb?.SequenceNumber as string);
      const value = stringOf(r.dynamodb?.NewImage?.v);
      const seen = newest.get(pk);
      if (seen === undefined) newest.set(pk, { seq, value, lowest: seq });
      else {
        if (seq > seen.seq) Object.assign(seen, { seq, value });
        if (seq < seen.lowest) seen.lowest = seq;
      }
    }
    const failures: { itemIdentifier: string }[] = [];
    for (const [pk, change] of newest) {
      if (pk === failKey && deliveries.length === 1) failures.push({ itemIdentifier: String(change.lowest) });
      else target.set(pk, change.value);
    }
    return { batchItemFailures: failures };
  };
  return { handler, target, deliveries };
}

describe('runStream redelivery after a batch item failure', () => {
  it('redelivers every record whose sequence number is at or above the reported one, even where shard order and sequence order disagree', async () => {
    // moto's stream numbers records with len(records) before appending them, so concurrent writes
    // produce duplicate and out-of-order sequence numbers (130 of 10,154 in one soak run). AWS
    // never does (sequence numbers grow within a shard), but the event source mapping's contract
    // is by sequence number: "retries from the reported sequence number", i.e. every record at or
    // above it. Mapping the reported number to a position and treating every record before that
    // position as done dropped key `a`'s newest record here (the soak's lost change).
    const fake = new FakeStreams();
    fake.addShard('s');
    fake.put('s', 'b', 'b1');
    fake.put('s', 'a', 'a-new');
    fake.put('s', 'a', 'a-old');
    const records = fake.shards[0]?.records ?? [];
    const [rb, rNew, rOld] = records;
    if (!rb?.dynamodb || !rNew?.dynamodb || !rOld?.dynamodb) throw new Error('fake shard not built');
    // Shard order: b (1001), a-new (1003), a-old (1002): the older write of `a` was appended last.
    rNew.dynamodb.SequenceNumber = '1003';
    rOld.dynamodb.SequenceNumber = '1002';
    const { handler, target, deliveries } = contractHandler('a');

    const summary = await runStream({ streams: fake, streamArn: STREAM_ARN, handler, ...fast });

    expect(summary.stoppedBy).toBe('idle');
    expect(deliveries[0]).toEqual(['1001', '1003', '1002']);
    // The redelivery starts at the first record at or above 1002: a-new (1003) comes again.
    expect(deliveries[1]).toEqual(['1003', '1002']);
    expect(target.get('a')).toBe('a-new');
    expect(target.get('b')).toBe('b1');
  });

  it('redelivers from the reported record when sequence numbers grow with shard order (AWS)', async () => {
    const fake = new FakeStreams();
    fake.addShard('s');
    const [s1, s2, s3] = [fake.put('s', 'b', 'b1'), fake.put('s', 'a', 'a1'), fake.put('s', 'c', 'c1')];
    const { handler, target, deliveries } = contractHandler('a');

    await runStream({ streams: fake, streamArn: STREAM_ARN, handler, ...fast });

    expect(deliveries[0]).toEqual([s1, s2, s3]);
    expect(deliveries[1]).toEqual([s2, s3]);
    expect(Object.fromEntries(target)).toEqual({ a: 'a1', b: 'b1', c: 'c1' });
  });
});
