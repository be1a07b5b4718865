import { copyFileSync, existsSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { LambdaStreamEvent, StreamBatchResponse } from '../src/apply/stream-event.js';
import { type RunnerSummary, runStream } from '../src/runner/stream-runner.js';
import { FakeStreams } from './fake-streams.js';

/** The S value of a wire-JSON attribute ('' when absent). */
const stringOf = (value: unknown): string => (value as { S?: string } | undefined)?.S ?? '';
const STREAM_ARN = 'arn:aws:dynamodb:us-east-1:123456789012:table/t/stream/label';
const LEASE = { ttlMs: 3000, heartbeatMs: 500 };
/** How late the service applies the dead runner's last request: well inside ttl - heartbeat. */
const ZOMBIE_DELAY_MS = 400;

type Target = Map<string, string>;

/** Applies each key's highest-sequence image, after `beforeWrite` (a request on the wire). */
function applying(target: Target, beforeWrite: () => Promise<void>) {
  return async (event: LambdaStreamEvent): Promise<StreamBatchResponse> => {
    const newest = new Map<string, { seq: bigint; value: string }>();
    for (const r of event.Records) {
      const pk = stringOf(r.dynamodb?.Keys?.pk);
      const seq = BigInt(r.dynamodb?.SequenceNumber as string);
      const value = stringOf(r.dynamodb?.NewImage?.v);
      const seen = newest.get(pk);
      if (seen === undefined || seq > seen.seq) newest.set(pk, { seq, value });
    }
    await beforeWrite();
    for (const [pk, { value }] of newest) target.set(pk, value);
    return { batchItemFailures: [] };
  };
}

/** Once `dead()`, every call hangs: the killed process sends nothing more. */
function fenced(fake: FakeStreams, dead: () => boolean) {
  return { send: (command: unknown) => (dead() ? new Promise(() => {}) : fake.send(command)) };
}

/**
 * A runner killed while its write of `k = v1` is on the wire, a newer `k = v2` in the stream, and a
 * successor started from what the dead process left on disk (checkpoint and lease). The service
 * applies the dead runner's request ZOMBIE_DELAY_MS after the kill, or as soon as the successor
 * writes, whichever comes first: the later of the two writes decides the key.
 */
async function killAndRestart(lease: false | typeof LEASE) {
  const dir = await mkdtemp(join(tmpdir(), 'runner-lease-'));
  const fileA = join(dir, 'cdc-a.json');
  const fileB = join(dir, 'cdc-b.json');
  const fake = new FakeStreams();
  fake.addShard('s');
  fake.put('s', 'k', 'v1');
  const target: Target = new Map();

  let releaseZombie: () => void = () => {};
  const onWire = new Promise<void>((resolve) => {
    releaseZombie = resolve;
  });
  let entered: () => void = () => {};
  const aIsWriting = new Promise<void>((resolve) => {
    entered = resolve;
  });
  let zombieLanded: () => void = () => {};
  const landed = new Promise<void>((resolve) => {
    zombieLanded = resolve;
  });
  let dead = false;
  const handlerA = applying(target, async () => {
    entered();
    await onWire;
  });
  void runStream({
    streams: fenced(fake, () => dead),
    streamArn: STREAM_ARN,
    checkpointFile: fileA,
    lease,
    pollIntervalMs: 20,
    describeIntervalMs: 0,
    handler: async (event) => {
      const out = await handlerA(event);
      zombieLanded();
      return out;
    },
  }).catch(() => {});
  await aIsWriting;

  fake.put('s', 'k', 'v2');
  dead = true; // kill -9: what a restart finds is the files as they are now
  for (const suffix of ['', '.lease']) {
    if (existsSync(fileA + suffix)) copyFileSync(fileA + suffix, fileB + suffix);
  }
  const timer = setTimeout(releaseZombie, ZOMBIE_DELAY_MS);
  const summary: RunnerSummary = await runStream({
    streams: fake,
    streamArn: STREAM_ARN,
    checkpointFile: fileB,
    lease,
    pollIntervalMs: 20,
    describeIntervalMs: 0,
    stopAfterIdleSeconds: 0.3,
    handler: applying(target, async () => releaseZombie()),
  });
  await landed;
  clearTimeout(timer);
  return { summary, target };
}

describe('one consumer per stream: a dead runner’s last write cannot land after its successor’s', () => {
  it('without the lease, the dead runner’s write of the older image lands last and regresses the key (the hazard)', async () => {
    const { target } = await killAndRestart(false);
    expect(target.get('k')).toBe('v1');
  });

  it('with the lease, the successor waits until the dead runner’s lease lapses, so the newest image lands last', async () => {
    const { summary, target } = await killAndRestart(LEASE);
    expect(target.get('k')).toBe('v2');
    expect(summary.leaseTakenOverFrom).toBeDefined();
    expect(summary.leaseWaitedMs).toBeGreaterThan(LEASE.ttlMs - LEASE.heartbeatMs - 100);
  });
});
