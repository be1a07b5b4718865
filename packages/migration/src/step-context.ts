import type { Logger, TargetAccess } from '@ddb-migrate/core';
import type { MigrationClients } from './migration-clients.js';
import type { EngineOptions } from './migration-input.js';
import type { MigrationProgress } from './migration-progress.js';
import type { PlanFacts } from './preflight/preflight-types.js';
import type { MigrationState } from './state/migration-state.js';
import type { StateStore } from './state/state-store.js';

/** What every step gets. Steps read `state`, do their work, and `save()` after each side effect. */
export interface StepContext {
  options: Readonly<EngineOptions>;
  targetAccess: TargetAccess;
  clients: MigrationClients;
  facts: Readonly<PlanFacts>;
  state: MigrationState;
  logger: Logger;
  signal?: AbortSignal;
  save(): Promise<void>;
  /** Reports progress to the caller (no-op without an `onProgress`). */
  progress(event: MigrationProgress): void;
  /** Sleeps, rejecting early when the signal aborts. */
  sleep(ms: number): Promise<void>;
}

/** Builds a {@link StepContext} around a state and its store. */
export function createStepContext(input: {
  options: Readonly<EngineOptions>;
  targetAccess: TargetAccess;
  clients: MigrationClients;
  facts: Readonly<PlanFacts>;
  state: MigrationState;
  store: StateStore;
  logger: Logger;
  signal?: AbortSignal;
  onProgress?: (event: MigrationProgress) => void;
  onStateSaved?: (state: Readonly<MigrationState>) => void | Promise<void>;
}): StepContext {
  const { store, signal, onProgress, onStateSaved } = input;
  const ctx: StepContext = {
    options: input.options,
    targetAccess: input.targetAccess,
    clients: input.clients,
    facts: input.facts,
    state: input.state,
    logger: input.logger,
    ...(signal ? { signal } : {}),
    async save() {
      signal?.throwIfAborted();
      await store.save(ctx.state);
      await onStateSaved?.(ctx.state);
      signal?.throwIfAborted();
    },
    progress: (event) => onProgress?.(event),
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
