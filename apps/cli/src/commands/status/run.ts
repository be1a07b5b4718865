import { lastFinishedStep, type MigrationState, StateStore } from '@ddb-migrate/migration';
import { cdcRunCommand } from '../../command-line.js';
import { readPlanFile } from '../app/plan-file.js';
import { type FreezeNotice, freezeNotices } from '../cutover/freeze-notice.js';
import type { CliContext } from '../../context.js';
import type { CommandResult } from '../../output.js';
import { renderState } from './render.js';

/** Options of `ddb-migrate status`. */
export interface StatusOptions {
  stateDir: string;
  sourceTableName?: string;
  targetTableName?: string;
  /** A plan file: only its tables (listed ones), in its state dir unless --state-dir is given. */
  file?: string;
}

/** Whether changes made to the source now still reach the target, as far as the state records. */
export interface SyncState {
  /**
   * True while the recorded CDC keeps the target in sync: lambda mode's event source mapping
   * (status reads no AWS, so "as recorded"). False for `none`, and for local CDC once it stopped.
   */
  keptInSync: boolean;
  /** One sentence: what keeps the target in sync, or that nothing does and what to run. */
  sync: string;
  /**
   * What keeps it in sync from here (local mode): `cdc run` with the recorded tables and this state
   * dir, which goes on from the migration's checkpoint. The target access flags are not recorded:
   * add the --target-role-arn/--target-role-name/--target-profile the migration ran with, if any.
   */
  cdcRunCommand?: string;
}

/** One recorded migration as `status` prints it: the state file plus its last finished step. */
export type RecordedMigration = MigrationState & { lastStep: string; freezes: FreezeNotice[] } & SyncState;

/** What `status` prints with --output json. */
export interface StatusResult {
  migrations: RecordedMigration[];
}

/** Lists the recorded migrations with their last finished step and the recorded ARNs. */
export async function runStatus(
  options: StatusOptions,
  _ctx: CliContext,
): Promise<CommandResult<StatusResult>> {
  const appPlan = options.file ? await readPlanFile(options.file) : undefined;
  const inFile =
    appPlan && new Set((appPlan.tables ?? []).map((t) => `${t.name}\u0000${t.targetName ?? t.name}`));
  const stateDir =
    appPlan?.stateDir && options.stateDir === '.ddb-migrate' ? appPlan.stateDir : options.stateDir;
  const states = (await new StateStore(stateDir).list()).filter(
    (s) =>
      (!options.sourceTableName || s.key.sourceTableName === options.sourceTableName) &&
      (!options.targetTableName || s.key.targetTableName === options.targetTableName) &&
      (!inFile || inFile.has(`${s.key.sourceTableName}\u0000${s.key.targetTableName}`)),
  );
  const migrations = states.map((s) => ({
    ...s,
    lastStep: lastFinishedStep(s),
    freezes: freezeNotices(
      s,
      {
        sourceRegion: s.key.sourceRegion,
        sourceTableName: s.key.sourceTableName,
        targetRegion: s.key.targetRegion,
        targetTableName: s.key.targetTableName,
        targetAccountId: s.key.targetAccountId === s.key.sourceAccountId ? undefined : s.key.targetAccountId,
      },
      options.stateDir,
    ),
    ...syncState(s, options.stateDir),
  }));
  if (migrations.length === 0)
    return { data: { migrations }, text: `No migrations recorded in ${options.stateDir}` };
  const text = migrations.map(renderState).join('\n\n');
  return { data: { migrations }, text };
}

/** What keeps the target of a recorded migration in sync (see {@link SyncState}). */
export function syncState(s: MigrationState, stateDir: string): SyncState {
  const k = s.key;
  const command = cdcRunCommand(
    {
      sourceRegion: k.sourceRegion,
      sourceTableName: k.sourceTableName,
      targetRegion: k.targetRegion,
      targetTableName: k.targetTableName,
      targetAccountId: k.targetAccountId === k.sourceAccountId ? undefined : k.targetAccountId,
    },
    { stateDir },
  );
  if (s.cdcMode === 'lambda') {
    return s.cdc?.esmUuid
      ? {
          keptInSync: true,
          sync: `kept in sync by the CDC Lambda's event source mapping ${s.cdc.esmUuid} (as recorded)`,
        }
      : { keptInSync: false, sync: 'not kept in sync yet: CDC (lambda) has not started; run migrate again' };
  }
  if (s.cdcMode === 'none') {
    return {
      keptInSync: false,
      sync: `not kept in sync (CDC mode none); to apply later changes run ${command}`,
      cdcRunCommand: command,
    };
  }
  if (s.cdc?.drainedAt) {
    return {
      keptInSync: false,
      sync: `not kept in sync since local CDC stopped at ${s.cdc.drainedAt}; keep it in sync with ${command} (it goes on from the checkpoint), or migrate with --cdc-mode lambda`,
      cdcRunCommand: command,
    };
  }
  if (s.cdc?.status === 'started') {
    return {
      keptInSync: false,
      sync: `kept in sync only while the local CDC started ${s.cdc.startedAt ?? '(time not recorded)'} runs; if that process stopped, run ${command}`,
      cdcRunCommand: command,
    };
  }
  return { keptInSync: false, sync: 'not kept in sync yet: local CDC has not started; run migrate again' };
}
