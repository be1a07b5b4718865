import {
  attributeValuesEqual,
  batchWrite,
  canonicalKey,
  type Item,
  type KeyNames,
  noopLogger,
  sdkErrorName,
  type WriteOp,
} from '@ddb-migrate/core';
import { tableArnFromStreamArn } from '../config/cdc-config.js';
import type { ApplyConfig, ApplyCounters, ApplyDeps, ApplyResult } from './apply-config.js';
import { type DeadLetterMessage, sendDeadLetter } from './dead-letter.js';
import { type DecodedRecord, decodeRecord, keyNamesFromKeys } from './decode-record.js';
import { isPoisonFailure } from './error-class.js';
import { fetchCurrentItems } from './fetch-on-change.js';
import { type KeyPlan, type PlannedChange, planKeyChanges } from './plan-key-changes.js';
import { isTtlDelete, type LambdaStreamRecord } from './stream-event.js';
import { InvocationDeadlineError } from '../errors.js';
import { type TimeBudget, timeBudget, withinBudget } from './time-budget.js';

/** Why a key did not land. */
interface KeyFailure {
  change: PlannedChange;
  error: string;
  code?: string;
  retryable: boolean;
  attempts: number;
}

/**
 * Applies one batch of stream records to the target table: decode, coalesce per key (highest
 * sequence number wins), skip keys whose every record is older than the cutoff, leave TTL deletes
 * out in skip mode (see {@link planKeyChanges}), read the current source item where the stream
 * carries no new image, then put/delete through BatchWriteItem in parallel. Keys that keep failing
 * within the time budget come back as batch item failures (their lowest sequence number); records
 * that can never succeed go to the dead-letter queue whole, and become failures only if that
 * queue cannot take them. Every record is counted once: applied + skipped + coalesced + failed +
 * dlq = records.
 *
 * TTL_DELETES=skip: the target keeps an item the TTL process deleted, and a later user write of the
 * key still replicates. With fetch-on-change (no new images), a key whose source item is gone is
 * deleted only on a user REMOVE record; otherwise it is put from the TTL delete's OldImage when the
 * stream carries one, or left as it is (counted in `skippedGoneAtSource`).
 *
 * Time budget: a write of an invocation is never in flight after the invocation returns. Every
 * request (target, source and queue) is bounded by the request timeout (`requestTimeoutMs`, which
 * must be the clients' own), which is inside the safety margin: no request starts later than
 * `remainingTimeMs - margin - requestTimeoutMs` from now, a request still running after the
 * timeout is aborted, and keys not written by then are reported as batch item failures.
 *
 * @param remainingTimeMs the invocation's remaining time (`context.getRemainingTimeInMillis()`).
 * @example
 * const { batchItemFailures, counters } = await applyStreamBatch(event.Records, deps, config, 60_000);
 */
