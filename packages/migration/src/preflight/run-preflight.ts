import { InternalError } from '@ddb-migrate/core';
import { MigrationRefusedError } from '../errors.js';
import type { MigrationKey } from '../state/migration-state.js';
import type { StateStore } from '../state/state-store.js';
import { checkCdcAccount } from './cdc-account-checks.js';
import { checkCdcFunction, checkEstimate } from './cdc-checks.js';
import type { Estimate } from './estimate.js';
import { checkSourceIdentity, checkTargetRole } from './identity-checks.js';
import { type PlanStep, planSteps } from './plan-steps.js';
import {
  type Finding,
  isRefusal,
  type PlanFacts,
  type PreflightCheck,
  type PreflightContext,
  type PreflightFacts,
} from './preflight-types.js';
import { checkPitr, checkSourceTable, checkStream } from './source-checks.js';
import { checkImportQuota } from './quota-checks.js';
import { checkTargetIsSource } from './resume-checks.js';
import { checkBucket, checkTargetTable } from './target-checks.js';

/** Loads the previous run's state once both accounts are known. */
const checkState: PreflightCheck = async (ctx) => {
  if (!ctx.facts.sourceAccountId || !ctx.facts.targetAccountId) return [];
  const state = await ctx.loadState(ctx.facts);
  if (state) ctx.facts.state = state;
  return [];
};

/** The checks, in order; each reads only and may build on the facts of the ones before. */
export const PREFLIGHT_CHECKS: readonly PreflightCheck[] = [
  checkSourceIdentity,
  checkTargetRole,
  checkState,
  checkTargetIsSource,
  checkSourceTable,
  checkPitr,
  checkStream,
  checkTargetTable,
  checkBucket,
  checkImportQuota,
  checkCdcFunction,
  checkCdcAccount,
  checkEstimate,
];

/** What a passed preflight returns: the complete facts, every finding, the steps in order. */
export interface PreflightResult {
  facts: PlanFacts;
  findings: Finding[];
  steps: PlanStep[];
  estimate?: Estimate;
}

/**
 * Runs every preflight check. Never changes anything.
 *
 * @throws MigrationRefusedError naming every blocking finding, each with its fix.
 */
export async function runPreflight(
  ctx: Omit<PreflightContext, 'facts' | 'loadState'>,
  store: StateStore,
): Promise<PreflightResult> {
  const facts: PreflightFacts = {};
  const full: PreflightContext = {
    ...ctx,
    facts,
    loadState: (f) => store.load(keyOf(ctx.options, f)),
  };
  const findings: Finding[] = [];
  for (const check of PREFLIGHT_CHECKS) {
    findings.push(...(await check(full)));
    // Identity problems make every later answer meaningless: stop early.
    if (findings.some((f) => f.level === 'error') && (!facts.sourceAccountId || !facts.targetAccountId))
      break;
  }
  const errors = findings.filter(isRefusal);
  if (errors.length > 0) {
    throw new MigrationRefusedError(errors.map((e) => ({ code: e.code, message: e.message, fix: e.fix })));
  }
  const complete = completeFacts(facts);
  return {
    facts: complete,
    findings,
    steps: planSteps(ctx.options, complete),
    ...(facts.estimate ? { estimate: facts.estimate } : {}),
  };
}

/**
 * The facts of a preflight without errors. The identity, source, bucket and load-mode checks
 * either record their fact or report an error, so a missing one is a bug, not a user problem.
 */
function completeFacts(facts: PreflightFacts): PlanFacts {
  const { sourceAccountId, targetAccountId, source, bucket, loadMode } = facts;
  if (!sourceAccountId || !targetAccountId || !source || !bucket || !loadMode) {
    const missing = Object.entries({ sourceAccountId, targetAccountId, source, bucket, loadMode })
      .filter(([, v]) => !v)
      .map(([k]) => k);
    throw new InternalError(`Preflight passed without finding ${missing.join(', ')}`);
  }
  return {
    sourceAccountId,
    ...(facts.sourceCallerArn ? { sourceCallerArn: facts.sourceCallerArn } : {}),
    targetAccountId,
    ...(facts.targetCallerArn ? { targetCallerArn: facts.targetCallerArn } : {}),
    source,
    pitrEnabled: facts.pitrEnabled === true,
    ...(facts.streamArn ? { streamArn: facts.streamArn } : {}),
    ...(facts.streamViewType ? { streamViewType: facts.streamViewType } : {}),
    fetchOnChange: facts.fetchOnChange === true,
    ...(facts.targetTable ? { targetTable: facts.targetTable } : {}),
    loadMode,
    replaceLoad: facts.replaceLoad === true,
    bucket,
    ...(facts.functionArn ? { functionArn: facts.functionArn } : {}),
    ...(facts.functionEnv ? { functionEnv: facts.functionEnv } : {}),
    ...(facts.dlqUrl ? { dlqUrl: facts.dlqUrl } : {}),
    ...(facts.dlqArn ? { dlqArn: facts.dlqArn } : {}),
    recordedMappingGone: facts.recordedMappingGone === true,
    ...(facts.state ? { state: facts.state } : {}),
  };
}

/** The state key of a migration once both accounts are known. */
export function keyOf(
  options: PreflightContext['options'],
  facts: Pick<PreflightFacts, 'sourceAccountId' | 'targetAccountId'>,
): MigrationKey {
  return {
    sourceAccountId: facts.sourceAccountId ?? 'unknown',
    sourceRegion: options.sourceRegion,
    sourceTableName: options.sourceTableName,
    targetAccountId: facts.targetAccountId ?? 'unknown',
    targetRegion: options.targetRegion,
    targetTableName: options.targetTableName,
  };
}
