import { InternalError, MigrationError } from '@ddb-migrate/core';
import type { MigrationState } from '../state/migration-state.js';
import type { StepContext } from '../step-context.js';
import { readLocalCheckpoint, streamWindowProblem } from '../steps/stream-window.js';
import { decideCatchUp } from './catch-up-decision.js';
import { applyWindow } from './window-apply.js';
import { awaitWindowExport, recordWindow, requestWindowExport } from './window-export.js';

/** Rounds of new windows one run adds (each bridges to a recent T2) before it stops as falling behind. */
const MAX_ROUNDS = 10;

/**
 * True while a catch-up can still bridge the gap: CDC has not read the stream yet (no event source
 * mapping requested, no local checkpoint). Once it has, its own position decides, not a catch-up.
 */
export function catchUpApplies(state: MigrationState): boolean {
  const cdc = state.cdc;
  if (!cdc) return true;
  if (state.completedAt !== undefined) return false;
  if (cdc.esmUuid !== undefined || cdc.esmRequestedAt !== undefined) return false;
  if (cdc.mode !== 'local') return true;
  return cdc.applied === undefined && cdc.drainedAt === undefined && readLocalCheckpoint(state) === undefined;
}

/**
 * Right before CDC starts: if the records it needs (from the export time T minus the margin) may
 * already be trimmed from the stream, or a catch-up is under way, bridge with incremental exports
 * (`--catch-up incremental`); then CDC's cut-off is the catch-up's T2. Stops with
 * STREAM_WINDOW_EXCEEDED when the gap remains (`--catch-up refuse`, or CDC already read the stream).
 *
 * @param now the clock of the decision (tests move it a day ahead).
 */
export async function prepareCdcStart(ctx: StepContext, now: () => number): Promise<void> {
  const { state, options } = ctx;
  if (options.cdcMode === 'none' || state.cdc?.status === 'done') return;
  const problem = streamWindowProblem(state, options.exportTimeMarginSeconds, now());
  const underWay = state.catchUp !== undefined && state.catchUp.status !== 'done';
  if ((problem || underWay) && options.catchUp === 'incremental' && catchUpApplies(state)) {
    await catchUpStep(ctx, now);
  }
  const left = streamWindowProblem(state, options.exportTimeMarginSeconds, now());
  if (left) {
    const hint =
      options.catchUp === 'incremental' && !catchUpApplies(state)
        ? 'CDC already read part of the stream, so no catch-up applies: start a fresh migration (move the state file away), or run `ddb-migrate verify --repair` once writes to the source stopped'
        : left.fix;
    // Not a preflight refusal: this run has already exported and loaded (exit 3, state saved).
    throw new MigrationError('STREAM_WINDOW_EXCEEDED', left.message, { hint });
  }
}

/**
 * The catch-up: every recorded window is requested (their exports run side by side), then each is
 * awaited and applied in order; then, from the end of the last window (or T), the same decision
 * as before CDC: inside the stream's window, CDC's export time becomes that end (T2) and the step is
 * done; else more windows up to a recent T2 are recorded (write-ahead) and the round repeats, since
 * applying took time. Resumes from the state at any point.
 *
 * @throws MigrationError `CATCH_UP_BEHIND` when rounds keep falling behind the stream.
 */
export async function catchUpStep(ctx: StepContext, now: () => number): Promise<void> {
  const exportTime = ctx.state.export?.exportTime;
  if (!exportTime) throw new InternalError('Catch-up before the export finished');
  const marginMs = ctx.options.exportTimeMarginSeconds * 1000;
  for (let round = 0; ; round += 1) {
    const step = ctx.state.catchUp;
    for (const window of step?.windows ?? []) {
      if (window.status === 'requested') await requestWindowExport(ctx, window);
    }
    for (const window of step?.windows ?? []) {
      await awaitWindowExport(ctx, window);
      await applyWindow(ctx, window);
    }
    const last = step?.windows[step.windows.length - 1];
    const end = Date.parse(last ? last.to : exportTime);
    const decision = decideCatchUp({ cutoff: end, now: now(), marginMs });
    if (decision.path === 'stream') {
      if (step && step.status !== 'done') {
        step.cdcExportTime = new Date(end).toISOString();
        step.status = 'done';
        // A function configured with the old EXPORT_TIME (no mapping yet) is configured again.
        if (ctx.state.cdc?.functionConfigured) ctx.state.cdc.functionConfigured = false;
        await ctx.save();
        ctx.logger.info('catch-up done', { windows: step.windows.length, cdcExportTime: step.cdcExportTime });
      }
      return;
    }
    if (round >= MAX_ROUNDS) {
      throw new MigrationError(
        'CATCH_UP_BEHIND',
        `After ${round} rounds of incremental exports the catch-up still ends more than a day behind (${new Date(end).toISOString()})`,
        {
          hint: 'Applying the windows is slower than the source changes: raise --max-wcu / --write-concurrency or the target capacity, and run migrate again',
        },
      );
    }
    ctx.state.catchUp ??= { status: 'started', startedAt: new Date(now()).toISOString(), windows: [] };
    ctx.logger.info('catch-up: the stream no longer holds the changes since the cut-off', {
      from: new Date(decision.oldestNeeded).toISOString(),
      windows: decision.windows.length,
    });
    for (const span of decision.windows) await recordWindow(ctx, span);
  }
}
