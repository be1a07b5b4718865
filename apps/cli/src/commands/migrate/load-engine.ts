import { ConfigError } from '@ddb-migrate/core';
import type { MigrationPlan, PlanMigrationInput } from '@ddb-migrate/migration';
import type { Argv } from 'yargs';
import type { CliContext } from '../../context.js';
import { numberOption, readNumber } from '../../options.js';
import type { ResolvedSides, SidesFlags } from '../../sides.js';
import { localLoadEngine } from './load-engine-local.js';
import { stepFunctionsLoadEngine } from './load-engine-stepfunctions.js';

/** The choices of --load-engine; absent: the data files are loaded in this process. */
export const LOAD_ENGINES = ['local', 'stepfunctions'] as const;
export type LoadEngineKind = (typeof LOAD_ENGINES)[number];

/** The load-engine flags after validation (part of migrate's options). */
export interface LoadEngineFlags {
  loadEngineKind?: LoadEngineKind;
  /** --load-engine local: child processes. */
  loadWorkers?: number;
  /** --load-engine stepfunctions: the stack's LoadStateMachineArn. */
  loadStateMachineArn?: string;
  /** Data files per item of the item list. */
  loadFilesPerItem?: number;
}

/** Adds migrate's write-mode fan-out flags. */
export function withLoadEngineFlags<T>(yargs: Argv<T>, hidden = false) {
  return (
    yargs
      .option('load-engine', {
        type: 'string',
        hidden,
        describe:
          'Write mode: load the export data files on N local worker processes (local) or a Distributed Map of Lambda workers (stepfunctions; cfn/verify-fanout.yaml) instead of in this process [choices: "local", "stepfunctions"]',
      })
      // No yargs default: a --load-workers given without --load-engine local is refused.
      .option('load-workers', {
        ...numberOption('--load-engine local: worker processes (default 2)'),
        hidden,
      })
      .option('load-state-machine-arn', {
        type: 'string',
        hidden,
        describe: "--load-engine stepfunctions: the verify-fanout stack's LoadStateMachineArn output",
      })
      .option('load-files-per-item', {
        ...numberOption('--load-engine: export data files per worker item (default 1)'),
        hidden: true,
      })
  );
}

/**
 * Validates the load-engine flags against the others, in one line each (exit 2, nothing changed).
 *
 * @throws ConfigError for a bad combination.
 */
export function readLoadEngineFlags(
  argv: Partial<Record<string, unknown>>,
  others: { loadMode: string; targetProfile?: string | undefined },
): LoadEngineFlags {
  const raw = argv.loadEngine;
  if (raw !== undefined && !(LOAD_ENGINES as readonly unknown[]).includes(raw)) {
    throw new ConfigError(`--load-engine must be one of ${LOAD_ENGINES.join(', ')} (got ${String(raw)})`, {
      hint: 'Pass --load-engine local or leave it out (load in this process)',
    });
  }
  const kind = raw as LoadEngineKind | undefined;
  const workersGiven = argv.loadWorkers !== undefined && kind !== 'local';
  const workers = readNumber(argv.loadWorkers, '--load-workers', { min: 1, max: 256, integer: true });
  const arn = typeof argv.loadStateMachineArn === 'string' ? argv.loadStateMachineArn.trim() : undefined;
  const perItem = readNumber(argv.loadFilesPerItem, '--load-files-per-item', {
    min: 1,
    max: 1000,
    integer: true,
  });
  if (kind !== undefined && others.loadMode === 'import') {
    throw new ConfigError(
      '--load-engine is for write mode, not --load-mode import (ImportTable loads on AWS)',
      {
        hint: 'Pass --load-mode write, or drop --load-engine',
      },
    );
  }
  if (workersGiven) {
    throw new ConfigError('--load-workers only applies to --load-engine local', {
      hint: 'Add --load-engine local or drop --load-workers',
    });
  }
  if (arn !== undefined && kind !== 'stepfunctions') {
    throw new ConfigError('--load-state-machine-arn only applies to --load-engine stepfunctions', {
      hint: 'Add --load-engine stepfunctions or drop --load-state-machine-arn',
    });
  }
  if (kind === 'stepfunctions' && !arn) {
    throw new ConfigError('--load-engine stepfunctions needs --load-state-machine-arn', {
      hint: 'Pass the LoadStateMachineArn output of your cfn/verify-fanout.yaml stack',
    });
  }
  if (kind === 'stepfunctions' && others.targetProfile !== undefined) {
    throw new ConfigError('--load-engine stepfunctions cannot use --target-profile: the workers run in AWS', {
      hint: 'Pass --target-role-arn (or --target-account-id) of a role the workers may assume',
    });
  }
  return {
    ...(kind === undefined ? {} : { loadEngineKind: kind }),
    ...(kind === 'local' ? { loadWorkers: workers ?? 2 } : {}),
    ...(arn ? { loadStateMachineArn: arn } : {}),
    ...(kind !== undefined && perItem !== undefined ? { loadFilesPerItem: perItem } : {}),
  };
}

/** The migration's input with the chosen load engine (unchanged without --load-engine). */
export function withLoadEngine(
  input: PlanMigrationInput,
  options: LoadEngineFlags & SidesFlags & { stateDir: string },
  sides: ResolvedSides,
  ctx: CliContext,
): PlanMigrationInput {
  if (options.loadEngineKind === undefined) return input;
  const perItem = options.loadFilesPerItem === undefined ? {} : { filesPerBatch: options.loadFilesPerItem };
  // DDB_MIGRATE_LOAD_INVOCATION_MS: a shorter turn than Lambda's 15 minutes (tests force "continue").
  const budget = ctx.env.DDB_MIGRATE_LOAD_INVOCATION_MS;
  const poll = ctx.env.DDB_MIGRATE_SFN_POLL_MS;
  const loadEngine =
    options.loadEngineKind === 'local'
      ? localLoadEngine({
          flags: options,
          env: ctx.env,
          targetRegion: sides.target.region,
          workers: options.loadWorkers ?? 2,
          stateDir: options.stateDir,
          ...perItem,
          ...(budget ? { budgetMs: Number(budget) } : {}),
        })
      : stepFunctionsLoadEngine({
          sides,
          stateMachineArn: options.loadStateMachineArn!,
          ...perItem,
          ...(poll ? { pollMs: Number(poll) } : {}),
        });
  return { ...input, options: { ...input.options, loadEngine } };
}

/**
 * Refuses a load engine when the plan loads with ImportTable (--load-mode auto chose import): one
 * line, before anything changes.
 */
export function checkPlannedLoadEngine(plan: MigrationPlan, options: LoadEngineFlags): void {
  if (options.loadEngineKind !== undefined && plan.facts.loadMode === 'import') {
    throw new ConfigError(
      `--load-engine ${options.loadEngineKind} is for write mode, and this migration loads with ImportTable`,
      { hint: 'Pass --load-mode write to load with BatchWriteItem on the engine, or drop --load-engine' },
    );
  }
}
