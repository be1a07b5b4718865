import type { VerifySummary } from '@ddb-migrate/consistency-checker';
import { ConfigError } from '@ddb-migrate/core';
import type { CliContext } from '../../context.js';
import { readNumber } from '../../options.js';
import type { CommandResult } from '../../output.js';
import { type ResolvedSides, resolveSides } from '../../sides.js';
import { runVerifyEstimate, renderEstimate, type VerifyEstimate } from './engine-estimate.js';
import { runLocalEngine } from './engine-local.js';
import { type EngineFlagOptions, fanoutEngineOf, type VerifyEngine } from './engine-options.js';
import { openReportSink } from './engine-report.js';
import { runStepFunctionsEngine } from './engine-stepfunctions.js';
import type { ListedDifference } from './run.js';

/** The verify flags the engines read (as validated by run.ts). */
export interface EngineNumbers {
  segments?: number;
  maxRcu?: number;
  concurrency?: number;
  recheckDelay: number;
  recheckAttempts: number;
}

/** Runs the fanned-out verify; the differences' first keys land in `listed`, all of them in --report. */
export async function runFanoutVerify(
  engine: VerifyEngine,
  options: EngineFlagOptions & { sourceTableName: string },
  numbers: EngineNumbers,
  sides: ResolvedSides,
  ctx: CliContext,
  listed: ListedDifference[],
  maxListed: number,
): Promise<VerifySummary> {
  const sink = openReportSink(options.report, listed, maxListed);
  const common = {
    sides,
    sourceTableName: options.sourceTableName,
    targetTableName: options.targetTableName ?? options.sourceTableName,
    ...(numbers.segments === undefined ? {} : { totalSegments: numbers.segments }),
    ...(numbers.concurrency === undefined ? {} : { workerConcurrency: numbers.concurrency }),
    ...(numbers.maxRcu === undefined ? {} : { maxRcu: numbers.maxRcu }),
    recheckDelaySeconds: numbers.recheckDelay,
    recheckAttempts: numbers.recheckAttempts,
    repair: options.repair,
    showValues: options.showValues,
    ...(options.workUrl === undefined ? {} : { workUrl: options.workUrl }),
    sink,
    stderr: ctx.stderr,
    logger: ctx.logger,
  };
  try {
    if (engine === 'stepfunctions') {
      return await runStepFunctionsEngine({
        ...common,
        ...(options.stateMachineArn === undefined ? {} : { stateMachineArn: options.stateMachineArn }),
        ...(options.stackName === undefined ? {} : { stackName: options.stackName }),
        ...(ctx.env.DDB_MIGRATE_SFN_POLL_MS ? { pollMs: Number(ctx.env.DDB_MIGRATE_SFN_POLL_MS) } : {}),
      });
    }
    // DDB_MIGRATE_VERIFY_INVOCATION_MS: a shorter turn than Lambda's 15 minutes (tests force "continue").
    const budget = ctx.env.DDB_MIGRATE_VERIFY_INVOCATION_MS;
    return await runLocalEngine({
      ...common,
      flags: options,
      env: ctx.env,
      ...(budget ? { budgetMs: Number(budget) } : {}),
      workers: readNumber(options.workers, '--workers', { min: 1, integer: true }) ?? 1,
    });
  } finally {
    await sink.close();
  }
}

/** `verify --dry-run`: the estimate for the tables' sizes; reads descriptions only. */
export async function runVerifyDryRun(
  options: EngineFlagOptions & {
    sourceTableName?: string;
    segments?: unknown;
    maxRcu?: unknown;
    concurrency?: unknown;
  },
  ctx: CliContext,
): Promise<CommandResult<VerifyEstimate>> {
  if (!options.sourceTableName) {
    throw new ConfigError('--dry-run needs --source-table-name', {
      hint: 'Estimate one table pair at a time',
    });
  }
  const engine = fanoutEngineOf(options) ?? 'local';
  const sides = resolveSides(options, ctx.env);
  const segments = readNumber(options.segments, '--segments', { min: 1, integer: true });
  const maxRcu = readNumber(options.maxRcu, '--max-rcu', { min: 0, aboveMin: true });
  const concurrency = readNumber(options.concurrency, '--concurrency', { min: 1, integer: true });
  const estimate = await runVerifyEstimate(
    sides,
    { source: options.sourceTableName, target: options.targetTableName ?? options.sourceTableName },
    {
      engine,
      workers: readNumber(options.workers, '--workers', { min: 1, integer: true }) ?? 1,
      ...(segments === undefined ? {} : { totalSegments: segments }),
      ...(concurrency === undefined ? {} : { workerConcurrency: concurrency }),
      ...(maxRcu === undefined ? {} : { maxRcu }),
      ...(options.stateMachineArn === undefined ? {} : { stateMachineArn: options.stateMachineArn }),
      ...(options.stackName === undefined ? {} : { stackName: options.stackName }),
    },
  );
  return { data: estimate, text: renderEstimate(estimate), exitCode: 0 };
}
