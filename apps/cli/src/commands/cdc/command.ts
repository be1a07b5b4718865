import type { ArgumentsCamelCase, CommandModule } from 'yargs';
import { type CliContext, runAndReport } from '../../context.js';
import { dlqUrlOption, numberOption, withSourceTarget } from '../../options.js';
import type { CdcRunCliOptions } from './run.js';

function runCommand(ctx: CliContext): CommandModule<object, CdcRunCliOptions> {
  return {
    command: 'run',
    describe:
      'Apply the source stream to the target in this process (the CDC Lambda, run locally); keeps the target in sync while it runs',
    builder: (yargs) =>
      withSourceTarget(yargs)
        .option('export-time', {
          type: 'string',
          describe:
            "Export time T: skip records older than floor(T) - margin ('2024-05-01 12:34:56+0000', ISO-8601 or epoch seconds; default: the cut-off of the --cdc-mode local migration of these tables in --state-dir, else apply everything)",
        })
        .option(
          'export-time-margin-seconds',
          numberOption(
            'Replay this much before T (exports are accurate to about a minute; at least 120)',
            300,
          ),
        )
        .option('ttl-deletes', {
          choices: ['replicate', 'skip'] as const,
          default: 'replicate' as const,
          describe: 'Replicate TTL deletes to the target, or skip them (let the target expire items itself)',
        })
        .option('batch-size', numberOption('Records per handler invocation (1-10000)', 100))
        .option(
          'stop-after-idle',
          numberOption(
            'Exit 0 once the stream has had no new records for this many seconds (default: run until Ctrl-C; once stopped, the target is no longer kept in sync)',
          ),
        )
        .option('state-dir', {
          type: 'string',
          alias: 'checkpoint-dir',
          default: '.ddb-migrate',
          describe:
            "Where the per-shard checkpoint is kept (a restarted run resumes from it); after a --cdc-mode local migrate with the same --state-dir and tables, that migration's checkpoint and cut-off are used",
        })
        .option(
          'dlq-url',
          dlqUrlOption(
            'SQS queue (source account) for records that can never be applied; without it they stop the run',
          ),
        )
        .option('stream-arn', {
          type: 'string',
          describe: "Stream to read (default: the source table's latest stream)",
        }) as never,
    handler: async (argv: ArgumentsCamelCase<CdcRunCliOptions>) => {
      await runAndReport(ctx, argv, (ctx) => import('./run.js').then((m) => m.runCdc(argv, ctx)));
    },
  };
}

/** `ddb-migrate cdc run`: the local stream runner with the CDC handler (see packages/cdc-lambda). */
export function cdcCommand(ctx: CliContext): CommandModule {
  return {
    command: 'cdc',
    describe: 'Change data capture from the source stream to the target table',
    builder: (yargs) =>
      yargs.command(runCommand(ctx) as CommandModule).demandCommand(1, 'Name a subcommand: cdc run'),
    handler: () => {},
  };
}
