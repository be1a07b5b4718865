import type { ArgumentsCamelCase, CommandModule } from 'yargs';
import { runAndReport } from '../../context.js';
import type { MigrateArgv } from '../../migration/migrate-options.js';
import { withMigrateFlags } from './flags.js';

/** `ddb-migrate migrate`: preflight, export, load, settings, CDC; resumable. */
export const migrateCommand: CommandModule<object, MigrateArgv> = {
  command: 'migrate',
  describe: 'Move a live table to another account: export, load (import or write), carry settings, start CDC',
  builder: (yargs) => withMigrateFlags(yargs) as never,
  handler: async (argv: ArgumentsCamelCase<MigrateArgv>) => {
    await runAndReport(argv, (ctx) =>
      import('./run.js').then(async (m) =>
        m.runMigrate((await import('../../migration/migrate-options.js')).toMigrateOptions(argv), ctx),
      ),
    );
  },
};
