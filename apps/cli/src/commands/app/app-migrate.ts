import { createInterface } from 'node:readline/promises';
import { setMaxListeners } from 'node:events';
import { MigrationError, PreflightError } from '@ddb-migrate/core';
import {
  applyMigration,
  forEachTable,
  type MigrationPlan,
  MigrationRefusedError,
  planMigration,
  type Refusal,
  type ResolvedAppTable,
} from '@ddb-migrate/migration';
import type { CliContext } from '../../context.js';
import { ExitCode, exitCodeFor, formatErrorLine } from '../../exit-codes.js';
import type { CommandResult } from '../../output.js';
import { resolveSides } from '../../sides.js';
import { toMigrationInput } from '../migrate/migration-input.js';
import { toMigrateOptions } from '../migrate/options.js';
import { renderProgress } from '../migrate/render.js';
import { planDocument, renderPlan } from '../plan/render.js';
import type { PlanDocument } from '../migrate/run.js';
import { appTables, readPlanFile, refuseTableFlags, tableArgv, tableContext } from './plan-file.js';

/** One table's plan in `plan --file`. */
export interface AppTablePlan {
  table: string;
  targetTable: string;
  plan?: PlanDocument;
  problems?: Refusal[];
}

/** What `plan --file` prints with --output json: every table's plan, the totals, every refusal. */
export interface AppPlanResult {
  file: string;
  tables: AppTablePlan[];
  totals: { tables: number; items: number; bytes: number; minutes: number; costUsd: number };
  refused: number;
}

/** What `migrate --file` prints with --output json: each table's outcome. */
export interface AppMigrateResult {
  file: string;
  tables: { table: string; ok: boolean; stateFile?: string; error?: { code: string; message: string } }[];
  needAttention: string[];
}

/** Plans every table of the file (reads only). */
async function planAll(file: string, argv: Record<string, unknown>, ctx: CliContext) {
  refuseTableFlags(argv);
  const appPlan = await readPlanFile(file);
  const tables = await appTables(appPlan, argv, ctx);
  const outcomes = await forEachTable(
    tables.map((t) => t.name),
    appPlan.concurrency ?? 4,
    async (_name, index) => {
      const table = tables[index] as ResolvedAppTable;
      const options = toMigrateOptions(tableArgv(appPlan, table, argv) as never, { env: ctx.env });
      return {
        options,
        plan: await planMigration(toMigrationInput(options, resolveSides(options, ctx.env))),
      };
    },
  );
  return { appPlan, tables, outcomes };
}

const refusalsOf = (table: string, error: unknown): Refusal[] =>
  error instanceof MigrationRefusedError
    ? error.problems.map((p) => ({ ...p, message: `${table}: ${p.message}` }))
    : [
        {
          code: 'PREFLIGHT_REFUSED',
          message: `${table}: ${formatErrorLine(error).replace(/^Error: /, '')}`,
          fix: 'See the message',
        },
      ];

/** `plan --file`: one plan for all tables with the totals and every refusal at once (nothing changed). */
export async function runAppPlan(
  file: string,
  argv: Record<string, unknown>,
  ctx: CliContext,
): Promise<CommandResult<AppPlanResult>> {
  const { tables, outcomes } = await planAll(file, argv, ctx);
  const rows: AppTablePlan[] = outcomes.map((o, i) =>
    o.ok
      ? {
          table: o.table,
          targetTable: (tables[i] as ResolvedAppTable).targetName,
          plan: planDocument(o.value.plan),
        }
      : {
          table: o.table,
          targetTable: (tables[i] as ResolvedAppTable).targetName,
          problems: refusalsOf(o.table, o.error),
        },
  );
  const totals = { tables: rows.length, items: 0, bytes: 0, minutes: 0, costUsd: 0 };
  for (const row of rows) {
    const e = row.plan?.estimate;
    if (!e) continue;
    totals.items += e.itemCount;
    totals.bytes += e.sizeBytes;
    totals.minutes = Math.max(totals.minutes, e.exportMinutes + e.loadMinutes);
    totals.costUsd += e.exportCostUsd + e.loadCostUsd;
  }
  const refused = rows.filter((r) => r.problems).length;
  const data: AppPlanResult = { file, tables: rows, totals, refused };
  const text = [
    ...rows.map((r) =>
      r.plan
        ? `== ${r.table} -> ${r.targetTable}\n${renderPlan(r.plan)}`
        : `== ${r.table}: REFUSED\n${(r.problems ?? []).map((p) => `  ${p.message}: ${p.fix}`).join('\n')}`,
    ),
    `Total: ${totals.tables} tables, ${totals.items.toLocaleString('en-US')} items, ${(totals.bytes / 1024 ** 3).toFixed(2)} GiB, about ${Math.round(totals.minutes)} min (the longest table: tables run in parallel), about $${totals.costUsd.toFixed(2)}`,
    refused
      ? `${refused} table(s) refused: nothing was changed; fix them and plan again`
      : 'Nothing was changed.',
  ].join('\n\n');
  // A refused table is bad input (exit 2); the document still shows every table's plan.
  return { data, text, ...(refused > 0 ? { exitCode: ExitCode.BadInput } : {}) };
}

