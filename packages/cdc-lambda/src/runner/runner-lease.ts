import { randomUUID } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { dirname } from 'node:path';
import { InternalError, localPathError, MigrationError, PreflightError } from '@ddb-migrate/core';

/** Default lifetime of a lease without a heartbeat. */
export const DEFAULT_LEASE_TTL_MS = 15_000;

/** What the lease file holds. */
export interface LeaseRecord {
  version: 1;
  /** Random per runner instance: tells our own lease from a successor's. */
  token: string;
  pid: number;
  host: string;
  acquiredAt: string;
  /** Epoch ms of the last renewal. The lease lapses `ttlMs` after it. */
  heartbeatAt: number;
  ttlMs: number;
}

export interface RunnerLeaseOptions {
  /** The lease file (the runner uses `<checkpoint file>.lease`). */
  path: string;
  /** A lease not renewed for this long has lapsed. Default 15 s. */
  ttlMs?: number;
  /** Renewal interval. Default ttl / 5. */
  heartbeatMs?: number;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

/** A held lease: renew it while working, release it once every write of the holder has settled. */
export interface RunnerLease {
  /** How long acquiring waited for a predecessor's lease to lapse (0: none was there). */
  readonly waitedMs: number;
  /** The predecessor whose unreleased lease was taken over (it stopped without releasing: a crash). */
  readonly tookOver?: Pick<LeaseRecord, 'pid' | 'host' | 'heartbeatAt'>;
  /** Writes a fresh heartbeat; throws RUNNER_LEASE_LOST when another runner holds the file now. */
  renew(): Promise<void>;
  /** Throws RUNNER_LEASE_LOST unless the last renewal is recent enough to still hold the lease. */
  assertHeld(): void;
  /** Deletes the file if it is still ours. */
  release(): Promise<void>;
}

/**
 * One consumer per stream at a time. Two runners on one checkpoint would both write every key, and
 * an older image from one can land after a newer image from the other. And a runner that died
 * (kill -9, a crash, a lost host) may have had writes on the wire that the service still applies
 * after a restart has begun. So a runner holds a lease file beside its checkpoint, renewed every
 * `heartbeatMs`. A successor that finds an unreleased lease waits until it lapses (`ttlMs` after
 * the last heartbeat). The dead holder sent its last write at most `heartbeatMs` after that
 * heartbeat, so at least `ttlMs - heartbeatMs` (12 s by default, well beyond a request's timeout)
 * passes between the predecessor's last write and the successor's first. A lease renewed while
 * we wait belongs to a live runner: refuse. A clean stop releases the lease, so the next start
 * does not wait.
 *
 * @example
 * const lease = await acquireRunnerLease({ path: `${checkpointFile}.lease` });
 * try { ...; lease.assertHeld(); ... } finally { await lease.release(); }
 */
export async function acquireRunnerLease(options: RunnerLeaseOptions): Promise<RunnerLease> {
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const ttlMs = options.ttlMs ?? DEFAULT_LEASE_TTL_MS;
  const heartbeatMs = options.heartbeatMs ?? Math.max(1, Math.floor(ttlMs / 5));
  if (heartbeatMs * 2 > ttlMs) {
    throw new InternalError(`Lease heartbeat ${heartbeatMs} ms must be at most half its ttl ${ttlMs} ms`);
  }
  const started = now();
  let tookOver: RunnerLease['tookOver'];
  let held = await readLease(options.path);
  if (held === 'unreadable') {
    // A torn or foreign file: its holder's age is unknown, so give it one whole ttl.
    await sleep(ttlMs);
    held = await readLease(options.path);
    if (held === 'unreadable') held = { ...UNKNOWN_HOLDER, heartbeatAt: 0, ttlMs };
  }
  while (held !== undefined) {
    if (now() >= held.heartbeatAt + held.ttlMs) {
      tookOver = { pid: held.pid, host: held.host, heartbeatAt: held.heartbeatAt };
      break;
    }
    await sleep(held.heartbeatAt + held.ttlMs - now() + 1);
    const again = await readLease(options.path);
    if (again !== undefined && again !== 'unreadable' && again.heartbeatAt !== held.heartbeatAt) {
      // Renewed (or re-acquired) while we waited: a live runner holds it.
      throw leaseHeld(options.path, again, now());
    }
    held = again === 'unreadable' ? held : again;
  }
  const token = randomUUID();
  const record: LeaseRecord = {
    version: 1,
    token,
    pid: process.pid,
    host: hostname(),
    acquiredAt: new Date(now()).toISOString(),
    heartbeatAt: now(),
    ttlMs,
  };
  await writeLease(options.path, record);
  let lastRenewal = record.heartbeatAt;
  let released = false;
  const lease: RunnerLease = {
    waitedMs: now() - started,
    ...(tookOver === undefined ? {} : { tookOver }),
    async renew() {
      if (released) return;
      const current = await readLease(options.path);
      if (current !== undefined && current !== 'unreadable' && current.token !== token)
        throw leaseLost(options.path, current);
      const at = now();
      await writeLease(options.path, { ...record, heartbeatAt: at });
      lastRenewal = at;
    },
    assertHeld() {
      // A stall longer than ttl - heartbeat (event loop blocked, machine asleep) may have let a
      // successor take over: stop before writing anything more.
      if (now() - lastRenewal > ttlMs - heartbeatMs) {
        throw new MigrationError(
          'RUNNER_LEASE_LOST',
          `This cdc runner did not renew its lease ${options.path} for ${now() - lastRenewal} ms (ttl ${ttlMs} ms); another runner may have taken over`,
          { hint: 'Run cdc again: it resumes from the checkpoint once no other runner holds the lease' },
        );
      }
    },
    async release() {
      if (released) return;
      released = true;
      const current = await readLease(options.path).catch(() => undefined);
      if (current !== undefined && current !== 'unreadable' && current.token === token)
        await rm(options.path, { force: true });
    },
  };
  return lease;
}

/** Refused before anything was read or written: exit 2. */
function leaseHeld(path: string, held: LeaseRecord, now: number): MigrationError {
  return new PreflightError(
    'RUNNER_LEASE_HELD',
    `Another cdc runner (pid ${held.pid} on ${held.host}) is consuming this stream: its lease ${path} was renewed ${Math.max(0, now - held.heartbeatAt)} ms ago`,
    {
      hint: 'Stop that runner first (two consumers of one stream can regress items); a lease of a dead runner lapses by itself',
    },
  );
}

function leaseLost(path: string, current: LeaseRecord): MigrationError {
  return new MigrationError(
    'RUNNER_LEASE_LOST',
    `Another cdc runner (pid ${current.pid} on ${current.host}) took over the lease ${path}`,
    { hint: 'Let that runner continue, or stop it and run cdc again' },
  );
}

const UNKNOWN_HOLDER: LeaseRecord = {
  version: 1,
  token: 'unknown',
  pid: 0,
  host: 'unknown',
  acquiredAt: '',
  heartbeatAt: 0,
  ttlMs: DEFAULT_LEASE_TTL_MS,
};

async function readLease(path: string): Promise<LeaseRecord | 'unreadable' | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw localPathError(error, { path, label: 'Runner lease file' }) ?? error;
  }
  try {
    const parsed = JSON.parse(text) as LeaseRecord;
    if (typeof parsed.heartbeatAt === 'number' && typeof parsed.ttlMs === 'number') return parsed;
  } catch {
    // falls through
  }
  return 'unreadable';
}

async function writeLease(path: string, record: LeaseRecord): Promise<void> {
  try {
    await mkdir(dirname(path), { recursive: true });
    const tmp = `${path}.${record.token}.tmp`;
    await writeFile(tmp, `${JSON.stringify(record)}\n`);
    await rename(tmp, path);
  } catch (error) {
    throw localPathError(error, { path, label: 'Runner lease file' }) ?? error;
  }
}
