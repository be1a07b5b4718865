import { decideCatchUp } from '../catch-up/catch-up-decision.js';
import { catchUpApplies } from '../catch-up/catch-up-step.js';
import type { EngineOptions } from '../migration-input.js';
import type { CatchUpMode, CdcMode, LoadMode } from '../migration-options.js';
import type { MigrationState } from '../state/migration-state.js';
import { type CatchUpEstimate, estimateCatchUp, estimateMigration } from './estimate.js';
import type { PlanFacts } from './preflight-types.js';

/**
 * Where a step stands: `todo` (apply does it), `resume` (a previous run started it; apply goes on
 * from the state file), `done` (recorded as finished; apply skips it), `skip` (nothing to do, e.g.
 * PITR already on, CDC mode none).
 */
export type PlanStepStatus = 'todo' | 'resume' | 'done' | 'skip';

/** The migration's steps, in the order `migrate` runs them. */
export const PLAN_STEPS = ['pitr', 'stream', 'export', 'load', 'settings', 'cdc'] as const;
/**
 * A step's name: `pitr`, `stream`, `export`, `load`, `settings`, `cdc`, and `catch-up` (before
 * `cdc`, only in a plan that expects the stream's 24 h to run out or that resumes a catch-up).
 */
export type PlanStepName = (typeof PLAN_STEPS)[number] | 'catch-up';

/** One step of a plan, as data (the CLI words it). Recorded ARNs and counts come from the state file. */
export type PlanStep =
  | { step: 'pitr'; status: PlanStepStatus; table: string }
  | {
      step: 'stream';
      status: PlanStepStatus;
      table: string;
      /** The view type of the stream used (the one migrate enables: NEW_AND_OLD_IMAGES). */
      viewType: string;
      streamArn?: string;
      /** The stream is (or will be) enabled by migrate, not found on the table. */
      enabledByMigrate: boolean;
    }
  | {
      step: 'export';
      status: PlanStepStatus;
      bucket: string;
      bucketOwner: string;
      /** The export's prefix; a new run's prefix is `prefixRoot/<runId>`. */
      prefixRoot: string;
      prefix?: string;
      /** Minimum seconds between the stream's start and the export time T. */
      streamSettleSeconds: number;
      exportArn?: string;
      exportTime?: string;
      /** A recorded export FAILED; a new one replaces it. */
      replacesFailedExport?: string;
    }
  | {
      step: 'load';
      status: PlanStepStatus;
      mode: LoadMode;
      table: string;
      /** The target table is created (ImportTable or CreateTable), not an existing one used. */
      createsTable: boolean;
      /** A recorded incomplete import is replaced by this write-mode load. */
      replacesImport: boolean;
      importArn?: string;
      itemsLoaded?: number;
      filesLoaded?: number;
      totalFiles?: number;
    }
  | { step: 'settings'; status: PlanStepStatus; table: string }
  | {
      step: 'catch-up';
      /** `skip` with mode `refuse`: migrate would stop before CDC instead. */
      status: PlanStepStatus;
      mode: CatchUpMode;
      /** `estimate`: from the estimated export + load time; `recorded`: from the recorded export time (and catch-up). */
      basis: 'estimate' | 'recorded';
      /** Windows in all: recorded ones plus those still to request. */
      windows: number;
      windowsApplied: number;
      /** Windows and price of what is still to request (an estimate). */
      estimate: CatchUpEstimate;
    }
  | {
      step: 'cdc';
      status: PlanStepStatus;
      mode: CdcMode;
      /** lambda mode: the function, the batch size of its mapping, the mapping on record. */
      functionName?: string;
      /** lambda mode: the account of the function, its queue and mapping. */
      account?: 'source' | 'target';
      batchSize?: number;
      eventSourceMappingUuid?: string;
      /** local mode: records applied by earlier runs. */
      recordsApplied?: number;
    };

/**
 * Every step of the migration, from what preflight found and what the state file records.
 *
 * @param now the clock of the catch-up's decision (default Date.now).
 */
