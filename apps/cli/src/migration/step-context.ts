import type { Logger } from '@ddb-migrate/core';
import { createProgress, type Progress } from '../progress.js';
import type { ResolvedSides } from '../sides.js';
import type { MigrationClients } from './migration-clients.js';
import type { MigrateOptions } from './migrate-options.js';
import type { PreflightFacts } from './preflight/preflight-types.js';
import type { MigrationState } from './state/migration-state.js';
import type { StateStore } from './state/state-store.js';

/** Test seams: observe every state save (tests abort there to simulate a crash). */
export interface MigrationHooks {
  afterSave?(state: Readonly<MigrationState>): void | Promise<void>;
}

/** What every step gets. Steps read `state`, do their work, and `save()` after each side effect. */
export interface StepContext {
  options: Readonly<MigrateOptions>;
  sides: ResolvedSides;
  clients: MigrationClients;
  facts: PreflightFacts;
  state: MigrationState;
  logger: Logger;
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  signal?: AbortSignal;
  save(): Promise<void>;
  progress(label: string, total?: number, unit?: string): Progress;
  /** Sleeps, rejecting early when the signal aborts. */
  sleep(ms: number): Promise<void>;
}

/** Builds a {@link StepContext} around a state and its store. */
export function createStepContext(input: {
  options: Readonly<MigrateOptions>;
  sides: ResolvedSides;
  clients: MigrationClients;
  facts: PreflightFacts;
  state: MigrationState;
  store: StateStore;
  logger: Logger;
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  signal?: AbortSignal;
  hooks?: MigrationHooks;
}): StepContext {
  const { store, hooks, signal } = input;
  const ctx: StepContext = {
    ...input,
    async save() {
      signal?.throwIfAborted();
      await store.save(ctx.state);
      await hooks?.afterSave?.(ctx.state);
      signal?.throwIfAborted();
    },
    progress: (label, total, unit) =>
      createProgress(input.stderr, {
        label,
        ...(total === undefined ? {} : { total }),
        ...(unit ? { unit } : {}),
      }),
    sleep: (ms) => abortableSleep(ms, signal),
  };
  return ctx;
}

/** setTimeout as a promise that rejects with the abort reason. */
export function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
