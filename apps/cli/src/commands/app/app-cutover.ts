import { createReportWriter } from '@ddb-migrate/consistency-checker';
import { MigrationError, PreflightError } from '@ddb-migrate/core';
import {
  abortCutover,
  applyCutover,
  type CutoverDirection,
  type CutoverInput,
  type CutoverResult,
  forEachTable,
  MigrationRefusedError,
  openCutoverClients,
  planCutover,
  type Refusal,
} from '@ddb-migrate/migration';
import type { CliContext } from '../../context.js';
import { ExitCode, formatErrorLine } from '../../exit-codes.js';
import type { CommandResult } from '../../output.js';
import { resolveSides } from '../../sides.js';
import { type CutoverArgv, toCutoverInput, toCutoverOptions } from '../cutover/options.js';
import { runHook } from '../cutover/switch-hook.js';
import { appTables, readPlanFile, refuseTableFlags, tableArgv, tableContext } from './plan-file.js';

/** One table's part of `cutover --file`. */
export interface AppCutoverTable {
  table: string;
  /** `proved`: ready, waiting for the others; `switched`; `differences`; `failed`; `aborted`; `planned`. */
  outcome: CutoverResult['outcome'] | 'failed' | 'aborted' | 'planned';
  differences?: number;
  report?: string;
  error?: { code: string; message: string };
  freezeLifted?: boolean;
}

/** What `cutover --file` prints with --output json. */
export interface AppCutoverResult {
  file: string;
  command: 'cutover' | 'rollback';
  /** Every table switched at this one moment, or none did. */
  switchedAt?: string;
  hook?: { command: string; exitCode: number | null };
  tables: AppCutoverTable[];
}

/**
 * `cutover --file`: the preconditions of every table at once (any refusal: exit 2, nothing
 * changed); then every table frozen, fenced and proved; only when all are proved does the hook run
 * and every table switch at the same recorded moment. A table with differences or a failure
 * switches none: the freezes stay (exit 1 or 3) until a re-run or `--abort`, which lifts every one.
 */
