import type { ArgumentsCamelCase, CommandModule } from 'yargs';
import { type CliContext, runAndReport } from '../../context.js';
import { withMigrateFlags } from '../migrate/flags.js';
import type { MigrateArgv } from '../migrate/options.js';

/** `ddb-migrate plan` = `migrate --dry-run`: every preflight check, the plan, nothing changed. */
export function planCommand(ctx: CliContext): CommandModule<object, MigrateArgv> {
  return {
    command: 'plan',
    describe: 'Check everything a migration needs and print the plan (changes nothing)',
    builder: (yargs) => withMigrateFlags(yargs, 'plan') as never,
    handler: async (argv: ArgumentsCamelCase<MigrateArgv>) => {
      await runAndReport<unknown>(ctx, argv, async (ctx) => {
        if (typeof argv.file === 'string') {
          const { runAppPlan } = await import('../app/app-migrate.js');
          return runAppPlan(argv.file, argv, ctx);
        }
        const { toMigrateOptions } = await import('../migrate/options.js');
        const { runPlan } = await import('./run.js');
        return runPlan(toMigrateOptions(argv, { dryRun: true, env: ctx.env }), ctx);
      });
    },
  };
}