/**
 * `migrate --file`: every table planned first (any refusal: exit 2, nothing changed), one
 * confirmation, then the tables with bounded concurrency (the file's `concurrency`, default 4:
 * exports, imports and loads of different tables overlap; ImportTable allows 50 at once), one state
 * per table. A table that fails does not stop the others; the summary says which need attention.
 */
export async function runAppMigrate(
  file: string,
  argv: Record<string, unknown>,
  ctx: CliContext,
): Promise<CommandResult<AppMigrateResult>> {
  const { appPlan, outcomes } = await planAll(file, argv, ctx);
  const problems = outcomes.flatMap((o) => (o.ok ? [] : refusalsOf(o.table, o.error)));
  if (problems.length > 0) throw new MigrationRefusedError(problems);
  const planned = outcomes.flatMap((o) => (o.ok ? [{ table: o.table, ...o.value }] : []));
  if (argv.yes !== true)
    await confirmAll(
      planned.map((p) => p.plan),
      ctx,
    );
  // Ctrl-C stops every table at its next save; the same command resumes each from its state.
  const controller = new AbortController();
  setMaxListeners(1000, controller.signal);
  const onSignal = () =>
    controller.abort(
      new MigrationError(
        'INTERRUPTED',
        'migrate --file was interrupted (Ctrl-C); every table stopped at a saved state',
        {
          hint: `Resume with the same command (migrate --file ${file})`,
        },
      ),
    );
  process.once('SIGINT', onSignal);
  const results = await forEachTable(
    planned.map((p) => p.table),
    appPlan.concurrency ?? 4,
    async (_table, index) => {
      const { table, plan } = planned[index] as (typeof planned)[number];
      const tctx = tableContext(ctx, table);
      const result = await applyMigration(plan as MigrationPlan, {
        logger: ctx.logger,
        signal: controller.signal,
        onProgress: renderProgress(tctx.stderr),
      });
      return result.stateFile;
    },
  ).finally(() => process.removeListener('SIGINT', onSignal));
  const tables = results.map((r) =>
    r.ok
      ? { table: r.table, ok: true, stateFile: r.value }
      : {
          table: r.table,
          ok: false,
          error: {
            code: (r.error as { code?: string }).code ?? 'INTERNAL',
            message: formatErrorLine(r.error).replace(/^Error: /, ''),
          },
        },
  );
  const needAttention = tables.filter((t) => !t.ok).map((t) => t.table);
  const text = [
    ...tables.map((t) =>
      t.ok ? `${t.table}: done (state ${t.stateFile})` : `${t.table}: FAILED ${t.error?.message}`,
    ),
    needAttention.length
      ? `Need attention: ${needAttention.join(', ')} (run the same command again: done tables are skipped, the others resume)`
      : 'All tables migrated.',
  ].join('\n');
  const worst = Math.max(0, ...results.map((r) => (r.ok ? 0 : exitCodeFor(r.error))));
  return { data: { file, tables, needAttention }, text, exitCode: worst };
}

async function confirmAll(plans: MigrationPlan[], ctx: CliContext): Promise<void> {
  if (!process.stdin.isTTY || !ctx.stderr.isTTY) {
    throw new PreflightError(
      'CONFIRMATION_REQUIRED',
      'migrate changes both accounts and there is no terminal to confirm on',
      {
        hint: 'Review `ddb-migrate plan --file ...` and pass --yes',
      },
    );
  }
  for (const plan of plans) ctx.stderr.write(`${renderPlan(planDocument(plan))}\n\n`);
  const rl = createInterface({ input: process.stdin, output: ctx.stderr });
  try {
    const answer = await rl.question(`Proceed with these ${plans.length} migrations? [y/N] `);
    if (!/^y(es)?$/i.test(answer.trim())) {
      throw new PreflightError('NOT_CONFIRMED', 'Migration not confirmed; nothing was changed', {
        hint: 'Run again and answer y, or pass --yes',
      });
    }
  } finally {
    rl.close();
  }
}
