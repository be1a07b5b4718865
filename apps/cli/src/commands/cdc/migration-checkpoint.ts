import type { Logger } from '@ddb-migrate/core';
import { type MigrationState, StateStore } from '@ddb-migrate/migration';

/** What `cdc run` needs to go on where a local-mode migrate stopped. */
export interface MigrationCheckpoint {
  /** The checkpoint file that migrate's local CDC wrote (recorded in its state). */
  checkpointFile: string;
  /** The migration's export cut-off T (ISO), when recorded. */
  exportTime?: string;
  runId: string;
  stateFile: string;
}

/** The tables and stream `cdc run` was asked for. */
export interface CheckpointQuery {
  sourceRegion: string;
  sourceTableName: string;
  targetRegion: string;
  targetTableName: string;
  /** Matched when known (--target-account-id or the role ARN's account). */
  targetAccountId?: string;
  streamArn: string;
}

/**
 * Finds the migration in `stateDir` that ran local CDC for these tables on this stream, so `cdc
 * run --state-dir` resumes from migrate's checkpoint instead of replaying the stream from
 * TRIM_HORIZON into its own file. Undefined when there is none, or more than one (then cdc run
 * keeps its own checkpoint: replaying is harmless, guessing a migration is not).
 */
export async function findMigrationCheckpoint(
  stateDir: string,
  query: CheckpointQuery,
  logger: Logger,
): Promise<MigrationCheckpoint | undefined> {
  const store = new StateStore(stateDir);
  let states: MigrationState[];
  try {
    states = await store.list();
  } catch (error) {
    logger.warn("could not read the migration states in the state dir; using cdc run's own checkpoint", {
      stateDir,
      error: (error as Error).message,
    });
    return undefined;
  }
  const matches = states.filter(
    (s) =>
      s.key.sourceRegion === query.sourceRegion &&
      s.key.sourceTableName === query.sourceTableName &&
      s.key.targetRegion === query.targetRegion &&
      s.key.targetTableName === query.targetTableName &&
      (query.targetAccountId === undefined || s.key.targetAccountId === query.targetAccountId) &&
      s.stream?.streamArn === query.streamArn &&
      s.cdc?.mode === 'local' &&
      s.cdc.checkpointDir !== undefined,
  );
  if (matches.length !== 1) {
    if (matches.length > 1) {
      logger.warn("several migrations of these tables ran local CDC; using cdc run's own checkpoint", {
        runIds: matches.map((s) => s.runId),
      });
    }
    return undefined;
  }
  const [state] = matches as [MigrationState];
  const exportTime = state.cdc?.cutoff ?? state.export?.exportTime;
  return {
    checkpointFile: state.cdc?.checkpointDir as string,
    ...(exportTime === undefined ? {} : { exportTime }),
    runId: state.runId,
    stateFile: store.pathFor(state.key),
  };
}
