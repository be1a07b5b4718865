import type { ArgumentsCamelCase, CommandModule } from 'yargs';
import { type CliContext, runAndReport } from '../../context.js';
import type { GlobalOptions } from '../../options.js';
import type { StatusOptions } from './run.js';

/** Flags of `ddb-migrate status`. */
export type StatusArgv = GlobalOptions & StatusOptions;

/** `ddb-migrate status`: what each recorded migration has done (reads the state dir only). */
export function statusCommand(ctx: CliContext): CommandModule<object, StatusArgv> {
  return {
    command: 'status',
    describe: 'Show the recorded state of migrations (export, load, settings, CDC)',
    builder: (yargs) =>
      yargs
        .option('state-dir', {
          type: 'string',
          default: '.ddb-migrate',
          describe: 'Where migrate keeps its state',
        })
        .option('source-table-name', { type: 'string', describe: 'Only migrations of this source table' })
        .option('target-table-name', {
          type: 'string',
          describe: 'Only migrations into this target table',
        })
        .option('file', { type: 'string', describe: 'Only the tables of this migration plan file' }) as never,
    handler: async (argv: ArgumentsCamelCase<StatusArgv>) => {
      await runAndReport(ctx, argv, (ctx) =>
        import('./run.js').then((m) =>
          m.runStatus(
            {
              stateDir: argv.stateDir,
              ...(argv.sourceTableName ? { sourceTableName: argv.sourceTableName } : {}),
              ...(argv.targetTableName ? { targetTableName: argv.targetTableName } : {}),
              ...(argv.file ? { file: argv.file } : {}),
            },
            ctx,
          ),
        ),
      );
    },
  };
}
