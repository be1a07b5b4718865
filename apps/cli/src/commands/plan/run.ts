import type { CliContext } from '../../context.js';
import type { MigrateOptions } from '../../migration/migrate-options.js';
import { renderPlan } from '../../migration/plan-text.js';
import type { MigrationPlan } from '../../migration/preflight/run-preflight.js';
import { runMigration } from '../../migration/run-migration.js';
import type { CommandResult } from '../../output.js';

/** Preflight only: the plan as a table (text) or one JSON document. */
export async function runPlan(
  options: Readonly<MigrateOptions>,
  ctx: CliContext,
): Promise<CommandResult<MigrationPlan>> {
  const report = await runMigration(
    { ...options, dryRun: true },
    { env: ctx.env, stderr: ctx.stderr, logger: ctx.logger },
  );
  return { data: report.plan, text: renderPlan(report.plan) };
}
