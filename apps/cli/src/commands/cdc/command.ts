import type { ArgumentsCamelCase, CommandModule } from 'yargs';
import { runAndReport } from '../../context.js';
import { type GlobalOptions, type SourceTargetOptions, withSourceTarget } from '../../options.js';

/** Typed options of `ddb-migrate cdc run`. */
export interface CdcRunCliOptions extends GlobalOptions, SourceTargetOptions {
  exportTime?: string;
  exportTimeMarginSeconds: number;
  ttlDeletes: 'replicate' | 'skip';
  batchSize: number;
  stopAfterIdle?: number;
  checkpointDir: string;
  dlqUrl?: string;
  streamArn?: string;
}

const runCommand: CommandModule<object, CdcRunCliOptions> = {
  command: 'run',
  describe: 'Apply the source stream to the target in this process (the CDC Lambda, run locally)',
  builder: (yargs) =>
    withSourceTarget(yargs)
      .option('export-time', {
        type: 'string',
        describe:
          "Export time T: skip records older than floor(T) - margin ('2024-05-01 12:34:56+0000', ISO-8601 or epoch seconds; default: apply everything)",
      })
      .option('export-time-margin-seconds', {
        type: 'number',
        default: 300,
        describe: 'Replay this much before T (exports are accurate to about a minute; at least 120)',
      })
      .option('ttl-deletes', {
        choices: ['replicate', 'skip'] as const,
        default: 'replicate' as const,
        describe: 'Replicate TTL deletes to the target, or skip them (let the target expire items itself)',
      })
      .option('batch-size', {
        type: 'number',
        default: 100,
        describe: 'Records per handler invocation (1-10000)',
      })
      .option('stop-after-idle', {
        type: 'number',
        describe:
          'Exit 0 once the stream has had no new records for this many seconds (default: run until Ctrl-C)',
      })
      .option('checkpoint-dir', {
        type: 'string',
        default: '.ddb-migrate',
        describe: 'Where the per-shard checkpoint file is kept (a restarted run resumes from it)',
      })
      .option('dlq-url', {
        type: 'string',
        describe:
          'SQS queue (source account) for records that can never be applied; without it they stop the run',
      })
      .option('stream-arn', {
        type: 'string',
        describe: "Stream to read (default: the source table's latest stream)",
      }) as never,
  handler: async (argv: ArgumentsCamelCase<CdcRunCliOptions>) => {
    await runAndReport(argv, (ctx) => import('./run.js').then((m) => m.runCdc(argv, ctx)));
  },
};

/** `ddb-migrate cdc run`: the local stream runner with the CDC handler (see packages/cdc-lambda). */
export const cdcCommand: CommandModule = {
  command: 'cdc',
  describe: 'Change data capture from the source stream to the target table',
  builder: (yargs) =>
    yargs.command(runCommand as CommandModule).demandCommand(1, 'Name a subcommand: cdc run'),
  handler: () => {},
};