export async function runAppCutover(
  file: string,
  argv: CutoverArgv & { file?: string },
  ctx: CliContext,
  direction: CutoverDirection,
): Promise<CommandResult<AppCutoverResult>> {
  const command = direction === 'forward' ? 'cutover' : 'rollback';
  refuseTableFlags(argv as unknown as Record<string, unknown>);
  const appPlan = await readPlanFile(file);
  const tables = await appTables(appPlan, argv as unknown as Record<string, unknown>, ctx);
  const options = toCutoverOptions(argv, command);
  const lanes = tables.map((t) => {
    const tArgv = tableArgv(appPlan, t, argv as unknown as Record<string, unknown>) as unknown as CutoverArgv;
    const withState = {
      ...options,
      engine: {
        ...options.engine,
        stateDir: (tArgv.stateDir as string | undefined) ?? options.engine.stateDir,
      },
    };
    const input: CutoverInput = toCutoverInput(tArgv, withState, resolveSides(tArgv, ctx.env));
    return { table: t.name, input, ...openCutoverClients(input) };
  });
  const all = lanes.map((l) => l.table);
  const planAll = (purpose: 'run' | 'abort') =>
    forEachTable(all, all.length, (_t, i) => {
      const lane = lanes[i] as (typeof lanes)[number];
      return planCutover(lane.input, { clients: lane.clients, logger: ctx.logger, direction, purpose });
    });
  try {
    const planned = await planAll(options.abort ? 'abort' : 'run');
    const problems: Refusal[] = planned.flatMap((p) =>
      p.ok
        ? []
        : p.error instanceof MigrationRefusedError
          ? p.error.problems.map((x) => ({ ...x, message: `${p.table}: ${x.message}` }))
          : [
              {
                code: 'PREFLIGHT_REFUSED' as const,
                message: `${p.table}: ${formatErrorLine(p.error).replace(/^Error: /, '')}`,
                fix: 'See the message',
              },
            ],
    );
    if (problems.length > 0) throw new MigrationRefusedError(problems);
    const plans = planned.map((p) => (p.ok ? p.value : (undefined as never)));
    if (options.abort) {
      const aborted = await forEachTable(all, all.length, (_t, i) =>
        abortCutover(plans[i] as (typeof plans)[number], {
          clients: (lanes[i] as (typeof lanes)[number]).clients,
          logger: ctx.logger,
        }),
      );
      const rows: AppCutoverTable[] = aborted.map((a) =>
        a.ok
          ? { table: a.table, outcome: 'aborted', freezeLifted: a.value.freeze === 'lifted' }
          : failedRow(a.table, a.error),
      );
      return result(file, command, rows, undefined, undefined, `${command} aborted for every table`);
    }
    if (options.dryRun) {
      return result(
        file,
        command,
        all.map((table) => ({ table, outcome: 'planned' })),
        undefined,
        undefined,
        `${command} planned for ${all.join(', ')}; run without --dry-run`,
      );
    }
    if (!options.yes) {
      throw new PreflightError(
        'CONFIRMATION_REQUIRED',
        `${command} --file freezes writes on ${all.length} live tables: pass --yes`,
        {
          hint: `Review \`ddb-migrate ${command} --file ${file} --dry-run\` and pass --yes`,
        },
      );
    }
    // Phase 1: every table frozen, fenced and proved (in parallel: each freeze is a write stop).
    const proved = await forEachTable(all, all.length, async (table, i) => {
      const lane = lanes[i] as (typeof lanes)[number];
      const report =
        lane.input.options.reportFile ??
        `${(plans[i] as (typeof plans)[number]).stateFile.replace(/\.json$/, '')}.${command}-differences.ndjson`;
      const writer = createReportWriter(report);
      try {
        const out = await applyCutover(plans[i] as (typeof plans)[number], {
          clients: lane.clients,
          logger: ctx.logger,
          until: 'proved',
          onDifference: (d) => writer.write(d),
          onProgress: (e) => {
            if (e.type !== 'update') tableContext(ctx, table).stderr.write(`${command}: ${e.message}\n`);
          },
        });
        return { out, report };
      } finally {
        await writer.close();
      }
    });
    const rows: AppCutoverTable[] = proved.map((p) =>
      p.ok
        ? {
            table: p.table,
            outcome: p.value.out.outcome,
            differences: p.value.out.differences.length,
            ...(p.value.out.differences.length ? { report: p.value.report } : {}),
          }
        : failedRow(p.table, p.error),
    );
    const ready = rows.every((r) => r.outcome === 'proved' || r.outcome === 'switched');
    if (!ready) {
      const code = rows.some((r) => r.outcome === 'failed') ? ExitCode.Failure : ExitCode.Differences;
      return result(
        file,
        command,
        rows,
        undefined,
        undefined,
        `Not every table is proved: none was switched; the freezes stay (re-run, or --abort to lift them all)`,
        code,
      );
    }
    // Phase 2: one hook, one moment, every table switched.
    const switchedAt = new Date().toISOString();
    let hook: AppCutoverResult['hook'];
    if (options.exec) {
      const tablesText = (side: 'source' | 'target') => lanes.map((l) => l.input[side].tableName).join(',');
      hook = await runHook(
        options.exec,
        { switchedAt, direction },
        { source: tablesText('source'), target: tablesText('target') },
        ctx,
      );
      if (hook.exitCode !== 0) {
        throw new MigrationError(
          'SWITCH_HOOK_FAILED',
          `The switch hook exited with ${hook.exitCode ?? 'a signal'}: no table was switched`,
          {
            hint: `Fix the hook and run the same command again (the freezes stay), or \`ddb-migrate ${command} --file ${file} --abort\``,
          },
        );
      }
    }
    const replanned = await planAll('run');
    const switched = await forEachTable(all, all.length, async (_t, i) => {
      const p = replanned[i];
      if (!p?.ok) throw p?.error;
      return applyCutover(p.value, {
        clients: (lanes[i] as (typeof lanes)[number]).clients,
        logger: ctx.logger,
        switchedAt,
        replicateBack: false,
      });
    });
    const final: AppCutoverTable[] = switched.map((s) =>
      s.ok ? { table: s.table, outcome: s.value.outcome } : failedRow(s.table, s.error),
    );
    const failed = final.some((r) => r.outcome === 'failed');
    return result(
      file,
      command,
      final,
      switchedAt,
      hook,
      failed
        ? 'Some tables failed to record the switch: run the same command again to finish them'
        : `Every table switched at ${switchedAt}`,
      failed ? ExitCode.Failure : ExitCode.Ok,
    );
  } finally {
    for (const lane of lanes) lane.destroy();
  }
}

function failedRow(table: string, error: unknown): AppCutoverTable {
  return {
    table,
    outcome: 'failed',
    error: {
      code: (error as { code?: string }).code ?? 'INTERNAL',
      message: formatErrorLine(error).replace(/^Error: /, ''),
    },
  };
}

function result(
  file: string,
  command: 'cutover' | 'rollback',
  tables: AppCutoverTable[],
  switchedAt: string | undefined,
  hook: AppCutoverResult['hook'],
  summary: string,
  exitCode: number = ExitCode.Ok,
): CommandResult<AppCutoverResult> {
  const text = [
    ...tables.map(
      (t) =>
        `${t.table}: ${t.outcome}${t.differences ? ` (${t.differences} difference(s), report ${t.report})` : ''}${t.error ? ` ${t.error.message}` : ''}`,
    ),
    summary,
  ].join('\n');
  return {
    data: { file, command, ...(switchedAt ? { switchedAt } : {}), ...(hook ? { hook } : {}), tables },
    text,
    exitCode,
  };
}
