import { type Logger, noopLogger } from '@ddb-migrate/core';
import type { MigrationState } from '../state/migration-state.js';
import { StateStore } from '../state/state-store.js';
import { abortableSleep } from '../step-context.js';
import { type CutoverClients, openCutoverClients } from './cutover-input.js';
import type { CutoverPlan } from './cutover-plan.js';

/** What every cutover operation works with: its clients, a copy of the state, and how to save it. */
export interface CutoverSession {
  clients: CutoverClients;
  state: MigrationState;
  store: StateStore;
  /** What the steps' AWS retries and saves need. */
  host: { logger: Logger; sleep(ms: number): Promise<void>; save(): Promise<void> };
  destroy(): void;
}

/**
 * Opens a session on a plan: clients (injected ones kept), the state as planned, and a `save`
 * that writes it atomically (then calls `onStateSaved`; an aborted signal stops at the next save).
 */
export function openCutoverSession(
  plan: CutoverPlan,
  deps: {
    clients?: Partial<CutoverClients>;
    logger?: Logger;
    signal?: AbortSignal;
    onStateSaved?: (state: Readonly<MigrationState>) => void | Promise<void>;
  } = {},
): CutoverSession {
  const { clients, destroy } = openCutoverClients(plan.input, deps.clients);
  const store = new StateStore(plan.input.options.stateDir);
  const state = structuredClone(plan.facts.state);
  const { signal } = deps;
  return {
    clients,
    state,
    store,
    destroy,
    host: {
      logger: deps.logger ?? noopLogger,
      sleep: (ms: number) => abortableSleep(ms, signal),
      async save() {
        signal?.throwIfAborted();
        await store.save(state);
        await deps.onStateSaved?.(state);
        signal?.throwIfAborted();
      },
    },
  };
}
