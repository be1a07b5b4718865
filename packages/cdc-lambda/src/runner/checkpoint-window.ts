import type { CheckpointState } from './checkpoint-store.js';

/** What a checkpoint file says about the oldest stream record a resumed runner still needs. */
export type PendingRecords =
  /** The stream was DISABLED and read to its end: nothing is needed. */
  | { kind: 'finished' }
  /** Not known from the checkpoints (no shards, a version 1 file, a shard never read): use the export time. */
  | { kind: 'unknown' }
  /** Every record still needed was created at or after `time` (epoch ms); `shardId` is the oldest such shard. */
  | { kind: 'since'; time: number; shardId: string };

/**
 * The oldest unfinished position in a checkpoint file: the minimum `pendingSince` over the shards
 * a resume continues from, which are the shards not read to their end and the closed shards with
 * no recorded child (their children's records came after them). The CLI checks it against the
 * 24-hour stream retention instead of the export time when it is known.
 *
 * @example
 * const pending = oldestPendingRecord(JSON.parse(readFileSync(file, 'utf8')));
 * if (pending.kind === 'since' && Date.now() - pending.time > 23 * 3_600_000) refuse();
 */
export function oldestPendingRecord(state: CheckpointState): PendingRecords {
  if (state.streamFinishedAt !== undefined) return { kind: 'finished' };
  const entries = Object.entries(state.shards ?? {});
  const parents = new Set(entries.map(([, c]) => c.parentShardId).filter((p) => p !== undefined));
  const frontier = entries.filter(([id, c]) => !c.closed || !parents.has(id));
  let oldest: { kind: 'since'; time: number; shardId: string } | undefined;
  for (const [shardId, checkpoint] of frontier) {
    const time = checkpoint.pendingSince === undefined ? Number.NaN : Date.parse(checkpoint.pendingSince);
    if (Number.isNaN(time)) return { kind: 'unknown' };
    if (oldest === undefined || time < oldest.time) oldest = { kind: 'since', time, shardId };
  }
  return oldest ?? { kind: 'unknown' };
}
