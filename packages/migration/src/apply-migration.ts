import { randomBytes } from 'node:crypto';
import { type Logger, noopLogger } from '@ddb-migrate/core';
import type { RunnerSummary } from '@ddb-migrate/cdc-lambda';
import { withCatchUpRequests } from './catch-up/catch-up-requests.js';
import { prepareCdcStart } from './catch-up/catch-up-step.js';
import { type MigrationClients, openClients } from './migration-clients.js';
import { engineOptions } from './migration-input.js';
import type { MigrationProgress } from './migration-progress.js';
import type { MigrationPlan } from './plan-migration.js';
import type { MigrationState } from './state/migration-state.js';
import { StateStore } from './state/state-store.js';
import { carrySettingsStep } from './steps/carry-settings.js';
import { cdcLambdaStep } from './steps/cdc-lambda-mode.js';
import { cdcLocalStep } from './steps/cdc-local-mode.js';
import { enablePitrStep } from './steps/enable-pitr.js';
import { enableStreamStep } from './steps/enable-stream.js';
import { exportTableStep } from './steps/export-table.js';
import { importTableStep } from './steps/import-table.js';
import { checkBeforeLocalCdc } from './steps/local-cdc-preconditions.js';
import { writeLoadStep } from './steps/write-load.js';
import { createStepContext } from './step-context.js';

/** What {@link applyMigration} may be given besides the plan. */
export interface ApplyMigrationDeps {
  /** Clients to call instead of ones built from the plan's sides (each one that is absent is built). */
  clients?: Partial<MigrationClients>;
  /** Default: no logs. Logs carry names, ARNs and counts, never item values. */
  logger?: Logger;
  /** Stops the run at the next save, sleep or file (the state stays as saved: apply again to resume). */
  signal?: AbortSignal;
  /** Progress of the export, the load and local CDC, as data (see {@link MigrationProgress}). */
  onProgress?: (event: MigrationProgress) => void;
  /** Called after every state save, before the run goes on; awaited (tests stop a run here to model a crash). */
  onStateSaved?: (state: Readonly<MigrationState>) => void | Promise<void>;
  /** The clock (epoch ms) of the stream's 24 h window and the catch-up's windows; default Date.now (tests move it ahead). */
  now?: () => number;
}

/** What a finished {@link applyMigration} reports. */
export interface MigrationResult {
  /** The state as saved at the end (`completedAt` set). */
  state: MigrationState;
  /** Where the state is kept. */
  stateFile: string;
  /** Local CDC of this run: records applied and why the runner stopped. */
  cdc?: { records: number; stoppedBy: RunnerSummary['stoppedBy'] };
}

/**
 * Runs a plan's steps in order, each skipped when the state says it is done: PITR, stream,
 * export, load (import or write), settings, CDC. The state is saved after every side effect
 * (write-ahead), so applying the plan of a crashed or aborted run resumes it; it never starts a
 * second export or import. The plan is not changed.
 *
 * @throws MigrationError/AwsCallError on a failure while running (the state says how far it got).
 * @example
 * const plan = await planMigration(input);
 * const { state, stateFile } = await applyMigration(plan, {
 *   signal: controller.signal,
 *   onProgress: (e) => console.error(e.phase, e.type),
 * });
 */
export async function applyMigration(
  plan: MigrationPlan,
  deps: ApplyMigrationDeps = {},
): Promise<MigrationResult> {
  const { input } = plan;
  const options = engineOptions(input);
  const facts = plan.facts;
  const logger = deps.logger ?? noopLogger;
  // The loader's BatchWriteItem calls share one socket pool per client.
  const { clients, destroy } = openClients(
    { source: input.source.config, target: input.target.config },
    deps.clients,
    Math.max(16, options.writeConcurrency * 2),
  );
  const store = new StateStore(options.stateDir);
  try {
    const now = new Date().toISOString();
    const state: MigrationState = facts.state
      ? structuredClone(facts.state)
      : {
          version: 1,
          key: plan.key,
          runId: `${now.slice(0, 10).replaceAll('-', '')}-${randomBytes(3).toString('hex')}`,
          createdAt: now,
          updatedAt: now,
          loadMode: plan.loadMode,
          cdcMode: options.cdcMode,
        };
    state.cdcMode = options.cdcMode;
    // No load recorded yet: the plan's choice is the current one (the target table may have appeared or gone).
    if (!state.load) state.loadMode = plan.loadMode;
    if (facts.replaceLoad && state.load) {
      // Keep the incomplete import on record; the export is reused by the write-mode load.
      state.abandonedLoads = [...(state.abandonedLoads ?? []), { load: state.load, abandonedAt: now }];
      delete state.load;
      state.loadMode = 'write';
    }
    const ctx = createStepContext({
      options,
      targetAccess: input.target.access,
      clients,
      facts,
      state,
      store,
      logger,
      ...(deps.signal ? { signal: deps.signal } : {}),
      ...(deps.onProgress ? { onProgress: deps.onProgress } : {}),
      ...(deps.onStateSaved ? { onStateSaved: deps.onStateSaved } : {}),
    });
    logger.info('migration started', {
      runId: state.runId,
      loadMode: state.loadMode,
      cdcMode: options.cdcMode,
    });
    await enablePitrStep(ctx);
    await enableStreamStep(ctx);
    await exportTableStep(ctx);
    const clock = deps.now ?? Date.now;
    // Catch-up windows that close while a long load runs are requested meanwhile.
    await withCatchUpRequests(ctx, clock, () =>
      state.loadMode === 'import' ? importTableStep(ctx) : writeLoadStep(ctx),
    );
    await carrySettingsStep(ctx);
    const result: MigrationResult = { state, stateFile: store.pathFor(state.key) };
    // CDC needs the stream's records since the cut-off: bridged with incremental exports when trimmed (or refused).
    await prepareCdcStart(ctx, clock);
    if (options.cdcMode === 'lambda') await cdcLambdaStep(ctx);
    if (options.cdcMode === 'local') {
      await checkBeforeLocalCdc(ctx);
      const summary = await cdcLocalStep(ctx);
      result.cdc = { records: summary.records, stoppedBy: summary.stoppedBy };
    }
    state.completedAt ??= new Date().toISOString();
    await ctx.save();
    return result;
  } finally {
    destroy();
  }
}
