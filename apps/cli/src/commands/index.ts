import type { CommandModule } from 'yargs';

/**
 * Every CLI command, in help order. Each entry is a yargs CommandModule whose handler lazily
 * imports its run module, so `--help` stays fast.
 */
export async function loadCommands(): Promise<CommandModule[]> {
  const modules = await Promise.all([
    import('./migrate/command.js').then((m) => m.migrateCommand),
    import('./plan/command.js').then((m) => m.planCommand),
    import('./status/command.js').then((m) => m.statusCommand),
    import('./verify/command.js').then((m) => m.verifyCommand),
    import('./cdc/command.js').then((m) => m.cdcCommand),
    import('./replay-dlq/command.js').then((m) => m.replayDlqCommand),
    import('./bootstrap/command.js').then((m) => m.bootstrapCommand),
  ]);
  return modules as CommandModule[];
}
