import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { acquireRunnerLease } from '../src/runner/runner-lease.js';

/** A clock the test moves: `sleep` advances it instead of waiting. */
function fakeClock(start = 1_000_000) {
  let t = start;
  const slept: number[] = [];
  return {
    now: () => t,
    sleep: async (ms: number) => {
      slept.push(ms);
      t += ms;
    },
    advance: (ms: number) => {
      t += ms;
    },
    slept,
  };
}

async function leasePath() {
  return join(await mkdtemp(join(tmpdir(), 'runner-lease-')), 'cdc.json.lease');
}

describe('runner lease: one consumer per stream, and a dead runner’s writes settle before its successor writes', () => {
  it('acquires at once when no lease exists and releases it on a clean stop', async () => {
    const path = await leasePath();
    const clock = fakeClock();
    const lease = await acquireRunnerLease({ path, now: clock.now, sleep: clock.sleep });
    expect(lease.waitedMs).toBe(0);
    expect(lease.tookOver).toBeUndefined();
    await lease.release();
    const next = await acquireRunnerLease({ path, now: clock.now, sleep: clock.sleep });
    expect(next.waitedMs).toBe(0);
  });

  it('waits until an unreleased lease has lapsed: at least ttl - heartbeat after the dead holder’s last possible write', async () => {
    const path = await leasePath();
    const clock = fakeClock();
    const dead = await acquireRunnerLease({ path, ttlMs: 15_000, heartbeatMs: 3_000, ...clock });
    await dead.renew();
    const lastHeartbeat = clock.now();
    // The holder dies 2.9 s after its heartbeat (before the next one), having just sent a write.
    clock.advance(2_900);
    const diedAt = clock.now();
    const successor = await acquireRunnerLease({ path, ttlMs: 15_000, heartbeatMs: 3_000, ...clock });
    expect(successor.tookOver?.heartbeatAt).toBe(lastHeartbeat);
    expect(clock.now() - diedAt).toBeGreaterThanOrEqual(15_000 - 3_000);
    expect(clock.now()).toBeGreaterThanOrEqual(lastHeartbeat + 15_000);
  });

  it('refuses when the lease is renewed while it waits (a live runner holds it)', async () => {
    const path = await leasePath();
    let t = 5_000_000;
    const live = await acquireRunnerLease({ path, ttlMs: 10_000, heartbeatMs: 2_000, now: () => t });
    const sleep = async (ms: number) => {
      // The live runner renews during our wait.
      t += Math.min(ms, 2_000);
      await live.renew();
      t += ms - Math.min(ms, 2_000);
    };
    await expect(acquireRunnerLease({ path, ttlMs: 10_000, now: () => t, sleep })).rejects.toMatchObject({
      code: 'RUNNER_LEASE_HELD',
    });
  });

  it('stops a holder that could not renew for longer than ttl - heartbeat, and one whose lease another runner took', async () => {
    const path = await leasePath();
    const clock = fakeClock();
    const lease = await acquireRunnerLease({ path, ttlMs: 10_000, heartbeatMs: 2_000, ...clock });
    lease.assertHeld();
    clock.advance(8_001);
    expect(() => lease.assertHeld()).toThrow(expect.objectContaining({ code: 'RUNNER_LEASE_LOST' }));
    clock.advance(5_000);
    const other = await acquireRunnerLease({ path, ttlMs: 10_000, heartbeatMs: 2_000, ...clock });
    await expect(lease.renew()).rejects.toMatchObject({ code: 'RUNNER_LEASE_LOST' });
    // The stale holder's release leaves the new holder's lease alone.
    await lease.release();
    expect(JSON.parse(await readFile(path, 'utf8')).token).toBeDefined();
    await other.release();
  });

  it('gives an unreadable lease file one whole ttl before taking over', async () => {
    const path = await leasePath();
    await writeFile(path, '{"torn');
    const clock = fakeClock();
    const lease = await acquireRunnerLease({ path, ttlMs: 15_000, ...clock });
    expect(clock.slept).toEqual([15_000]);
    expect(lease.waitedMs).toBe(15_000);
  });
});
