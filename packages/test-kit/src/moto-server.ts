import { type ChildProcess, spawn } from 'node:child_process';
import { accessSync, closeSync, constants, mkdtempSync, openSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';

/** A moto server this process started (or an external one it reuses). */
export interface MotoServerHandle {
  /** Base URL, e.g. `http://127.0.0.1:40123`. */
  endpoint: string;
  /** File that receives the server's stdout/stderr (undefined for an external server). */
  logFile?: string;
  /** Stops the server if this handle started it; a no-op for an external one. */
  stop(): Promise<void>;
}

/** Options of {@link startMotoServer}. */
export interface StartMotoServerOptions {
  /** Executable to run; default env `MOTO_SERVER_BIN`, else `moto_server` on PATH. */
  bin?: string;
  /** How long to wait for the server to answer. Default 30 s. */
  readyTimeoutMs?: number;
}

/** Finds a free TCP port on 127.0.0.1 by binding port 0. */
export async function findFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

function resolveExecutable(bin: string): string | undefined {
  if (bin.includes('/')) {
    return isExecutable(bin) ? bin : undefined;
  }
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, bin);
    if (isExecutable(candidate)) return candidate;
  }
  return undefined;
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Resolves once `endpoint` answers any HTTP request, or rejects after `timeoutMs`. */
export async function waitForMoto(
  endpoint: string,
  timeoutMs: number,
  isAlive: () => boolean = () => true,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    if (!isAlive()) throw new Error('moto_server exited before it answered');
    try {
      // The dashboard page: cheap, and unlike data.json it does not serialize every backend.
      const res = await fetch(`${endpoint}/moto-api/`, { signal: AbortSignal.timeout(2_000) });
      await res.arrayBuffer();
      return;
    } catch (err) {
      lastError = err;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`moto at ${endpoint} did not answer within ${timeoutMs} ms: ${String(lastError)}`);
}

async function stopChild(child: ChildProcess, graceMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }, graceMs);
  await exited;
  clearTimeout(timer);
}

/**
 * Starts `moto_server -H 127.0.0.1 -p <free port>` and waits until it answers.
 * Server output goes to a temp file (see `logFile`), never to the console.
 *
 * @throws Error with one clear line when the executable cannot be found.
 */
export async function startMotoServer(opts: StartMotoServerOptions = {}): Promise<MotoServerHandle> {
  const bin = opts.bin ?? process.env.MOTO_SERVER_BIN ?? 'moto_server';
  const executable = resolveExecutable(bin);
  if (!executable) {
    throw new Error(
      `moto server executable "${bin}" not found: install it with \`pip install "moto[server]"\` or set MOTO_SERVER_BIN`,
    );
  }
  const port = await findFreePort();
  const endpoint = `http://127.0.0.1:${port}`;
  const logFile = join(mkdtempSync(join(tmpdir(), 'ddb-migrate-moto-')), 'moto-server.log');
  const fd = openSync(logFile, 'a');
  const child = spawn(executable, ['-H', '127.0.0.1', '-p', String(port)], {
    stdio: ['ignore', fd, fd],
    env: process.env,
  });
  closeSync(fd);
  // If this process exits without running teardown (crash, closed stdout), take the server with it.
  const killOnExit = () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  };
  process.once('exit', killOnExit);
  child.once('exit', () => process.off('exit', killOnExit));
  let spawnError: Error | undefined;
  child.once('error', (err) => {
    spawnError = err;
  });
  try {
    await waitForMoto(endpoint, opts.readyTimeoutMs ?? 30_000, () => !spawnError && child.exitCode === null);
  } catch (err) {
    await stopChild(child, 5_000);
    throw new Error(
      `${(err as Error).message} (log: ${logFile})${spawnError ? `: ${spawnError.message}` : ''}`,
    );
  }
  return { endpoint, logFile, stop: () => stopChild(child, 5_000) };
}
