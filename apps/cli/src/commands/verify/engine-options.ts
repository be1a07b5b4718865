import { ConfigError } from '@ddb-migrate/core';
import type { Argv } from 'yargs';
import { type GlobalOptions, numberOption, readNumber, type SourceTargetOptions } from '../../options.js';

/** Where a verify runs: this process (or N child processes), or a Step Functions Distributed Map. */
export type VerifyEngine = 'local' | 'stepfunctions';

/** verify's engine flags (typed as given; run.ts reads the numbers with readNumber). */
export interface EngineCliOptions {
  engine?: VerifyEngine;
  workers?: unknown;
  stateMachineArn?: string;
  stackName?: string;
  workUrl?: string;
  dryRun?: boolean;
}

/** Default stack name of cfn/verify-fanout.yaml (its StateMachineName default too). */
export const DEFAULT_FANOUT_STACK = 'ddb-migrate-verify';

/** The names of the engine flags (not global: `verify merge` has none of them). */
export const ENGINE_FLAGS = ['engine', 'workers', 'state-machine-arn', 'stack-name', 'work-url', 'dry-run'];

/** Adds verify's engine flags. */
export function withEngineOptions<T>(yargs: Argv<T>) {
  return yargs
    .option('engine', {
      choices: ['local', 'stepfunctions'] as const,
      default: 'local' as const,
      describe:
        'local: this machine (--workers N child processes); stepfunctions: the Distributed Map of cfn/verify-fanout.yaml',
    })
    .option(
      'workers',
      numberOption(
        '--engine local: worker processes, each comparing ranges of segments (1 = in this process, as before)',
      ),
    )
    .option('state-machine-arn', {
      type: 'string',
      describe:
        '--engine stepfunctions: the state machine (default: the StateMachineArn output of --stack-name)',
    })
    .option('stack-name', {
      type: 'string',
      describe: `--engine stepfunctions: the verify-fanout stack in the source account (default ${DEFAULT_FANOUT_STACK})`,
    })
    .option('work-url', {
      type: 'string',
      describe:
        "Where the item list, checkpoints and partial reports go: s3://bucket/prefix/ (default: the stack's work bucket) or, for --engine local, a directory (re-run with the same one to resume)",
    })
    .option('dry-run', {
      type: 'boolean',
      default: false,
      describe:
        'Print the estimate (segments, workers, wall time, RCU, Lambda and Step Functions cost) and stop',
    });
}

/** The flags {@link fanoutEngineOf} looks at. */
export type EngineFlagOptions = EngineCliOptions &
  GlobalOptions &
  SourceTargetOptions & {
    segmentRange?: string;
    sample?: unknown;
    report?: string;
    repair: boolean;
    showValues: boolean;
  };

/**
 * Which fan-out engine the flags ask for: `stepfunctions`, `local` with 2+ workers, or undefined
 * (one in-process verify, exactly as before the engines existed).
 *
 * @throws ConfigError for flags that belong to another engine.
 */
export function fanoutEngineOf(options: EngineFlagOptions): VerifyEngine | undefined {
  const engine = options.engine ?? 'local';
  const workers = readNumber(options.workers, '--workers', { min: 1, max: 1024, integer: true });
  if (engine === 'stepfunctions' && workers !== undefined) {
    throw new ConfigError('--workers is for --engine local', {
      hint: "With --engine stepfunctions the stack's MaxConcurrency says how many workers run",
    });
  }
  if (engine === 'local' && (options.stateMachineArn !== undefined || options.stackName !== undefined)) {
    throw new ConfigError('--state-machine-arn and --stack-name need --engine stepfunctions');
  }
  const fanout = engine === 'stepfunctions' || (workers ?? 1) > 1;
  if (fanout && (options.segmentRange !== undefined || options.sample !== undefined)) {
    throw new ConfigError(
      '--segment-range and --sample split a verify by hand; the engines split it themselves',
      {
        hint: 'Leave them out with --workers / --engine stepfunctions (or run one process per range and verify merge)',
      },
    );
  }
  if (!fanout && options.workUrl !== undefined) {
    throw new ConfigError('--work-url needs --workers 2 or more, or --engine stepfunctions');
  }
  return fanout ? engine : undefined;
}