export async function applyStreamBatch(
  records: readonly LambdaStreamRecord[],
  deps: ApplyDeps,
  config: ApplyConfig,
  remainingTimeMs: number,
): Promise<ApplyResult> {
  const now = deps.now ?? Date.now;
  const logger = deps.logger ?? noopLogger;
  const budget = timeBudget(remainingTimeMs, config, now);
  const target = withinBudget(deps.target, budget);
  const counters = emptyApplyCounters(records.length);
  const failures: string[] = [];
  const deadLetters: { message: DeadLetterMessage; lowest: string; count: number }[] = [];

  // 1. Decode.
  const kept: DecodedRecord[] = [];
  for (const [index, record] of records.entries()) {
    let decoded: DecodedRecord;
    try {
      decoded = decodeRecord(record, index);
    } catch (error) {
      const seq = record.dynamodb?.SequenceNumber;
      if (seq === undefined) throw error; // Lambda cannot retry a record it cannot name: fail the batch.
      deadLetters.push({
        message: deadLetter(record, error as Error, 'RecordDecodeError', 0, [seq]),
        lowest: seq,
        count: 1,
      });
      continue;
    }
    if (decoded.createdAt !== undefined) {
      counters.newestCreatedAt = Math.max(counters.newestCreatedAt ?? 0, decoded.createdAt);
    }
    kept.push(decoded);
  }

  // 2. Coalesce per key, then the cutoff and the TTL mode per key.
  const first = kept[0];
  const keyNames: KeyNames | undefined =
    config.keyNames ?? (first ? keyNamesFromKeys(first.keys) : undefined);
  const plan: KeyPlan =
    keyNames === undefined
      ? { changes: [], skippedByCutoff: 0, skippedTtlDeletes: 0 }
      : planKeyChanges(kept, keyNames, config);
  const { changes } = plan;
  counters.skippedByCutoff = plan.skippedByCutoff;
  counters.skippedTtlDeletes = plan.skippedTtlDeletes;
  counters.skipped = plan.skippedByCutoff + plan.skippedTtlDeletes;
  counters.coalesced = changes.reduce((sum, c) => sum + c.sequenceNumbers.length - 1, 0);

  // 3. Decide each key's op; fetch the current source item where the stream has no new image.
  const ops = new Map<string, { change: PlannedChange; op: WriteOp }>();
  const toFetch: PlannedChange[] = [];
  const keyFailures: KeyFailure[] = [];
  for (const change of changes) {
    const { last } = change;
    if (last.eventName === 'REMOVE') {
      ops.set(change.id, { change, op: { type: 'delete', key: change.keys } });
      if (isTtlDelete(last.record)) counters.ttlDeletesReplicated += 1;
    } else if (last.newImage !== undefined) {
      if (imageMatchesKeys(last.newImage, change.keys)) {
        ops.set(change.id, { change, op: { type: 'put', item: last.newImage } });
      } else {
        const error = 'NewImage does not carry the record Keys';
        keyFailures.push({ change, error, code: 'InvalidRecordImage', retryable: false, attempts: 0 });
      }
    } else {
      toFetch.push(change);
    }
  }
  if (toFetch.length > 0 && keyNames !== undefined) {
    const gone = await fetchChanges(toFetch, keyNames, deps, config, budget, ops, keyFailures);
    counters.fetched = toFetch.length;
    counters.skipped += gone;
    counters.skippedGoneAtSource = gone;
  }

  // 4. Write, with passes over retryable failures while the budget lasts.
  const writeBatch = deps.writeBatch ?? batchWrite;
  let pending = [...ops.values()];
  const maxPasses = config.maxPasses ?? 3;
  for (let pass = 1; pending.length > 0 && keyNames !== undefined; pass += 1) {
    const byId = new Map(pending.map((p) => [p.change.id, p]));
    let failed: { id: string; error: string; code?: string; retryable: boolean }[];
    try {
      if (now() > budget.startBy) throw new InvocationDeadlineError();
      const result = await writeBatch(
        target,
        pending.map((p) => p.op),
        {
          tableName: config.targetTableId,
          keyNames,
          concurrency: config.concurrency ?? 8,
          maxAttempts: config.maxAttempts ?? 15,
          // The writer starts no retry after this; withinBudget refuses any first attempt after it.
          deadline: budget.startBy,
          logger,
        },
      );
      counters.writeCalls += result.calls;
      counters.writeRetries += result.retries;
      counters.throttles += result.throttles;
      failed = result.failed.map((f) => ({ ...f, id: canonicalKey(opKey(f.op), keyNames) }));
    } catch (error) {
      const code = sdkErrorName(error);
      failed = pending.map((p) => ({
        id: p.change.id,
        error: (error as Error).message,
        ...(code === undefined ? {} : { code }),
        retryable: true,
      }));
    }
    const retry: typeof pending = [];
    for (const f of failed) {
      const entry = byId.get(f.id);
      if (entry === undefined) continue;
      byId.delete(f.id);
      if (f.retryable && pass < maxPasses && now() < budget.startBy) retry.push(entry);
      else
        keyFailures.push({
          change: entry.change,
          error: f.error,
          code: f.code,
          retryable: f.retryable,
          attempts: pass,
        });
    }
    counters.applied += byId.size;
    pending = retry;
  }

  // 5. Poison keys to the dead-letter queue; everything else still failing blocks from its lowest record.
  for (const failure of keyFailures) {
    const { change } = failure;
    if (isPoisonFailure(failure)) {
      const message = deadLetter(
        change.last.record,
        failure,
        failure.code,
        failure.attempts,
        change.sequenceNumbers,
      );
      deadLetters.push({
        message,
        lowest: change.lowestSequenceNumber,
        count: change.sequenceNumbers.length,
      });
      counters.coalesced -= change.sequenceNumbers.length - 1;
    } else {
      failures.push(change.lowestSequenceNumber);
      counters.failed += 1;
      logger.warn('key still failing; reporting a batch item failure', {
        sequenceNumber: change.lowestSequenceNumber,
        code: failure.code,
        attempts: failure.attempts,
      });
    }
  }
  const sqs = deps.sqs === undefined ? undefined : withinBudget(deps.sqs, budget);
  await Promise.all(
    deadLetters.map(async ({ message, lowest, count }) => {
      try {
        if (sqs === undefined || config.dlqUrl === undefined)
          throw new Error('no dead-letter queue configured');
        await sendDeadLetter(sqs, config.dlqUrl, message);
        counters.dlq += count;
        logger.error('record parked in the dead-letter queue', {
          sequenceNumber: message.record.dynamodb?.SequenceNumber,
          code: message.errorCode,
        });
      } catch (error) {
        // Never drop: the record stays in the stream and blocks until the queue works.
        failures.push(lowest);
        counters.failed += 1;
        counters.coalesced += count - 1;
        logger.error('dead-letter queue unavailable; reporting a batch item failure', {
          sequenceNumber: lowest,
          error: (error as Error).message,
        });
      }
    }),
  );

  return { batchItemFailures: sortedFailures(failures), counters };
}

