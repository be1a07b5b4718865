import type { MigrationState } from '../state/migration-state.js';
import { StateStore } from '../state/state-store.js';
import type { VerifyRecord } from './cutover-state.js';

/** The tables a verify compared, as its flags named them. */
export interface VerifiedTables {
  sourceRegion: string;
  sourceTableName: string;
  targetRegion: string;
  targetTableName: string;
  /** Matched when known (--target-account-id or the role ARN's account). */
  targetAccountId?: string;
}

/**
 * Records a verify's outcome in the state of the migration of these tables in `stateDir`, where
 * cutover reads it (its precondition, and the start of the changed keys it proves). Nothing is
 * recorded when no migration, or more than one, matches: returns the state file it wrote, if any.
 */
export async function recordVerify(
  stateDir: string,
  tables: VerifiedTables,
  record: VerifyRecord,
): Promise<string | undefined> {
  const store = new StateStore(stateDir);
  const matches = (await store.list()).filter((s: MigrationState) => {
    const k = s.key;
    return (
      k.sourceRegion === tables.sourceRegion &&
      k.sourceTableName === tables.sourceTableName &&
      k.targetRegion === tables.targetRegion &&
      k.targetTableName === tables.targetTableName &&
      (tables.targetAccountId === undefined || k.targetAccountId === tables.targetAccountId)
    );
  });
  const [state] = matches;
  if (state === undefined || matches.length > 1) return undefined;
  state.verify = record;
  await store.save(state);
  return store.pathFor(state.key);
}
