import type { CommandModule } from 'yargs';
import type { CliContext } from '../context.js';

/**
 * Every CLI command, in help order, bound to the entry's context (streams, env, logger), which
 * each handler passes on to its run function. Each entry is a yargs CommandModule whose handler
 * lazily imports its run module, so `--help` stays fast.
 */
export async function loadCommands(ctx: CliContext): Promise<CommandModule[]> {
  const modules = await Promise.all([
    import('./migrate/command.js').then((m) => m.migrateCommand(ctx)),
    import('./plan/command.js').then((m) => m.planCommand(ctx)),
    import('./status/command.js').then((m) => m.statusCommand(ctx)),
    import('./verify/command.js').then((m) => m.verifyCommand(ctx)),
    import('./cutover/command.js').then((m) => m.cutoverCommand(ctx)),
    import('./cutover/command.js').then((m) => m.rollbackCommand(ctx)),
    import('./finish/command.js').then((m) => m.finishCommand(ctx)),
    import('./cdc/command.js').then((m) => m.cdcCommand(ctx)),
    import('./replay-dlq/command.js').then((m) => m.replayDlqCommand(ctx)),
    import('./bootstrap/command.js').then((m) => m.bootstrapCommand(ctx)),
  ]);
  return modules as CommandModule[];
}
