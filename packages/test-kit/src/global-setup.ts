import type { TestProject } from 'vitest/node';
import { type MotoServerHandle, startMotoServer, waitForMoto } from './moto-server.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Base URL of the moto server for this run. */
    motoEndpoint: string;
  }
}

interface SharedState {
  handle: Promise<MotoServerHandle>;
  users: number;
}

// One server per vitest process, shared by every project whose config lists this globalSetup
// (the root multi-project run loads this module once per project).
const STATE_KEY = Symbol.for('ddb-migrate.test-kit.moto');
type GlobalWithState = typeof globalThis & { [STATE_KEY]?: SharedState };

async function acquire(): Promise<MotoServerHandle> {
  const g = globalThis as GlobalWithState;
  let state = g[STATE_KEY];
  if (!state) {
    const external = process.env.MOTO_ENDPOINT;
    const handle = external
      ? waitForMoto(external.replace(/\/+$/, ''), 30_000).then(
          (): MotoServerHandle => ({ endpoint: external.replace(/\/+$/, ''), stop: async () => {} }),
        )
      : startMotoServer();
    state = { handle, users: 0 };
    g[STATE_KEY] = state;
    handle.catch(() => {
      if (g[STATE_KEY] === state) delete g[STATE_KEY];
    });
  }
  state.users += 1;
  try {
    return await state.handle;
  } catch (err) {
    state.users -= 1;
    throw err;
  }
}

async function release(): Promise<void> {
  const g = globalThis as GlobalWithState;
  const state = g[STATE_KEY];
  if (!state) return;
  state.users -= 1;
  if (state.users > 0) return;
  delete g[STATE_KEY];
  const handle = await state.handle;
  // Forget the URL of a server we stop, so a later setup in this process does not reuse it.
  if (handle.logFile && process.env.MOTO_ENDPOINT === handle.endpoint) delete process.env.MOTO_ENDPOINT;
  await handle.stop();
}

/**
 * vitest globalSetup: starts moto (or reuses env `MOTO_ENDPOINT`), provides its URL as
 * `inject('motoEndpoint')` and sets `process.env.MOTO_ENDPOINT` so forked workers inherit it.
 * The returned teardown stops only a server this setup started.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const handle = await acquire();
  project.provide('motoEndpoint', handle.endpoint);
  process.env.MOTO_ENDPOINT = handle.endpoint;
  return async () => {
    await release();
  };
}
