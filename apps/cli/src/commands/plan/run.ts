import { planMigration } from '@ddb-migrate/migration';
import type { CliContext } from '../../context.js';
import type { CommandResult } from '../../output.js';
import { resolveSides } from '../../sides.js';
import { toMigrationInput } from '../migrate/migration-input.js';
import { planDocument, renderPlan } from './render.js';
import type { MigrateOptions, PlanDocument } from '../migrate/run.js';

/** `plan` takes the migrate flags (`--yes` and `--dry-run` change nothing here). */
export type PlanOptions = MigrateOptions;

/** What `plan` prints with --output json: the plan document. */
export type PlanResult = PlanDocument;

/** Preflight only: the plan as a table (text) or one JSON document. */
export async function runPlan(
  options: Readonly<PlanOptions>,
  ctx: CliContext,
): Promise<CommandResult<PlanResult>> {
  const plan = await planMigration(toMigrationInput(options, resolveSides(options, ctx.env)));
  return { data: planDocument(plan), text: renderPlan(plan) };
}
