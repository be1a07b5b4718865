import {
  type ApplyMigrationDeps,
  applyMigration,
  type MigrationResult,
  planMigration,
} from '@ddb-migrate/migration';
import yargs from 'yargs';
import { withMigrateFlags } from '../../src/commands/migrate/flags.js';
import { toMigrationInput } from '../../src/commands/migrate/migration-input.js';
import { toMigrateOptions } from '../../src/commands/migrate/options.js';
import { resolveSides } from '../../src/sides.js';

/**
 * What `migrate <args> --yes` does, in-process through the engine's public entry, with the
 * test's deps (a signal to abort at a save, an `onStateSaved` that changes the world between steps).
 */
export async function migrateInProcess(
  args: string[],
  env: NodeJS.ProcessEnv,
  deps: ApplyMigrationDeps = {},
): Promise<MigrationResult> {
  const argv = await withMigrateFlags(yargs([...args, '--yes']).exitProcess(false)).parse();
  const options = toMigrateOptions(argv as never);
  const plan = await planMigration(toMigrationInput(options, resolveSides(options, env)));
  return applyMigration(plan, deps);
}
