import type { Argv, CommandModule } from 'yargs';
import { type CliContext, runAndReport } from '../../context.js';
import { dlqUrlOption, numberOption, withSourceTarget } from '../../options.js';
import type { CutoverArgv } from './options.js';

/** The flags cutover and rollback share. */
function withCutoverFlags<T>(yargs: Argv<T>, command: 'cutover' | 'rollback') {
  const leaving = command === 'cutover' ? 'source' : 'target';
  const built = withSourceTarget(yargs, { tableRequired: false })
    // Checked in run.ts: --file names the tables instead.
    .option('source-table-name', { type: 'string', demandOption: false, describe: 'Source table name' })
    .option('file', {
      type: 'string',
      describe: `A migration plan file: ${command} every table in it together, or none`,
    })
    .option('state-dir', {
      type: 'string',
      default: '.ddb-migrate',
      describe: "The migration's state directory (as for migrate)",
    })
    .option('yes', {
      type: 'boolean',
      default: false,
      describe: 'Do not ask for confirmation (needed without a terminal)',
    })
    .option('dry-run', {
      type: 'boolean',
      default: false,
      describe: 'Check the preconditions and print the plan; change nothing',
    })
    .option('abort', {
      type: 'boolean',
      default: false,
      describe: `Lift the freeze (restore the ${leaving} table's own policy) at any step`,
    })
    .option('allow-principal', {
      type: 'string',
      array: true,
      describe:
        "Principal ARN that may still write while frozen (repeatable); the tool's own is always exempt",
    })
    .option('freeze', {
      type: 'string',
      // Checked in options.ts (one line on a bad value; yargs' choices print several).
      describe:
        'policy|none: deny writes with a resource policy (default); none: you have stopped the writers',
    })
    .option('max-lag', numberOption('Refuse when CDC is further behind than this many seconds', 60))
    .option('allow-dlq', {
      type: 'boolean',
      default: false,
      describe: 'Go on although the DLQ holds messages',
    })
    .option('verify', {
      type: 'string',
      describe:
        'changed|full: prove the keys changed since the last clean verify (default), or the whole table',
    })
    .option('exec', {
      type: 'string',
      describe:
        'Shell command run at the switch (flip a parameter, a flag); non-zero stops before the switch',
    })
    .option('fence-key', {
      type: 'string',
      describe: 'Key of the fence marker (DynamoDB JSON); default a reserved key',
    })
    .option('probe-role-arn', {
      type: 'string',
      describe:
        'A role the freeze does not exempt: probe writes (which never change an item) show when it is in force',
    })
    .option('probe-profile', {
      type: 'string',
      describe: 'Profile of such a principal (instead of --probe-role-arn)',
    })
    .option(
      'freeze-settle-seconds',
      numberOption('Without a probe: seconds the policy is given to take effect', 60),
    )
    .option('freeze-timeout-seconds', numberOption('With a probe: seconds to wait for a refused write', 300))
    .option('fence-timeout-seconds', numberOption('Seconds to wait for the fence to arrive', 900))
    .option(
      'stop-after-idle',
      numberOption('Replication in this process stops once the stream was idle this long'),
    )
    .option('dlq-url', dlqUrlOption("Local CDC's DLQ (lambda mode reads the function's)"))
    .option('report', { type: 'string', describe: 'NDJSON file for the differences the proof finds' })
    .option('poll-milliseconds', {
      ...numberOption('Interval of the probe and fence polls', 1000),
      hidden: true,
    });
  return command === 'cutover'
    ? built.option('reverse', {
        type: 'boolean',
        default: false,
        describe: "Enable the target's stream and replicate target -> source after the switch (the way back)",
      })
    : built;
}

/** `ddb-migrate cutover`: freeze, fence, prove, switch, with a way back. */
export function cutoverCommand(ctx: CliContext): CommandModule<object, CutoverArgv> {
  return {
    command: 'cutover',
    describe:
      'Freeze source writes, drain CDC to a fence, prove, switch to the target (--reverse keeps a way back)',
    builder: (yargs) => withCutoverFlags(yargs, 'cutover') as never,
    handler: async (argv) => {
      await runAndReport(ctx, argv, (ctx) =>
        import('./run.js').then((m) => m.runCutoverCommand(argv, ctx, 'forward')),
      );
    },
  };
}

/** `ddb-migrate rollback`: the same cutover in the other direction, through reverse replication. */
export function rollbackCommand(ctx: CliContext): CommandModule<object, CutoverArgv> {
  return {
    command: 'rollback',
    describe: 'Go back to the source after a cutover --reverse: freeze the target, fence, prove, switch back',
    builder: (yargs) => withCutoverFlags(yargs, 'rollback') as never,
    handler: async (argv) => {
      await runAndReport(ctx, argv, (ctx) =>
        import('./run.js').then((m) => m.runCutoverCommand(argv, ctx, 'back')),
      );
    },
  };
}
