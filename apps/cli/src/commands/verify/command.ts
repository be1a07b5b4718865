import { DEFAULT_RECHECK_ATTEMPTS, DEFAULT_RECHECK_DELAY_SECONDS } from '@ddb-migrate/consistency-checker';
import type { CommandModule } from 'yargs';
import { runAndReport } from '../../context.js';
import { type GlobalOptions, type SourceTargetOptions, withSourceTarget } from '../../options.js';

/** Typed options of `ddb-migrate verify`. */
export interface VerifyCliOptions extends GlobalOptions, SourceTargetOptions {
  segments?: number;
  segmentRange?: string;
  report?: string;
  repair: boolean;
  recheckDelay: number;
  recheckAttempts: number;
  showValues: boolean;
  maxRcu?: number;
  sample?: number;
  concurrency?: number;
}

/** Typed options of `ddb-migrate verify merge`. */
export interface VerifyMergeCliOptions extends GlobalOptions {
  reports: string[];
  report?: string;
}

const mergeCommand: CommandModule<object, VerifyMergeCliOptions> = {
  command: 'merge <reports..>',
  describe: 'Combine the reports of verify runs that split the segments (--segment-range)',
  builder: (yargs) =>
    yargs
      .positional('reports', { type: 'string', array: true, demandOption: true, describe: 'NDJSON reports' })
      .option('report', {
        type: 'string',
        describe: 'Write the combined NDJSON report (and its summary) here',
      }) as never,
  handler: async (argv) => {
    await runAndReport(argv, (ctx) =>
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

/**
 * `ddb-migrate verify`: parallel scan-and-compare of the source and target tables, with re-checks
 * for replication lag, an NDJSON report, optional repair; `verify merge` combines split runs.
 */
export const verifyCommand: CommandModule<object, VerifyCliOptions> = {
  command: 'verify',
  describe: 'Compare the source and target tables item by item (exit 0 identical, 1 differences)',
  builder: (yargs) =>
    withSourceTarget(yargs)
      .command(mergeCommand as CommandModule)
      // Not inherited by `verify merge`, which reads reports instead of tables.
      .option('source-region', {
        type: 'string',
        demandOption: true,
        global: false,
        describe: 'Region of the source table',
      })
      .option('source-table-name', {
        type: 'string',
        demandOption: true,
        global: false,
        describe: 'Source table name',
      })
      .option('segments', {
        type: 'number',
        describe: 'TotalSegments of both scans (default: from table size, <= 256)',
      })
      .option('segment-range', {
        type: 'string',
        describe: 'Scan only segments a-b (inclusive; needs --segments)',
      })
      .option('report', {
        type: 'string',
        describe: 'NDJSON report of confirmed differences (+ .summary.json)',
      })
      .option('repair', {
        type: 'boolean',
        default: false,
        describe:
          'Re-sync each confirmed difference from the source (consistent read, write, re-read until stable, as replay-dlq does), so a concurrent CDC write is never overwritten with an older image',
      })
      .option('recheck-delay', {
        type: 'number',
        default: DEFAULT_RECHECK_DELAY_SECONDS,
        describe:
          'Seconds before the first consistent re-read of a suspect; each later wait doubles (at most 30 s, or this delay if longer)',
      })
      .option('recheck-attempts', {
        type: 'number',
        default: DEFAULT_RECHECK_ATTEMPTS,
        describe:
          'Consistent re-checks before reporting (0 = none); the defaults wait 2+4+8+16+30 s, about a minute of replication lag',
      })
      .option('show-values', { type: 'boolean', default: false, describe: 'Put item values in the report' })
      .option('max-rcu', { type: 'number', describe: 'Read capacity cap per side (RCU/s)' })
      .option('sample', { type: 'number', describe: 'Scan only this fraction (0-1] of the segments' })
      .option('concurrency', {
        type: 'number',
        describe: 'Segment pairs scanned at once (default min(segments, 16))',
      }) as never,
  handler: async (argv) => {
    await runAndReport(argv, (ctx) => import('./run.js').then((m) => m.runVerify(argv, ctx)));
  },
};
