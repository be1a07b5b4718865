import { readFileSync } from 'node:fs';
import { type CheckpointState, oldestPendingRecord } from '@ddb-migrate/cdc-lambda';
import { cdcExportTime, type MigrationState } from '../state/migration-state.js';

/** DynamoDB Streams keep records 24 h; leave an hour of slack for CDC to catch up. */
export const STREAM_RETENTION_MS = 24 * 3_600_000;
export const STREAM_SAFETY_MS = 3_600_000;

/**
 * Why CDC may not start any more: the oldest stream record it still needs must still be in the
 * stream. That record is at T - margin (T2 - margin after an incremental-export catch-up, see
 * {@link cdcExportTime}) until local CDC has checkpoints; then it is the oldest
 * unfinished shard position in the checkpoint file (so a re-run a day after the export with fresh
 * checkpoints goes on). Returns undefined when it is safe (or nothing is exported yet).
 *
 * @param checkpoint the local runner's checkpoint file content; default: read from
 *   `state.cdc.checkpointDir` in local mode (absent or unreadable: the export time decides)
 */
export function streamWindowProblem(
  state: MigrationState,
  marginSeconds: number,
  now: number,
  checkpoint: CheckpointState | undefined = readLocalCheckpoint(state),
): { message: string; fix: string } | undefined {
  const t = cdcExportTime(state);
  if (!t || state.cdcMode === 'none') return undefined;
  const from = Date.parse(t) - marginSeconds * 1000;
  const pending = checkpoint === undefined ? { kind: 'unknown' as const } : oldestPendingRecord(checkpoint);
  if (pending.kind === 'finished') return undefined;
  // Records before T - margin are skipped by the handler, so they are never needed.
  const oldestNeeded = pending.kind === 'since' ? Math.max(from, pending.time) : from;
  if (now - oldestNeeded <= STREAM_RETENTION_MS - STREAM_SAFETY_MS) return undefined;
  const fix =
    'Run migrate again with --catch-up incremental (the default): incremental exports bridge the gap before CDC starts; or start a fresh migration (move the state file away)';
  if (pending.kind === 'since' && pending.time > from) {
    return {
      message: `Stream records from ${new Date(oldestNeeded).toISOString()} (the oldest unfinished position in the CDC checkpoint, shard ${pending.shardId}) may already be trimmed: the stream keeps 24 h`,
      // Local CDC has read part of the stream: its checkpoint, not a catch-up, says where it goes on.
      fix: 'CDC already read part of the stream, so no catch-up applies: start a fresh migration (move the state file away), or run `ddb-migrate verify --repair` once writes to the source stopped',
    };
  }
  return {
    message: `Stream records from ${new Date(from).toISOString()} (${state.catchUp?.cdcExportTime ? "the catch-up's end" : 'export time'} minus margin) may already be trimmed: the stream keeps 24 h`,
    fix,
  };
}

/** The local runner's checkpoint file, when local CDC has written one. */
export function readLocalCheckpoint(state: MigrationState): CheckpointState | undefined {
  const file = state.cdc?.mode === 'local' ? state.cdc.checkpointDir : undefined;
  if (file === undefined) return undefined;
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as CheckpointState;
  } catch {
    // No file yet (CDC never ran) or a broken one (the runner refuses it itself): use the export time.
    return undefined;
  }
}