export function planSteps(options: Readonly<EngineOptions>, facts: PlanFacts, now = Date.now()): PlanStep[] {
  const state = facts.state;
  const recorded = (step: { status: string } | undefined, todo: PlanStepStatus = 'todo'): PlanStepStatus =>
    step === undefined ? todo : step.status === 'done' ? 'done' : 'resume';
  const steps: PlanStep[] = [];

  steps.push({
    step: 'pitr',
    status: recorded(state?.pitr, facts.pitrEnabled ? 'skip' : 'todo'),
    table: options.sourceTableName,
  });

  const stream = state?.stream;
  steps.push({
    step: 'stream',
    status: recorded(stream, facts.streamArn ? 'skip' : 'todo'),
    table: options.sourceTableName,
    viewType: stream?.viewType ?? facts.streamViewType ?? 'NEW_AND_OLD_IMAGES',
    ...((stream?.streamArn ?? facts.streamArn) ? { streamArn: stream?.streamArn ?? facts.streamArn } : {}),
    enabledByMigrate: stream ? stream.enabledByUs : !facts.streamArn,
  });

  const exp = state?.export;
  const failed = exp?.failure !== undefined;
  steps.push({
    step: 'export',
    status: failed ? 'todo' : recorded(exp),
    bucket: exp && !failed ? exp.bucket : facts.bucket,
    bucketOwner: exp && !failed ? exp.bucketOwner : facts.targetAccountId,
    prefixRoot: `${options.s3Prefix}/${options.sourceTableName}`,
    ...(exp ? { prefix: exp.prefix } : {}),
    streamSettleSeconds: options.streamSettleSeconds,
    ...(exp?.exportArn && !failed ? { exportArn: exp.exportArn } : {}),
    ...(exp?.exportTime && !failed ? { exportTime: exp.exportTime } : {}),
    ...(failed && exp?.exportArn ? { replacesFailedExport: exp.exportArn } : {}),
  });

  const load = facts.replaceLoad ? undefined : state?.load;
  steps.push({
    step: 'load',
    status: recorded(load),
    mode: load?.mode ?? facts.loadMode,
    table: options.targetTableName,
    createsTable: load
      ? load.mode === 'import' || load.tableCreated === true || !facts.targetTable
      : !facts.targetTable,
    replacesImport: facts.replaceLoad,
    ...(load?.importArn ? { importArn: load.importArn } : {}),
    ...(load ? { itemsLoaded: load.itemsLoaded } : {}),
    ...(load?.mode === 'write' ? { filesLoaded: load.loadedFiles.length } : {}),
    ...(load?.totalFiles === undefined ? {} : { totalFiles: load.totalFiles }),
  });

  steps.push({ step: 'settings', status: recorded(state?.settings), table: options.targetTableName });
  const catchUp = catchUpPlan(options, facts, now);
  if (catchUp) steps.push(catchUp);

  const cdc = state?.cdc;
  const mode = options.cdcMode;
  let cdcStatus: PlanStepStatus;
  if (mode === 'none') cdcStatus = 'skip';
  else if (!cdc || cdc.mode !== mode) cdcStatus = 'todo';
  // Local CDC runs again on every migrate (from its checkpoint); a recorded mapping that is gone is made anew.
  else if (mode === 'local' || !cdc.esmUuid || facts.recordedMappingGone) cdcStatus = 'resume';
  else cdcStatus = recorded(cdc);
  steps.push({
    step: 'cdc',
    status: cdcStatus,
    mode,
    ...(mode === 'lambda'
      ? {
          functionName: options.cdcLambdaFunctionName,
          account: options.cdcAccount,
          batchSize: options.lambdaEventSourceBatchSize,
        }
      : {}),
    ...(mode === 'lambda' && cdc?.esmUuid && !facts.recordedMappingGone
      ? { eventSourceMappingUuid: cdc.esmUuid }
      : {}),
    ...(mode === 'local' && cdc?.mode === 'local' && cdc.applied !== undefined
      ? { recordsApplied: cdc.applied }
      : {}),
  });
  return steps;
}

/**
 * The catch-up step, when one is expected: a recorded catch-up (resumed, or done); a recorded export
 * whose stream window has run out; before the export, an estimated export + load longer than the
 * stream keeps records. Undefined otherwise (and without CDC).
 */
function catchUpPlan(
  options: Readonly<EngineOptions>,
  facts: PlanFacts,
  now: number,
): Extract<PlanStep, { step: 'catch-up' }> | undefined {
  const state: MigrationState | undefined = facts.state;
  if (options.cdcMode === 'none' || state?.cdc?.status === 'done') return undefined;
  const table = facts.source.table;
  const wcu =
    table.BillingModeSummary?.BillingMode === 'PAY_PER_REQUEST'
      ? 0
      : Number(table.ProvisionedThroughput?.WriteCapacityUnits ?? 0);
  const marginMs = options.exportTimeMarginSeconds * 1000;
  const exportTime = state?.export?.failure ? undefined : state?.export?.exportTime;
  const recordedWindows = state?.catchUp?.windows ?? [];
  let cutoff: number;
  let at: number;
  if (exportTime) {
    if (state && !catchUpApplies(state)) return undefined;
    const last = recordedWindows[recordedWindows.length - 1];
    cutoff = Date.parse(last ? last.to : exportTime);
    at = now;
  } else {
    // Before the export: T is about now, and CDC starts once export and load are done.
    const e = estimateMigration({
      itemCount: Number(table.ItemCount ?? 0),
      sizeBytes: Number(table.TableSizeBytes ?? 0),
      loadMode: facts.loadMode,
      ...(options.maxWcu === undefined ? {} : { maxWcu: options.maxWcu }),
    });
    cutoff = now;
    at = now + (e.exportMinutes + e.loadMinutes) * 60_000;
  }
  const decision = decideCatchUp({ cutoff, now: at, marginMs });
  const toRequest = decision.path === 'catch-up' ? decision.windows : [];
  if (recordedWindows.length === 0 && toRequest.length === 0) return undefined;
  const hours = toRequest.reduce((h, w, i) => h + (w.to - w.from - (i > 0 ? marginMs : 0)) / 3_600_000, 0);
  const applied = recordedWindows.filter((w) => w.status === 'applied').length;
  const refused = options.catchUp === 'refuse';
  let status: PlanStepStatus;
  if (refused) status = 'skip';
  else if (state?.catchUp?.status === 'done' && toRequest.length === 0) status = 'done';
  else status = recordedWindows.length > 0 ? 'resume' : 'todo';
  return {
    step: 'catch-up',
    status,
    mode: options.catchUp,
    basis: exportTime ? 'recorded' : 'estimate',
    windows: recordedWindows.length + toRequest.length,
    windowsApplied: applied,
    estimate: estimateCatchUp({
      windows: toRequest.length,
      hours,
      ...(wcu > 0 ? { provisionedWcu: wcu } : {}),
    }),
  };
}
