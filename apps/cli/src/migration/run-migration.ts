import { randomBytes } from 'node:crypto';
import { type Logger, MigrationError, PreflightError } from '@ddb-migrate/core';
import { resolveSides } from '../sides.js';
import { createMigrationClients } from './migration-clients.js';
import type { MigrateOptions } from './migrate-options.js';
import { type MigrationPlan, runPreflight } from './preflight/run-preflight.js';
import { lastFinishedStep, type MigrationState } from './state/migration-state.js';
import { StateStore } from './state/state-store.js';
import { carrySettingsStep } from './steps/carry-settings.js';
import { cdcLambdaStep } from './steps/cdc-lambda-mode.js';
import { cdcLocalStep } from './steps/cdc-local-mode.js';
import { enablePitrStep } from './steps/enable-pitr.js';
import { enableStreamStep } from './steps/enable-stream.js';
import { exportTableStep } from './steps/export-table.js';
import { importTableStep } from './steps/import-table.js';
import { checkBeforeLocalCdc } from './steps/local-cdc-preconditions.js';
import { streamWindowProblem } from './steps/stream-window.js';
import { writeLoadStep } from './steps/write-load.js';
import { createStepContext, type MigrationHooks } from './step-context.js';

/** What migrate (and plan) report. */
export interface MigrationReport {
  plan: MigrationPlan;
  dryRun: boolean;
  state?: MigrationState;
  stateFile?: string;
  cdc?: { records: number; stoppedBy: string };
}

/** The environment a migration runs in (the CLI passes its context; tests their own). */
export interface MigrationDeps {
  env: NodeJS.ProcessEnv;
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  logger: Logger;
  signal?: AbortSignal;
  hooks?: MigrationHooks;
  /** Asks the user to go ahead; undefined = no terminal to ask on. */
  confirm?: (plan: MigrationPlan) => Promise<boolean>;
}

/**
 * Preflight, then (unless dry run) every step in order, each skipped when the state says it is
 * done: PITR, stream, export, load (import or write), settings, CDC. Safe to re-run after a crash
 * at any point; never starts a second export or import.
 *
 * @throws PreflightError (nothing changed) or MigrationError/AwsCallError (failure while running).
 */
export async function runMigration(
  options: Readonly<MigrateOptions>,
  deps: MigrationDeps,
): Promise<MigrationReport> {
  const sides = resolveSides(options, deps.env, { maxSockets: Math.max(16, options.writeConcurrency * 2) });
  const clients = createMigrationClients(sides.source, sides.target);
  const store = new StateStore(options.stateDir);
  try {
    const { plan, facts } = await runPreflight({ options, sides, clients }, store, lastFinishedStep);
    if (options.dryRun) return { plan, dryRun: true };
    if (!options.yes) {
      if (!deps.confirm) {
        throw new PreflightError(
          'CONFIRMATION_REQUIRED',
          'migrate changes both accounts and there is no terminal to confirm on',
          {
            hint: 'Review `ddb-migrate plan` and pass --yes',
          },
        );
      }
      if (!(await deps.confirm(plan))) {
        throw new PreflightError('NOT_CONFIRMED', 'Migration not confirmed; nothing was changed', {
          hint: 'Run again and answer y, or pass --yes',
        });
      }
    }
    const now = new Date().toISOString();
    const state: MigrationState = facts.state ?? {
      version: 1,
      key: plan.key,
      runId: `${now.slice(0, 10).replaceAll('-', '')}-${randomBytes(3).toString('hex')}`,
      createdAt: now,
      updatedAt: now,
      loadMode: plan.loadMode,
      cdcMode: options.cdcMode,
    };
    state.cdcMode = options.cdcMode;
    if (facts.replaceLoad && state.load) {
      // Keep the incomplete import on record; the export is reused by the write-mode load.
      state.abandonedLoads = [...(state.abandonedLoads ?? []), { load: state.load, abandonedAt: now }];
      delete state.load;
      state.loadMode = 'write';
    }
    const ctx = createStepContext({
      options,
      sides,
      clients,
      facts,
      state,
      store,
      logger: deps.logger,
      stderr: deps.stderr,
      ...(deps.signal ? { signal: deps.signal } : {}),
      ...(deps.hooks ? { hooks: deps.hooks } : {}),
    });
    deps.logger.info('migration started', {
      runId: state.runId,
      loadMode: state.loadMode,
      cdcMode: options.cdcMode,
    });
    await enablePitrStep(ctx);
    await enableStreamStep(ctx);
    await exportTableStep(ctx);
    if (state.loadMode === 'import') await importTableStep(ctx);
    else await writeLoadStep(ctx);
    await carrySettingsStep(ctx);
    const report: MigrationReport = { plan, dryRun: false, state, stateFile: store.pathFor(state.key) };
    if (options.cdcMode !== 'none') {
      const problem = streamWindowProblem(state, options.exportTimeMarginSeconds, Date.now());
      if (problem && state.cdc?.status !== 'done') {
        // Not a preflight refusal: this run has already exported and loaded (exit 3, state saved).
        throw new MigrationError('STREAM_WINDOW_EXCEEDED', problem.message, { hint: problem.fix });
      }
    }
    if (options.cdcMode === 'lambda') await cdcLambdaStep(ctx);
    if (options.cdcMode === 'local') {
      await checkBeforeLocalCdc(ctx);
      const summary = await cdcLocalStep(ctx);
      report.cdc = { records: summary.records, stoppedBy: summary.stoppedBy };
    }
    state.completedAt ??= new Date().toISOString();
    await ctx.save();
    return report;
  } finally {
    clients.destroy();
  }
}
