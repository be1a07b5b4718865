import {
  canonicalKey,
  createBatchWriter,
  InternalError,
  keyNamesFromSchema,
  locateIncrementalExport,
  MigrationError,
  readIncrementalRecords,
  TokenBucket,
  verifyExportCounts,
} from '@ddb-migrate/core';
import { retryAws } from '../aws-retry.js';
import type { CatchUpWindow } from '../state/migration-state.js';
import type { StepContext } from '../step-context.js';

/**
 * Writes an exported window's changes to the target with core's batch writer: NewImage is put, a
 * line without one (a delete) deletes by its Keys. Within the window the newest write per key by
 * WriteTimestampMicros wins (DynamoDB compacts a window to one line per item; a key met again in
 * another data file with an older timestamp is skipped, a newer one is written after it, and the
 * writer keeps per-key order). Memory holds one timestamp per changed key of the window, never an
 * item. The window counts as applied only once every write landed and each data file's line count
 * matched its manifest: a crash re-applies the whole window, which is idempotent (full images and
 * deletes, the newest last).
 *
 * @throws MigrationError `CATCH_UP_WRITE_FAILED` (writes that failed after retries),
 *   `CATCH_UP_COUNT_MISMATCH` (a data file shorter or longer than its manifest says).
 */
export async function applyWindow(ctx: StepContext, window: CatchUpWindow): Promise<void> {
  if (window.status !== 'exported') return;
  const exp = ctx.state.export;
  const exportArn = window.exportArn;
  if (!exp || !exportArn) throw new InternalError('Applying a catch-up window that was never exported');
  const located = await retryAws(ctx, 'locate incremental export files', () =>
    locateIncrementalExport(ctx.clients.targetS3, {
      bucket: exp.bucket,
      prefix: window.prefix,
      exportArn,
      expectedBucketOwner: exp.bucketOwner,
    }),
  );
  const keyNames = keyNamesFromSchema(ctx.facts.source.table.KeySchema ?? []);
  const writer = createBatchWriter(ctx.clients.targetDdb, {
    tableName: ctx.options.targetTableName,
    keyNames,
    concurrency: ctx.options.writeConcurrency,
    logger: ctx.logger,
    ...(ctx.options.maxWcu === undefined ? {} : { wcuBucket: new TokenBucket(ctx.options.maxWcu) }),
    ...(ctx.signal ? { signal: ctx.signal } : {}),
  });
  const newest = new Map<string, number>();
  const counts = new Map<string, number>();
  const totals = { files: 0, puts: 0, deletes: 0, superseded: 0 };
  for (const file of located.files) {
    let lines = 0;
    for await (const record of readIncrementalRecords(ctx.clients.targetS3, exp.bucket, file.key, {
      expectedBucketOwner: exp.bucketOwner,
      ...(ctx.signal ? { signal: ctx.signal } : {}),
    })) {
      lines += 1;
      const key = canonicalKey(record.keys, keyNames);
      const seen = newest.get(key);
      if (seen !== undefined && seen > record.writeTimestampMicros) {
        totals.superseded += 1;
        continue;
      }
      if (seen !== undefined) totals.superseded += 1;
      newest.set(key, record.writeTimestampMicros);
      if (record.newImage) {
        await writer.write({ type: 'put', item: record.newImage });
        totals.puts += 1;
      } else {
        await writer.write({ type: 'delete', key: record.keys });
        totals.deletes += 1;
      }
    }
    counts.set(file.key, lines);
    totals.files += 1;
  }
  const result = await writer.flush();
  if (result.failed.length > 0) {
    const first = result.failed[0];
    throw new MigrationError(
      'CATCH_UP_WRITE_FAILED',
      `${result.failed.length} changes of catch-up window ${window.from} .. ${window.to} could not be written (${first?.code ?? ''} ${first?.error ?? ''})`.trim(),
      {
        hint: 'Check the target table capacity and the target role; run migrate again to apply the window again',
      },
    );
  }
  const check = verifyExportCounts(located.files, counts, located.manifest);
  if (!check.ok) {
    const message = `Catch-up export ${exportArn} holds ${check.read} lines, its manifest ${check.expected ?? '?'} (${check.mismatches.length} files differ, ${check.unread.length} unread)`;
    // Export this window again: what was written from it is overwritten by the good copy, in order.
    window.failure = { code: 'CATCH_UP_COUNT_MISMATCH', message, at: new Date().toISOString() };
    window.status = 'requested';
    await ctx.save();
    throw new MigrationError('CATCH_UP_COUNT_MISMATCH', message, {
      hint: 'The export objects were changed or are incomplete; run migrate again: it exports this window again',
    });
  }
  window.applied = totals;
  window.status = 'applied';
  ctx.logger.info('catch-up window applied', { from: window.from, to: window.to, ...totals });
  await ctx.save();
}
