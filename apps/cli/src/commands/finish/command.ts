import type { CommandModule } from 'yargs';
import { type CliContext, runAndReport } from '../../context.js';
import { withSourceTarget } from '../../options.js';
import type { FinishArgv } from './run.js';

/** `ddb-migrate finish`: remove the migration's mapping, fence markers and freezes. */
export function finishCommand(ctx: CliContext): CommandModule<object, FinishArgv> {
  return {
    command: 'finish',
    describe:
      'Clean up after a migration: its mapping, the fence markers, every freeze; optionally the streams it enabled',
    builder: (yargs) =>
      withSourceTarget(yargs)
        .option('state-dir', {
          type: 'string',
          default: '.ddb-migrate',
          describe: "The migration's state directory",
        })
        .option('disable-stream', {
          type: 'boolean',
          default: false,
          describe: 'Also disable the streams this migration enabled',
        })
        .option('yes', { type: 'boolean', default: false, describe: 'Do not ask for confirmation' }) as never,
    handler: async (argv) => {
      await runAndReport(ctx, argv, (ctx) => import('./run.js').then((m) => m.runFinish(argv, ctx)));
    },
  };
}
