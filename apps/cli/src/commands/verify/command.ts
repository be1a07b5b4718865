import { DEFAULT_RECHECK_ATTEMPTS, DEFAULT_RECHECK_DELAY_SECONDS } from '@ddb-migrate/consistency-checker';
import type { Argv, CommandModule } from 'yargs';
import { type CliContext, runAndReport } from '../../context.js';
import { numberOption, SIDE_FLAG_NAMES, withSourceTarget } from '../../options.js';
import { ENGINE_FLAGS, withEngineOptions } from './engine-options.js';
import type { VerifyCliOptions, VerifyMergeCliOptions } from './run.js';

function mergeCommand(ctx: CliContext): CommandModule<object, VerifyMergeCliOptions> {
  return {
    command: 'merge <reports..>',
    describe: 'Combine the reports of verify runs that split the segments (--segment-range)',
    builder: (yargs) =>
      yargs
        .positional('reports', {
          type: 'string',
          array: true,
          demandOption: true,
          describe: 'NDJSON reports',
        })
        .option('report', {
          type: 'string',
          describe: 'Write the combined NDJSON report (and its summary) here',
        }) as never,
    handler: async (argv) => {
      await runAndReport(ctx, argv, (ctx) =>
        import('./run.js').then((m) =>
          m.runVerifyMerge(
            {
              reports: argv.reports.map(String),
              ...(argv.report ? { report: argv.report } : {}),
              output: argv.output,
              verbose: argv.verbose,
            },
            ctx,
          ),
        ),
      );
    },
  };
}

/** verify's own flags; none of them applies to `verify merge`, which reads reports, not tables. */
const VERIFY_FLAGS = [
  ...SIDE_FLAG_NAMES,
  'segments',
  'segment-range',
  'report',
  'repair',
  'recheck-delay',
  'recheck-attempts',
  'show-values',
  'max-rcu',
  'sample',
  'concurrency',
  'state-dir',
  'file',
  ...ENGINE_FLAGS,
];

/**
 * `ddb-migrate verify`: parallel scan-and-compare of the source and target tables, with re-checks
 * for replication lag, an NDJSON report, optional repair; `verify merge` combines split runs.
 */
export function verifyCommand(ctx: CliContext): CommandModule<object, VerifyCliOptions> {
  return {
    command: 'verify',
    describe: 'Compare the source and target tables item by item (exit 0 identical, 1 differences)',
    builder: (yargs) => {
      const withFlags = withSourceTarget(yargs, { tableRequired: false })
        // Checked in run.ts: --file names the tables instead.
        .option('source-table-name', { type: 'string', demandOption: false, describe: 'Source table name' })
        .option('file', {
          type: 'string',
          describe: 'A migration plan file: verify every table in it (a report each, one exit code)',
        })
        .command(mergeCommand(ctx) as CommandModule)
        .option('segments', numberOption('TotalSegments of both scans (default: from table size, <= 256)'))
        .option('segment-range', {
          type: 'string',
          describe: 'Scan only segments a-b (inclusive; needs --segments)',
        })
        .option('report', {
          type: 'string',
          describe:
            'NDJSON report of every confirmed difference (+ .summary.json); the JSON output lists the first 100 keys either way',
        })
        .option('repair', {
          type: 'boolean',
          default: false,
          describe:
            'Re-sync each confirmed difference from the source (consistent read, write, re-read until stable, as replay-dlq does), so a concurrent CDC write is never overwritten with an older image',
        })
        .option(
          'recheck-delay',
          numberOption(
            'Seconds before the first consistent re-read of a suspect; each later wait doubles (at most 30 s, or this delay if longer)',
            DEFAULT_RECHECK_DELAY_SECONDS,
          ),
        )
        .option(
          'recheck-attempts',
          numberOption(
            'Consistent re-checks before reporting (0 = none); the defaults wait 2+4+8+16+30 s, about a minute of replication lag',
            DEFAULT_RECHECK_ATTEMPTS,
          ),
        )
        .option('show-values', {
          type: 'boolean',
          default: false,
          describe: 'Put item values in the report and the JSON output',
        })
        .option(
          'max-rcu',
          numberOption(
            'Read capacity cap per side (RCU/s); with --workers / --engine stepfunctions the total, split across workers',
          ),
        )
        .option('sample', numberOption('Scan only this fraction (0-1] of the segments'))
        .option(
          'concurrency',
          numberOption(
            'Segment pairs scanned at once (default min(segments, 16)); with --workers / --engine stepfunctions, per worker (default 4)',
          ),
        )
        .option('state-dir', {
          type: 'string',
          default: '.ddb-migrate',
          describe:
            "migrate's state directory: the result is recorded in the migration of these tables (cutover's precondition)",
        });
      // yargs options are global by default: without this, `verify merge --help` lists them all.
      return (
        withEngineOptions(withFlags) as unknown as { global(keys: string[], global: boolean): Argv }
      ).global(VERIFY_FLAGS, false) as never;
    },
    handler: async (argv) => {
      await runAndReport<unknown>(ctx, argv, async (ctx) => {
        if (typeof argv.file === 'string') {
          const { runAppVerify } = await import('../app/app-verify.js');
          return runAppVerify(argv.file, argv, ctx);
        }
        if (argv.dryRun) {
          const { runVerifyDryRun } = await import('./engine-run.js');
          return runVerifyDryRun(argv, ctx);
        }
        return import('./run.js').then((m) => m.runVerify(argv, ctx));
      });
    },
  };
}
