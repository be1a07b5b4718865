import { forEachTable } from '@ddb-migrate/migration';
import type { CliContext } from '../../context.js';
import { ExitCode, exitCodeFor, formatErrorLine } from '../../exit-codes.js';
import type { CommandResult } from '../../output.js';
import { runVerify, type VerifyCliOptions } from '../verify/run.js';
import { appTables, readPlanFile, refuseTableFlags, tableArgv, tableContext } from './plan-file.js';

/** What `verify --file` prints with --output json: a report per table, one exit code. */
export interface AppVerifyResult {
  file: string;
  tables: {
    table: string;
    exitCode: number;
    differences?: number;
    sourceScanned?: number;
    report?: string;
    error?: { code: string; message: string };
  }[];
}

/**
 * `verify --file`: every table of the plan file verified (the file's concurrency), each with its
 * own report (`--report X` becomes `X.<table>.ndjson`). Exit 0 when all are identical, 1 when any
 * has differences, 3 when any failed.
 */
export async function runAppVerify(
  file: string,
  argv: VerifyCliOptions & { file?: string },
  ctx: CliContext,
): Promise<CommandResult<AppVerifyResult>> {
  refuseTableFlags(argv as unknown as Record<string, unknown>);
  const appPlan = await readPlanFile(file);
  const tables = await appTables(appPlan, argv as unknown as Record<string, unknown>, ctx);
  const outcomes = await forEachTable(
    tables.map((t) => t.name),
    appPlan.concurrency ?? 4,
    async (name, index) => {
      const table = tables[index] as (typeof tables)[number];
      const options = {
        ...tableArgv(appPlan, table, argv as unknown as Record<string, unknown>),
        ...(argv.report ? { report: `${argv.report}.${name}.ndjson` } : {}),
      } as unknown as VerifyCliOptions;
      return runVerify(options, tableContext(ctx, name));
    },
  );
  const rows: AppVerifyResult['tables'] = outcomes.map((o) =>
    o.ok
      ? {
          table: o.table,
          exitCode: o.value.exitCode ?? ExitCode.Ok,
          differences: o.value.data.differences,
          sourceScanned: o.value.data.sourceScanned,
          ...(o.value.data.report ? { report: o.value.data.report } : {}),
        }
      : {
          table: o.table,
          exitCode: exitCodeFor(o.error),
          error: {
            code: (o.error as { code?: string }).code ?? 'INTERNAL',
            message: formatErrorLine(o.error).replace(/^Error: /, ''),
          },
        },
  );
  const exitCode = rows.some((r) => r.exitCode >= ExitCode.BadInput)
    ? Math.max(...rows.map((r) => r.exitCode))
    : rows.some((r) => r.exitCode === ExitCode.Differences)
      ? ExitCode.Differences
      : ExitCode.Ok;
  const text = rows
    .map((r) =>
      r.error
        ? `${r.table}: FAILED ${r.error.message}`
        : `${r.table}: ${r.differences === 0 ? 'identical' : `${r.differences} difference(s)`} (${r.sourceScanned} source items)${r.report ? `, report ${r.report}` : ''}`,
    )
    .join('\n');
  return { data: { file, tables: rows }, text, exitCode };
}
