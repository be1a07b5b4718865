import { PreflightError } from '@ddb-migrate/core';
import type { MigrationKey, MigrationState } from '../state/migration-state.js';
import type { StateStore } from '../state/state-store.js';
import { checkCdcFunction, checkEstimate } from './cdc-checks.js';
import type { Estimate } from './estimate.js';
import { checkSourceIdentity, checkTargetRole } from './identity-checks.js';
import {
  type Finding,
  orderedActions,
  type PreflightCheck,
  type PreflightContext,
  type PreflightFacts,
} from './preflight-types.js';
import { checkPitr, checkSourceTable, checkStream } from './source-checks.js';
import { checkImportQuota } from './quota-checks.js';
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
  checkSourceTable,
  checkPitr,
  checkStream,
  checkTargetTable,
  checkBucket,
  checkImportQuota,
  checkCdcFunction,
  checkEstimate,
];

/** What `plan` prints and `migrate` executes. */
export interface MigrationPlan {
  key: MigrationKey;
  source: {
    account: string;
    region: string;
    table: string;
    tableArn?: string;
    itemCount: number;
    keySchema: string;
    gsis: number;
    lsis: number;
    billing: string;
    pitr: boolean;
    stream: string;
  };
  target: { account: string; region: string; table: string; access: string; exists: boolean };
  bucket: string;
  loadMode: 'import' | 'write';
  cdcMode: string;
  fetchOnChange: boolean;
  actions: string[];
  findings: Finding[];
  estimate?: Estimate;
  resume?: { runId: string; lastStep: string };
}

/**
 * Runs every preflight check. Never changes anything.
 *
 * @throws PreflightError carrying the first blocking finding (and the count of the others).
 */
export async function runPreflight(
  ctx: Omit<PreflightContext, 'facts' | 'loadState'>,
  store: StateStore,
  lastStep: (s: MigrationState) => string,
): Promise<{ plan: MigrationPlan; facts: PreflightFacts }> {
  const facts: PreflightFacts = { actions: [] };
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
  const errors = findings.filter((f) => f.level === 'error');
  if (errors.length > 0) {
    const [first] = errors;
    const more =
      errors.length > 1
        ? ` (and ${errors.length - 1} more: ${errors
            .slice(1)
            .map((e) => e.code)
            .join(', ')})`
        : '';
    throw new PreflightError(first?.code ?? 'PREFLIGHT', `${first?.message}${more}`, {
      hint: first?.fix ?? '',
    });
  }
  facts.actions.push({
    step: 'settings',
    text: 'Carry settings (TTL, PITR, tags, deletion protection, ...) and report drift',
  });
  return { plan: buildPlan(ctx, facts, findings, lastStep), facts };
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

function buildPlan(
  ctx: Omit<PreflightContext, 'facts' | 'loadState'>,
  facts: PreflightFacts,
  findings: Finding[],
  lastStep: (s: MigrationState) => string,
): MigrationPlan {
  const { options, sides } = ctx;
  const table = facts.source?.table;
  const keys = (table?.KeySchema ?? []).map(
    (k) => `${k.AttributeName} (${k.KeyType === 'HASH' ? 'partition' : 'sort'})`,
  );
  return {
    key: keyOf(options, facts),
    source: {
      account: facts.sourceAccountId ?? '?',
      region: options.sourceRegion,
      table: options.sourceTableName,
      ...(table?.TableArn ? { tableArn: table.TableArn } : {}),
      itemCount: Number(table?.ItemCount ?? 0),
      keySchema: keys.join(', '),
      gsis: table?.GlobalSecondaryIndexes?.length ?? 0,
      lsis: table?.LocalSecondaryIndexes?.length ?? 0,
      billing:
        table?.BillingModeSummary?.BillingMode ??
        (table?.ProvisionedThroughput?.ReadCapacityUnits ? 'PROVISIONED' : 'PAY_PER_REQUEST'),
      pitr: facts.pitrEnabled === true,
      stream: facts.streamViewType ?? 'none (will enable NEW_AND_OLD_IMAGES)',
    },
    target: {
      account: facts.targetAccountId ?? '?',
      region: options.targetRegion,
      table: options.targetTableName,
      access:
        sides.targetAccess.kind === 'assume-role'
          ? `assume ${sides.targetAccess.roleArn}`
          : sides.targetAccess.kind === 'profile'
            ? `profile ${sides.targetAccess.profile}`
            : 'source credentials',
      exists: facts.targetTable !== undefined,
    },
    bucket: facts.bucket ?? '?',
    loadMode: facts.loadMode ?? 'import',
    cdcMode: options.cdcMode,
    fetchOnChange: facts.fetchOnChange === true,
    actions: orderedActions(facts.actions),
    findings,
    ...(facts.estimate ? { estimate: facts.estimate } : {}),
    ...(facts.state ? { resume: { runId: facts.state.runId, lastStep: lastStep(facts.state) } } : {}),
  };
}