/**
 * Reads the current source items of `toFetch` and decides their ops. Returns how many keys were
 * left unwritten because the item is gone and TTL deletes are skipped (see applyStreamBatch).
 */
async function fetchChanges(
  toFetch: PlannedChange[],
  keyNames: KeyNames,
  deps: ApplyDeps,
  config: ApplyConfig,
  budget: TimeBudget,
  ops: Map<string, { change: PlannedChange; op: WriteOp }>,
  keyFailures: KeyFailure[],
): Promise<number> {
  const streamArn = toFetch[0]?.last.record.eventSourceARN;
  const tableId = config.sourceTableArn ?? (streamArn ? tableArnFromStreamArn(streamArn) : undefined);
  if (deps.source === undefined || tableId === undefined) {
    for (const change of toFetch) {
      keyFailures.push({
        change,
        error:
          'the stream has no new images and no source table is configured for fetch-on-change (SOURCE_TABLE_ARN)',
        code: 'FetchOnChangeUnavailable',
        retryable: false,
        attempts: 0,
      });
    }
    return 0;
  }
  const fetched = await fetchCurrentItems(
    withinBudget(deps.source, budget),
    toFetch.map((c) => c.keys),
    { tableId, keyNames, deadline: budget.startBy, ...(deps.sleep ? { sleep: deps.sleep } : {}) },
  );
  const failedById = new Map(fetched.failed.map((f) => [f.id, f]));
  let gone = 0;
  for (const change of toFetch) {
    const failure = failedById.get(change.id);
    const item = fetched.items.get(change.id);
    if (failure !== undefined || item === undefined) {
      keyFailures.push({
        change,
        error: failure?.error ?? 'source item not read',
        code: failure?.code,
        retryable: failure?.retryable ?? true,
        attempts: 1,
      });
    } else if (item !== null) {
      ops.set(change.id, { change, op: { type: 'put', item } });
    } else if (config.ttlDeletes === 'replicate') {
      ops.set(change.id, { change, op: { type: 'delete', key: change.keys } });
    } else if (change.expiredImage !== undefined && imageMatchesKeys(change.expiredImage, change.keys)) {
      // Gone by the TTL delete in this batch: keep the item as it expired.
      ops.set(change.id, { change, op: { type: 'put', item: change.expiredImage } });
    } else {
      // Gone after this record: by a user delete (its REMOVE record will delete the key) or by
      // TTL (which skip mode does not replicate). Either way, deleting now would be wrong.
      gone += 1;
    }
  }
  return gone;
}

/** A put must carry the very key its record names; otherwise the writer cannot place it. */
function imageMatchesKeys(image: Item, keys: Item): boolean {
  return Object.entries(keys).every(([name, value]) => {
    const other = image[name];
    return other !== undefined && attributeValuesEqual(other, value);
  });
}

function opKey(op: WriteOp): Item {
  return op.type === 'put' ? op.item : op.key;
}

function deadLetter(
  record: LambdaStreamRecord,
  error: { message?: string; error?: string },
  code: string | undefined,
  attempts: number,
  sequenceNumbers: string[],
): DeadLetterMessage {
  return {
    kind: 'ddb-migrate.cdc.failed-record',
    version: 1,
    error: error.error ?? error.message ?? 'unknown error',
    ...(code === undefined ? {} : { errorCode: code }),
    attempts,
    failedAt: new Date().toISOString(),
    sequenceNumbers,
    record,
  };
}

function sortedFailures(sequenceNumbers: string[]): { itemIdentifier: string }[] {
  return [...new Set(sequenceNumbers)]
    .sort((a, b) => (BigInt(a) < BigInt(b) ? -1 : BigInt(a) > BigInt(b) ? 1 : 0))
    .map((itemIdentifier) => ({ itemIdentifier }));
}

/** Counters of a batch of `records` records before anything happened to them (also the zero to sum from). */
export function emptyApplyCounters(records = 0): ApplyCounters {
  return {
    records,
    skipped: 0,
    skippedByCutoff: 0,
    skippedTtlDeletes: 0,
    skippedGoneAtSource: 0,
    coalesced: 0,
    applied: 0,
    failed: 0,
    dlq: 0,
    fetched: 0,
    ttlDeletesReplicated: 0,
    writeCalls: 0,
    writeRetries: 0,
    throttles: 0,
  };
}
