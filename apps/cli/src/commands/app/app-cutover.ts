import { createReportWriter, type ReportWriter } from '@ddb-migrate/consistency-checker';
import { PreflightError } from '@ddb-migrate/core';
import {
  abortCutoverSet,
  type CutoverDirection,
  type CutoverSetMember,
  type CutoverSetTable,
  cutoverSet,
  openCutoverClients,
  planCutoverSet,
} from '@ddb-migrate/migration';
import type { CliContext } from '../../context.js';
import { ExitCode, formatErrorLine } from '../../exit-codes.js';
import type { CommandResult } from '../../output.js';
import { resolveSides } from '../../sides.js';
import { type CutoverArgv, toCutoverInput, toCutoverOptions } from '../cutover/options.js';
import { runHook } from '../cutover/switch-hook.js';
import { appTables, readPlanFile, refuseTableFlags, tableArgv, tableContext } from './plan-file.js';

/** One table's part of `cutover --file`, as printed. */
export interface AppCutoverTable {
  table: string;
  outcome: CutoverSetTable['outcome'] | 'planned';
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
 * `cutover --file` / `rollback --file`: the engine's {@link cutoverSet} over the plan file's
 * tables (every precondition at once; all proved, then one hook and one switch moment, or none),
 * with a differences report per table; `--abort` lifts every freeze.
 */
export async function runAppCutover(
  file: string,
  argv: CutoverArgv,
  ctx: CliContext,
  direction: CutoverDirection,
): Promise<CommandResult<AppCutoverResult>> {
  const command = direction === 'forward' ? 'cutover' : 'rollback';
  refuseTableFlags(argv as unknown as Record<string, unknown>);
  const appPlan = await readPlanFile(file);
  const tables = await appTables(appPlan, argv as unknown as Record<string, unknown>, ctx);
  const options = toCutoverOptions(argv, command);
  const members = tables.map((t) => {
    const tArgv = tableArgv(appPlan, t, argv as unknown as Record<string, unknown>) as unknown as CutoverArgv;
    const engine = { ...options.engine, stateDir: tArgv.stateDir ?? options.engine.stateDir };
    const input = toCutoverInput(tArgv, { ...options, engine }, resolveSides(tArgv, ctx.env));
    const { clients, destroy } = openCutoverClients(input);
    return { table: t.name, input, clients, destroy };
  });
  const set: CutoverSetMember[] = members.map(({ table, input, clients }) => ({ table, input, clients }));
  const writers = new Map<string, { path: string; writer: ReportWriter }>();
  try {
    if (options.abort) {
      const rows = await abortCutoverSet(set, { direction, logger: ctx.logger });
      return render(file, command, rows.map(row), undefined, undefined, `${command} aborted for every table`);
    }
    if (options.dryRun) {
      await planCutoverSet(set, { direction, logger: ctx.logger });
      const rows: AppCutoverTable[] = set.map((m) => ({ table: m.table, outcome: 'planned' }));
      return render(
        file,
        command,
        rows,
        undefined,
        undefined,
        `${command} planned for every table; run without --dry-run`,
      );
    }
    if (!options.yes) {
      throw new PreflightError(
        'CONFIRMATION_REQUIRED',
        `${command} --file freezes writes on ${set.length} live tables: pass --yes`,
        {
          hint: `Review \`ddb-migrate ${command} --file ${file} --dry-run\` and pass --yes`,
        },
      );
    }
    const result = await cutoverSet(set, {
      direction,
      logger: ctx.logger,
      onProgress: (table, e) => {
        if (e.type !== 'update') tableContext(ctx, table).stderr.write(`${command}: ${e.message}\n`);
      },
      onDifference: async (table, difference) => {
        let entry = writers.get(table);
        if (!entry) {
          const member = members.find((m) => m.table === table);
          const path =
            member?.input.options.reportFile ??
            `${member?.input.options.stateDir}/${table}.${command}-differences.ndjson`;
          entry = { path, writer: createReportWriter(path) };
          writers.set(table, entry);
        }
        await entry.writer.write(difference);
      },
      ...(options.exec
        ? {
            onSwitch: (moment) =>
              runHook(
                options.exec as string,
                moment,
                {
                  source: set.map((m) => m.input.source.tableName).join(','),
                  target: set.map((m) => m.input.target.tableName).join(','),
                },
                ctx,
              ),
          }
        : {}),
    });
    const rows = result.tables.map((t) => ({
      ...row(t),
      ...(writers.get(t.table) ? { report: writers.get(t.table)?.path } : {}),
    }));
    const failed = rows.some((r) => r.outcome === 'failed');
    const summary =
      result.outcome === 'switched'
        ? `Every table switched at ${result.switchedAt}`
        : result.outcome === 'not-ready'
          ? 'Not every table is proved: none was switched; the freezes stay (run again, or --abort to lift them all)'
          : 'Some tables did not record the switch: run the same command again to finish them';
    const exitCode = failed
      ? ExitCode.Failure
      : result.outcome === 'not-ready'
        ? ExitCode.Differences
        : ExitCode.Ok;
    return render(file, command, rows, result.switchedAt, result.hook, summary, exitCode);
  } finally {
    for (const { writer } of writers.values()) await writer.close();
    for (const m of members) m.destroy();
  }
}

function row(t: CutoverSetTable): AppCutoverTable {
  return {
    table: t.table,
    outcome: t.outcome,
    ...(t.differences ? { differences: t.differences } : {}),
    ...(t.freezeLifted === undefined ? {} : { freezeLifted: t.freezeLifted }),
    ...(t.error === undefined
      ? {}
      : {
          error: {
            code: (t.error as { code?: string }).code ?? 'INTERNAL',
            message: formatErrorLine(t.error).replace(/^Error: /, ''),
          },
        }),
  };
}

function render(
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
