import type { ArgumentsCamelCase, CommandModule } from 'yargs';
import { runAndReport } from '../../context.js';
import { withMigrateFlags } from './flags.js';
import type { MigrateArgv } from './options.js';

/** `ddb-migrate migrate`: preflight, export, load, settings, CDC; resumable. */
export const migrateCommand: CommandModule<object, MigrateArgv> = {
  command: 'migrate',
  describe: 'Move a live table to another account: export, load (import or write), carry settings, start CDC',
  builder: (yargs) => withMigrateFlags(yargs) as never,
  handler: async (argv: ArgumentsCamelCase<MigrateArgv>) => {
    await runAndReport(argv, async (ctx) => {
      const { toMigrateOptions } = await import('./options.js');
      const { runMigrate } = await import('./run.js');
      return runMigrate(toMigrateOptions(argv, { env: ctx.env }), ctx);
    });
  },
};
