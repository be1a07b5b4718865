import { RunnerInvariantError } from '../errors.js';

/**
 * Throws unless every record the runner has read was acknowledged (delivered, and the handler
 * reported no failure for it). An idle stop with a record still in flight would leave the record to
 * a resume that may come after the 24-hour retention.
 *
 * @param unacknowledged shard id to the number of records read from it and not yet acknowledged
 */
export function assertAllAcknowledged(unacknowledged: ReadonlyMap<string, number>): void {
  const pending = [...unacknowledged].filter(([, count]) => count > 0);
  if (pending.length > 0) {
    throw new RunnerInvariantError(
      `The stream runner was about to stop as idle with unacknowledged records (${pending
        .map(([shardId, count]) => `${shardId}: ${count}`)
        .join(', ')})`,
    );
  }
}
