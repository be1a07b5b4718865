import { setMaxListeners } from 'node:events';
import { createInterface } from 'node:readline/promises';
import { MigrationError, PreflightError } from '@ddb-migrate/core';
import {
  applyMigration,
  type MigrationOptions,
  type MigrationPlan,
  type MigrationResult,
  planMigration,
} from '@ddb-migrate/migration';
import type { CliContext } from '../../context.js';
import type { GlobalOptions, SourceTargetOptions } from '../../options.js';
import type { CommandResult } from '../../output.js';
import { resolveSides } from '../../sides.js';
import { checkPlannedLoadEngine, type LoadEngineFlags, withLoadEngine } from './load-engine.js';
import { toMigrationInput } from './migration-input.js';
import { type MigrateNextStep, migrateCommand, migrateNextStep } from './next-step.js';
import { planDocument, renderPlan, renderProgress, renderSummary } from './render.js';

/** migrate/plan flags after validation: frozen, typed, defaults filled in. */
export interface MigrateOptions
  extends GlobalOptions,
    SourceTargetOptions,
    MigrationOptions,
    LoadEngineFlags {
  /** Resolved: --source-region, else --region, AWS_REGION, AWS_DEFAULT_REGION. */
  sourceRegion: string;
  /** Default filled in: the source region. */
  targetRegion: string;
  /** Default filled in: the source table name. */
  targetTableName: string;
  /** Explicit bucket name; default `dynamodb-export-to-s3-<target-region>-<target-account-id>`. */
  targetS3BucketName?: string;
  dryRun: boolean;
  yes: boolean;
}

/** The plan as `plan` and `migrate` print it: everything but the input and the facts apply acts on. */
export type PlanDocument = Omit<MigrationPlan, 'input' | 'facts'>;

/** What `migrate` prints with --output json (after a run: whether the target is kept in sync, and how). */
export interface MigrateResult extends Partial<MigrateNextStep> {
  plan: PlanDocument;
  dryRun: boolean;
  state?: MigrationResult['state'];
  stateFile?: string;
  cdc?: MigrationResult['cdc'];
}

/**
 * Runs migrate (or only the plan when --dry-run): the plan, the confirmation, then the steps,
 * with Ctrl-C stopping at the next save (the state is kept, so migrate again resumes).
 */
export async function runMigrate(
  options: Readonly<MigrateOptions>,
  ctx: CliContext,
): Promise<CommandResult<MigrateResult>> {
  const controller = new AbortController();
  // Every file reader and batch writer listens on this one signal.
  setMaxListeners(1000, controller.signal);
  const onSignal = () => {
    const resume = migrateCommand(options);
    ctx.stderr.write(`\nInterrupted: the state is saved; resume with: ${resume}\n`);
    controller.abort(
      new MigrationError('INTERRUPTED', 'migrate was interrupted (Ctrl-C) and stopped at a saved state', {
        hint: `Resume with: ${resume}`,
      }),
    );
  };
  process.once('SIGINT', onSignal);
  try {
    const sides = resolveSides(options, ctx.env);
    const plan = await planMigration(withLoadEngine(toMigrationInput(options, sides), options, sides, ctx));
    checkPlannedLoadEngine(plan, options);
    if (options.dryRun) return { data: { plan: planDocument(plan), dryRun: true }, text: renderPlan(plan) };
    if (!options.yes) await confirm(plan, ctx);
    const result = await applyMigration(plan, {
      logger: ctx.logger,
      signal: controller.signal,
      onProgress: renderProgress(ctx.stderr),
    });
    const data: MigrateResult = {
      plan: planDocument(plan),
      dryRun: false,
      state: result.state,
      stateFile: result.stateFile,
      ...(result.cdc ? { cdc: result.cdc } : {}),
      ...migrateNextStep(result, options),
    };
    return { data, text: renderSummary(data) };
  } finally {
    process.removeListener('SIGINT', onSignal);
  }
}

/**
 * Asks on the terminal before anything changes.
 *
 * @throws PreflightError when there is no terminal to ask on, or the answer is not yes.
 */
async function confirm(plan: MigrationPlan, ctx: CliContext): Promise<void> {
  if (!process.stdin.isTTY || !ctx.stderr.isTTY) {
    throw new PreflightError(
      'CONFIRMATION_REQUIRED',
      'migrate changes both accounts and there is no terminal to confirm on',
      { hint: 'Review `ddb-migrate plan` and pass --yes' },
    );
  }
  ctx.stderr.write(`${renderPlan(plan)}\n\n`);
  const rl = createInterface({ input: process.stdin, output: ctx.stderr });
  let answer: string;
  try {
    answer = await rl.question('Proceed with this migration? [y/N] ');
  } finally {
    rl.close();
  }
  if (!/^y(es)?$/i.test(answer.trim())) {
    throw new PreflightError('NOT_CONFIRMED', 'Migration not confirmed; nothing was changed', {
      hint: 'Run again and answer y, or pass --yes',
    });
  }
}
