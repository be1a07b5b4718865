import {
  attributeValuesEqual,
  batchWrite,
  canonicalKey,
  type Item,
  type KeyNames,
  noopLogger,
  type WriteOp,
} from '@ddb-migrate/core';
import { tableArnFromStreamArn } from '../config/cdc-config.js';
import type { ApplyConfig, ApplyCounters, ApplyDeps, ApplyResult } from './apply-config.js';
import { coalesceByKey, type KeyChange } from './coalesce.js';
import { type DeadLetterMessage, sendDeadLetter } from './dead-letter.js';
import { type DecodedRecord, decodeRecord, keyNamesFromKeys } from './decode-record.js';
import { isPoisonFailure } from './error-class.js';
import { fetchCurrentItems } from './fetch-on-change.js';
import { isTtlDelete, type LambdaStreamRecord } from './stream-event.js';

/** Why a key did not land. */
interface KeyFailure {
  change: KeyChange;
  error: string;
  code?: string;
  retryable: boolean;
  attempts: number;
}

/**
 * Applies one batch of stream records to the target table: decode, drop records before the
 * cutoff (and TTL deletes in skip mode), coalesce per key (highest sequence number wins), read
 * the current source item where the stream carries no new image, then put/delete through
 * BatchWriteItem in parallel. Keys that keep failing within the time budget come back as batch
 * item failures (their lowest sequence number); records that can never succeed go to the
 * dead-letter queue whole, and become failures only if that queue cannot take them.
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
  const margin = config.safetyMarginMs ?? Math.min(10_000, Math.max(1000, remainingTimeMs * 0.2));
  const deadline = now() + Math.max(0, remainingTimeMs - margin);
  const counters = emptyApplyCounters(records.length);
  const failures: string[] = [];
  const deadLetters: { message: DeadLetterMessage; lowest: string; count: number }[] = [];

  // 1. Decode, cutoff, TTL mode.
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
      if (config.cutoffEpochSeconds !== undefined && decoded.createdAt < config.cutoffEpochSeconds) {
        counters.skipped += 1;
        counters.skippedByCutoff += 1;
        continue;
      }
    }
    if (isTtlDelete(record) && config.ttlDeletes === 'skip') {
      counters.skipped += 1;
      counters.skippedTtlDeletes += 1;
      continue;
    }
    kept.push(decoded);
  }

  // 2. Coalesce per key.
  const first = kept[0];
  const keyNames: KeyNames | undefined =
    config.keyNames ?? (first ? keyNamesFromKeys(first.keys) : undefined);
  const changes = keyNames === undefined ? [] : coalesceByKey(kept, keyNames);
  counters.coalesced = kept.length - changes.length;

  // 3. Decide each key's op; fetch the current source item where the stream has no new image.
  const ops = new Map<string, { change: KeyChange; op: WriteOp }>();
  const toFetch: KeyChange[] = [];
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
    await fetchChanges(toFetch, keyNames, deps, config, deadline, ops, keyFailures);
    counters.fetched = toFetch.length;
  }

  // 4. Write, with passes over retryable failures while the budget lasts.
  const writeBatch = deps.writeBatch ?? batchWrite;
  let pending = [...ops.values()];
  const maxPasses = config.maxPasses ?? 3;
  for (let pass = 1; pending.length > 0 && keyNames !== undefined; pass += 1) {
    const byId = new Map(pending.map((p) => [p.change.id, p]));
    let failed: { id: string; error: string; code?: string; retryable: boolean }[];
    try {
      const result = await writeBatch(
        deps.target,
        pending.map((p) => p.op),
        {
          tableName: config.targetTableId,
          keyNames,
          concurrency: config.concurrency ?? 8,
          maxAttempts: config.maxAttempts ?? 15,
          deadline,
          logger,
        },
      );
      counters.writeCalls += result.calls;
      counters.writeRetries += result.retries;
      counters.throttles += result.throttles;
      failed = result.failed.map((f) => ({ ...f, id: canonicalKey(opKey(f.op), keyNames) }));
    } catch (error) {
      failed = pending.map((p) => ({ id: p.change.id, error: (error as Error).message, retryable: true }));
    }
    const retry: typeof pending = [];
    for (const f of failed) {
      const entry = byId.get(f.id);
      if (entry === undefined) continue;
      byId.delete(f.id);
      if (f.retryable && pass < maxPasses && now() < deadline) retry.push(entry);
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
  await Promise.all(
    deadLetters.map(async ({ message, lowest, count }) => {
      try {
        if (deps.sqs === undefined || config.dlqUrl === undefined)
          throw new Error('no dead-letter queue configured');
        await sendDeadLetter(deps.sqs, config.dlqUrl, message);
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

async function fetchChanges(
  toFetch: KeyChange[],
  keyNames: KeyNames,
  deps: ApplyDeps,
  config: ApplyConfig,
  deadline: number,
  ops: Map<string, { change: KeyChange; op: WriteOp }>,
  keyFailures: KeyFailure[],
): Promise<void> {
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
    return;
  }
  const fetched = await fetchCurrentItems(
    deps.source,
    toFetch.map((c) => c.keys),
    { tableId, keyNames, deadline, ...(deps.sleep ? { sleep: deps.sleep } : {}) },
  );
  const failedById = new Map(fetched.failed.map((f) => [f.id, f]));
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
    } else if (item === null) {
      ops.set(change.id, { change, op: { type: 'delete', key: change.keys } });
    } else {
      ops.set(change.id, { change, op: { type: 'put', item } });
    }
  }
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
