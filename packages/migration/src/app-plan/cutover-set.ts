import type { Difference } from '@ddb-migrate/consistency-checker';
import { type Logger, MigrationError } from '@ddb-migrate/core';
import { MigrationRefusedError, type Refusal } from '../errors.js';
import { abortCutover } from '../cutover/cutover-abort.js';
import { applyCutover, type CutoverProgress, type CutoverResult } from '../cutover/cutover-apply.js';
import type { CutoverClients, CutoverInput } from '../cutover/cutover-input.js';
import { type CutoverPlan, planCutover } from '../cutover/cutover-plan.js';
import type { CutoverDirection } from '../cutover/cutover-state.js';
import { forEachTable } from './resolve-tables.js';

/** One table of a set cut over together. */
export interface CutoverSetMember {
  table: string;
  input: CutoverInput;
  clients: CutoverClients;
}

/** One table's outcome in a set. */
export interface CutoverSetTable {
  table: string;
  outcome: CutoverResult['outcome'] | 'failed' | 'aborted';
  differences?: number;
  /** The failure, as thrown (the caller renders it). */
  error?: unknown;
  freezeLifted?: boolean;
}

/** What {@link cutoverSet} did. */
export interface CutoverSetResult {
  /** `switched`: every table, at `switchedAt`; `not-ready`: some table is not proved, none switched. */
  outcome: 'switched' | 'not-ready' | 'partly-switched';
  switchedAt?: string;
  hook?: { command: string; exitCode: number | null };
  tables: CutoverSetTable[];
}

/** What a set's run may be given. */
export interface CutoverSetDeps {
  direction: CutoverDirection;
  logger: Logger;
  onProgress?: (table: string, event: CutoverProgress) => void;
  onDifference?: (table: string, difference: Difference) => void | Promise<void>;
  /** The switch hook, run once for the whole set when every table is proved. */
  onSwitch?: (moment: {
    switchedAt: string;
    direction: CutoverDirection;
  }) => Promise<{ command: string; exitCode: number | null }>;
}

/**
 * Plans every member (read only) and refuses with every problem of every table at once.
 *
 * @throws MigrationRefusedError naming the table of each problem.
 */
export async function planCutoverSet(
  members: readonly CutoverSetMember[],
  deps: { direction: CutoverDirection; logger: Logger; purpose?: 'run' | 'abort' },
): Promise<CutoverPlan[]> {
  const planned = await forEachTable(
    members.map((m) => m.table),
    members.length,
    (_t, i) => {
      const m = members[i] as CutoverSetMember;
      return planCutover(m.input, {
        clients: m.clients,
        logger: deps.logger,
        direction: deps.direction,
        purpose: deps.purpose ?? 'run',
      });
    },
  );
  const problems: Refusal[] = planned.flatMap((p) => {
    if (p.ok) return [];
    if (p.error instanceof MigrationRefusedError)
      return p.error.problems.map((x) => ({ ...x, message: `${p.table}: ${x.message}` }));
    throw p.error;
  });
  if (problems.length > 0) throw new MigrationRefusedError(problems);
  return planned.map((p) => (p as { value: CutoverPlan }).value);
}

/**
 * Cuts a set of tables over together: every table frozen, fenced and proved (in parallel: each
 * freeze stops writes); only when all are proved does the hook run, once, and every table switch
 * at the same recorded moment. A table with differences or a failure switches none: the freezes
 * stay until a re-run (which resumes each table from its state) or {@link abortCutoverSet}.
 *
 * @throws MigrationError SWITCH_HOOK_FAILED when the hook exits non-zero (nothing switched).
 */
export async function cutoverSet(
  members: readonly CutoverSetMember[],
  deps: CutoverSetDeps,
): Promise<CutoverSetResult> {
  const tables = members.map((m) => m.table);
  const plans = await planCutoverSet(members, deps);
  const proved = await forEachTable(tables, tables.length, (table, i) =>
    applyCutover(plans[i] as CutoverPlan, {
      clients: (members[i] as CutoverSetMember).clients,
      logger: deps.logger,
      until: 'proved',
      ...(deps.onDifference ? { onDifference: (d: Difference) => deps.onDifference?.(table, d) } : {}),
      ...(deps.onProgress ? { onProgress: (e: CutoverProgress) => deps.onProgress?.(table, e) } : {}),
    }),
  );
  const rows: CutoverSetTable[] = proved.map((p) =>
    p.ok
      ? { table: p.table, outcome: p.value.outcome, differences: p.value.differences.length }
      : { table: p.table, outcome: 'failed', error: p.error },
  );
  if (!rows.every((r) => r.outcome === 'proved' || r.outcome === 'switched'))
    return { outcome: 'not-ready', tables: rows };
  const switchedAt = new Date().toISOString();
  const hook = deps.onSwitch ? await deps.onSwitch({ switchedAt, direction: deps.direction }) : undefined;
  if (hook && hook.exitCode !== 0) {
    throw new MigrationError(
      'SWITCH_HOOK_FAILED',
      `The switch hook exited with ${hook.exitCode ?? 'a signal'}: no table was switched`,
      {
        hint: 'Fix the hook and run the same command again (the freezes stay), or --abort',
      },
    );
  }
  // Planned again: each table's state has moved on (proved) since the first plan.
  const replanned = await planCutoverSet(members, deps);
  const switched = await forEachTable(tables, tables.length, (_t, i) =>
    applyCutover(replanned[i] as CutoverPlan, {
      clients: (members[i] as CutoverSetMember).clients,
      logger: deps.logger,
      switchedAt,
      replicateBack: false,
    }),
  );
  const final: CutoverSetTable[] = switched.map((s) =>
    s.ok
      ? { table: s.table, outcome: s.value.outcome }
      : { table: s.table, outcome: 'failed', error: s.error },
  );
  return {
    outcome: final.every((r) => r.outcome === 'switched') ? 'switched' : 'partly-switched',
    switchedAt,
    ...(hook ? { hook } : {}),
    tables: final,
  };
}

/** Lifts every table's freeze (each table's own policy back), whatever step each had reached. */
export async function abortCutoverSet(
  members: readonly CutoverSetMember[],
  deps: { direction: CutoverDirection; logger: Logger },
): Promise<CutoverSetTable[]> {
  const plans = await planCutoverSet(members, { ...deps, purpose: 'abort' });
  const aborted = await forEachTable(
    members.map((m) => m.table),
    members.length,
    (_t, i) =>
      abortCutover(plans[i] as CutoverPlan, {
        clients: (members[i] as CutoverSetMember).clients,
        logger: deps.logger,
      }),
  );
  return aborted.map((a) =>
    a.ok
      ? { table: a.table, outcome: 'aborted', freezeLifted: a.value.freeze === 'lifted' }
      : { table: a.table, outcome: 'failed', error: a.error },
  );
}
