import type { Item, KeyNames } from '@ddb-migrate/core';
import type { TtlDeletesMode } from '../config/cdc-config.js';
import { coalesceByKey, type KeyChange } from './coalesce.js';
import type { DecodedRecord } from './decode-record.js';
import { isTtlDelete } from './stream-event.js';

/** A key whose change must land, reduced to the records that decide it. */
export interface PlannedChange extends KeyChange {
  /**
   * TTL_DELETES=skip only: the item as the TTL process deleted it (the OldImage of a TTL delete
   * after `last`), to put when fetch-on-change finds the item gone.
   */
  expiredImage?: Item;
}

/** Per-key decisions of a batch; every record is in exactly one change or one skipped count. */
export interface KeyPlan {
  changes: PlannedChange[];
  /** Records of keys whose every record is older than the cutoff. */
  skippedByCutoff: number;
  /** TTL deletes left out in skip mode. */
  skippedTtlDeletes: number;
}

/**
 * Coalesces records per key first, then decides per key:
 * - **Cutoff.** A key is skipped, all its records counted in `skippedByCutoff`, only when every
 *   record of it is older than the cutoff. ApproximateCreationDateTime is rounded to the second and
 *   is not a sequence, so a key with any record at or after the cutoff ends at its newest record.
 * - **TTL deletes, skip mode.** They are left out of the key (`skippedTtlDeletes`); the key is
 *   decided by its newest other record, and a key with no other record is not written. The
 *   newest TTL delete after that record lends its OldImage as `expiredImage`.
 * `lowestSequenceNumber` stays the lowest of all the key's records, so a retry re-reads them all.
 */
export function planKeyChanges(
  records: readonly DecodedRecord[],
  keyNames: KeyNames,
  options: { cutoffEpochSeconds?: number; ttlDeletes: TtlDeletesMode },
): KeyPlan {
  const plan: KeyPlan = { changes: [], skippedByCutoff: 0, skippedTtlDeletes: 0 };
  const { cutoffEpochSeconds: cutoff } = options;
  for (const group of coalesceByKey(records, keyNames)) {
    if (
      cutoff !== undefined &&
      group.records.every((r) => r.createdAt !== undefined && r.createdAt < cutoff)
    ) {
      plan.skippedByCutoff += group.records.length;
      continue;
    }
    if (options.ttlDeletes === 'replicate') {
      plan.changes.push(group);
      continue;
    }
    const kept = group.records.filter((r) => !isTtlDelete(r.record));
    plan.skippedTtlDeletes += group.records.length - kept.length;
    const last = kept.at(-1);
    if (last === undefined) continue;
    const after = group.records.slice(group.records.indexOf(last) + 1);
    const expired = after.filter((r) => r.oldImage !== undefined).at(-1);
    plan.changes.push({
      ...group,
      keys: last.keys,
      last,
      sequenceNumbers: kept.map((r) => r.sequenceNumber),
      records: kept,
      ...(expired?.oldImage === undefined ? {} : { expiredImage: expired.oldImage }),
    });
  }
  return plan;
}
