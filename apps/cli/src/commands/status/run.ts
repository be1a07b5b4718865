import { lastFinishedStep, type MigrationState, StateStore } from '@ddb-migrate/migration';
import type { CliContext } from '../../context.js';
import type { CommandResult } from '../../output.js';
import { renderState } from './render.js';

/** Options of `ddb-migrate status`. */
export interface StatusOptions {
  stateDir: string;
  sourceTableName?: string;
  targetTableName?: string;
}

/** One recorded migration as `status` prints it: the state file plus its last finished step. */
export type RecordedMigration = MigrationState & { lastStep: string };

/** What `status` prints with --output json. */
export interface StatusResult {
  migrations: RecordedMigration[];
}

/** Lists the recorded migrations with their last finished step and the recorded ARNs. */
export async function runStatus(
  options: StatusOptions,
  _ctx: CliContext,
): Promise<CommandResult<StatusResult>> {
  const states = (await new StateStore(options.stateDir).list()).filter(
    (s) =>
      (!options.sourceTableName || s.key.sourceTableName === options.sourceTableName) &&
      (!options.targetTableName || s.key.targetTableName === options.targetTableName),
  );
  const migrations = states.map((s) => ({ ...s, lastStep: lastFinishedStep(s) }));
  if (migrations.length === 0)
    return { data: { migrations }, text: `No migrations recorded in ${options.stateDir}` };
  const text = migrations.map(renderState).join('\n\n');
  return { data: { migrations }, text };
}
