import type { ArgumentsCamelCase, CommandModule } from 'yargs';
import { type CliContext, runAndReport } from '../../context.js';
import { withMigrateFlags } from './flags.js';
import type { MigrateArgv } from './options.js';

/** `ddb-migrate migrate`: preflight, export, load, settings, CDC; resumable. */
export function migrateCommand(ctx: CliContext): CommandModule<object, MigrateArgv> {
  return {
    command: 'migrate',
    describe:
      'Move a live table to another account: export, load (import or write), carry settings, start CDC',
    builder: (yargs) => withMigrateFlags(yargs) as never,
    handler: async (argv: ArgumentsCamelCase<MigrateArgv>) => {
      await runAndReport<unknown>(ctx, argv, async (ctx) => {
        if (typeof argv.file === 'string') {
          const { runAppMigrate } = await import('../app/app-migrate.js');
          return runAppMigrate(argv.file, argv, ctx);
        }
        const { toMigrateOptions } = await import('./options.js');
        const { runMigrate } = await import('./run.js');
        return runMigrate(toMigrateOptions(argv, { env: ctx.env }), ctx);
      });
    },
  };
}
