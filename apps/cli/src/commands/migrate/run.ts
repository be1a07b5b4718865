import { setMaxListeners } from 'node:events';
import { createInterface } from 'node:readline/promises';
import type { CliContext } from '../../context.js';
import type { MigrateOptions } from '../../migration/migrate-options.js';
import { renderPlan } from '../../migration/plan-text.js';
import type { MigrationPlan } from '../../migration/preflight/run-preflight.js';
import { type MigrationReport, runMigration } from '../../migration/run-migration.js';
import { renderSummary } from '../../migration/summary-text.js';
import type { CommandResult } from '../../output.js';

/** Runs migrate (or plan when --dry-run) and shapes the result for the entry. */
export async function runMigrate(
  options: Readonly<MigrateOptions>,
  ctx: CliContext,
): Promise<CommandResult<MigrationReport>> {
  const controller = new AbortController();
  // Every file reader and batch writer listens on this one signal.
  setMaxListeners(1000, controller.signal);
  const onSignal = () => {
    ctx.stderr.write('\nInterrupted: state is saved; run migrate again to resume.\n');
    controller.abort(new Error('interrupted'));
  };
  process.once('SIGINT', onSignal);
  try {
    const report = await runMigration(options, {
      env: ctx.env,
      stderr: ctx.stderr,
      logger: ctx.logger,
      signal: controller.signal,
      ...(process.stdin.isTTY && ctx.stderr.isTTY
        ? { confirm: (plan: MigrationPlan) => askToProceed(plan, ctx) }
        : {}),
    });
    const text = report.dryRun ? renderPlan(report.plan) : renderSummary(report);
    return { data: report, text };
  } finally {
    process.removeListener('SIGINT', onSignal);
  }
}

async function askToProceed(plan: MigrationPlan, ctx: CliContext): Promise<boolean> {
  ctx.stderr.write(`${renderPlan(plan)}\n\n`);
  const rl = createInterface({ input: process.stdin, output: ctx.stderr });
  try {
    const answer = await rl.question('Proceed with this migration? [y/N] ');
    return /^y(es)?$/i.test(answer.trim());
  } finally {
    rl.close();
  }
}
