import { randomUUID } from 'node:crypto';
import {
  DescribeImportCommand,
  DescribeTableCommand,
  type ImportTableDescription,
  ImportTableCommand,
  ListImportsCommand,
} from '@aws-sdk/client-dynamodb';
import {
  AwsCallError,
  InternalError,
  type LocatedExport,
  MigrationError,
  sdkErrorName,
  toImportTableCreationParameters,
} from '@ddb-migrate/core';
import type { ImportCounts, LoadStep } from '../state/migration-state.js';
import { retryAws } from '../aws-retry.js';
import type { StepContext } from '../step-context.js';
import {
  describeImportCounts,
  expectedExportItemCount,
  IMPORT_REMEDY,
  importCounts,
} from './import-completeness.js';
import { locateRecordedExport } from './recorded-export.js';

/**
 * Import mode: ImportTable in the target account from the export's `data/` prefix, with the
 * source's TableCreationParameters (core). Write-ahead with a ClientToken; a re-run waits for the
 * recorded import instead of starting another.
 */
export async function importTableStep(ctx: StepContext): Promise<void> {
  const exp = ctx.state.export;
  if (!exp?.exportArn || exp.status !== 'done') throw new InternalError('Import before the export finished');
  if (ctx.state.load?.status === 'done') return;
  let step: LoadStep;
  // Kept for the completeness check, so a fresh run reads the export's manifest once.
  let located: LocatedExport | undefined;
  if (ctx.state.load) {
    step = ctx.state.load;
    if (!step.importArn) {
      const found = await findImport(ctx);
      if (found) {
        step.importArn = found;
        await ctx.save();
      }
    }
  } else {
    located = await locateRecordedExport(ctx, exp);
    step = {
      status: 'started',
      mode: 'import',
      clientToken: randomUUID(),
      requestedAt: new Date().toISOString(),
      dataPrefix: located.dataPrefix,
      totalFiles: located.files.length,
      loadedFiles: [],
      itemsLoaded: 0,
    };
    ctx.state.load = step;
    await ctx.save();
  }
  if (!step.importArn && ctx.state.load === step && step.requestedAt) await guardExpiredToken(ctx, step);
  if (!step.importArn) {
    const source = ctx.facts.source;
    const mapping = toImportTableCreationParameters(source, {
      targetTableName: ctx.options.targetTableName,
      capacity: ctx.options.capacity,
    });
    const request = step;
    try {
      // Same ClientToken on every attempt: a retried request returns the same import (8 h).
      const out = await retryAws(ctx, 'ImportTable', () =>
        ctx.clients.targetDdb.send(
          new ImportTableCommand({
            ClientToken: request.clientToken,
            S3BucketSource: {
              S3Bucket: exp.bucket,
              S3BucketOwner: exp.bucketOwner,
              S3KeyPrefix: request.dataPrefix,
            },
            InputFormat: 'DYNAMODB_JSON',
            InputCompressionType: 'GZIP',
            TableCreationParameters: mapping.input,
          }),
        ),
      );
      step.importArn = out.ImportTableDescription?.ImportArn;
    } catch (err) {
      throw new AwsCallError('ImportTable', err, { hint: importRequestHint(ctx, err) });
    }
    if (!step.importArn) throw new MigrationError('IMPORT_NO_ARN', 'ImportTable returned no ImportArn');
    ctx.logger.info('import started', { importArn: step.importArn, table: ctx.options.targetTableName });
    await ctx.save();
  }
  const d = await waitForImport(ctx, step, exp.itemCount);
  await waitTableActive(ctx);
  const counts = step.importCounts ?? importCounts(await expectedCount(ctx, located), d);
  step.importCounts = counts;
  step.itemsLoaded = counts.importedItems ?? 0;
  if (!counts.complete) await failIncomplete(ctx, step, counts);
  step.status = 'done';
  await ctx.save();
}

/**
 * The export's item count (DescribeExport, manifest, else the data files' lines). `known` is the
 * export as this run already located it (the export is immutable once done).
 */
async function expectedCount(ctx: StepContext, known: LocatedExport | undefined) {
  const exp = ctx.state.export;
  if (!exp?.exportArn) throw new InternalError('Import before the export finished');
  if (exp.itemCount !== undefined) return { items: exp.itemCount, source: 'export' as const };
  const located = known ?? (await locateRecordedExport(ctx, exp));
  return expectedExportItemCount({
    ...(located.manifest ? { manifest: located.manifest } : {}),
    files: located.files,
    s3: ctx.clients.targetS3,
    bucket: exp.bucket,
    ...(ctx.signal ? { signal: ctx.signal } : {}),
  });
}

/** Records the counts and the failure (so --load-mode write may replace the load), then stops. */
async function failIncomplete(ctx: StepContext, step: LoadStep, counts: ImportCounts): Promise<never> {
  const message = `Import ${step.importArn ?? ''} is incomplete: ${describeImportCounts(counts)}`;
  step.failure = { code: 'IMPORT_INCOMPLETE', message, at: new Date().toISOString() };
  await ctx.save();
  ctx.logger.error('import incomplete', {
    importArn: step.importArn ?? '',
    expected: counts.expectedItems,
    imported: counts.importedItems ?? -1,
    errors: counts.errorCount,
  });
  throw new MigrationError('IMPORT_INCOMPLETE', message, { hint: IMPORT_REMEDY });
}

async function waitForImport(
  ctx: StepContext,
  step: LoadStep,
  total?: number,
): Promise<ImportTableDescription> {
  const importArn = step.importArn ?? '';
  ctx.progress({ phase: 'import', type: 'start', ...(total === undefined ? {} : { expectedItems: total }) });
  for (;;) {
    // A throttled or failed poll is not a failed import: retried with backoff.
    const out = await retryAws(ctx, 'DescribeImport', () =>
      ctx.clients.targetDdb.send(new DescribeImportCommand({ ImportArn: importArn })),
    );
    const d = out.ImportTableDescription;
    if (d?.ImportStatus === 'COMPLETED') {
      // Counts are checked against the export by the caller; "completed" alone proves nothing.
      ctx.progress({
        phase: 'import',
        type: 'end',
        outcome: 'completed',
        importedItems: Number(d.ImportedItemCount ?? 0),
        errorCount: Number(d.ErrorCount ?? 0),
      });
      return d;
    }
    if (d?.ImportStatus === 'FAILED' || d?.ImportStatus === 'CANCELLED') {
      ctx.progress({ phase: 'import', type: 'end', outcome: 'failed' });
      const message =
        `Import ${importArn} ${d.ImportStatus}: ${d.FailureCode ?? ''} ${d.FailureMessage ?? ''}`.trim() +
        ` (ImportedItemCount ${Number(d.ImportedItemCount ?? 0)}, ErrorCount ${Number(d.ErrorCount ?? 0)})`;
      step.failure = { code: 'IMPORT_FAILED', message, at: new Date().toISOString() };
      await ctx.save();
      throw new MigrationError('IMPORT_FAILED', message, { hint: IMPORT_REMEDY });
    }
    ctx.progress({
      phase: 'import',
      type: 'update',
      processedItems: Number(d?.ProcessedItemCount ?? 0),
      ...(d?.ImportStatus ? { importStatus: d.ImportStatus } : {}),
    });
    await ctx.sleep(ctx.options.pollSeconds * 1000);
  }
}

async function waitTableActive(ctx: StepContext): Promise<void> {
  for (let i = 0; i < 600; i++) {
    const out = await retryAws(ctx, 'DescribeTable', () =>
      ctx.clients.targetDdb.send(new DescribeTableCommand({ TableName: ctx.options.targetTableName })),
    );
    if (out.Table?.TableStatus === 'ACTIVE') return;
    await ctx.sleep(1000);
  }
  throw new MigrationError(
    'TARGET_NOT_ACTIVE',
    `Target table ${ctx.options.targetTableName} did not become ACTIVE`,
  );
}

/**
 * The import of our target table from our export's data prefix (crash between request and
 * record). Imports of other runs into a table of the same name are ignored. Undefined when it
 * cannot tell.
 */
async function findImport(ctx: StepContext): Promise<string | undefined> {
  const account = ctx.facts.targetAccountId;
  const arn =
    ctx.facts.targetTable?.TableArn ??
    `arn:${recordedPartition(ctx)}:dynamodb:${ctx.options.targetRegion}:${account}:table/${ctx.options.targetTableName}`;
  const step = ctx.state.load;
  const bucket = ctx.state.export?.bucket;
  try {
    let token: string | undefined;
    do {
      const out = await retryAws(ctx, 'ListImports', () =>
        ctx.clients.targetDdb.send(new ListImportsCommand({ TableArn: arn, NextToken: token })),
      );
      const ours = (out.ImportSummaryList ?? []).find(
        (s) =>
          s.ImportStatus !== 'FAILED' &&
          s.ImportStatus !== 'CANCELLED' &&
          (s.S3BucketSource === undefined ||
            ((bucket === undefined || s.S3BucketSource.S3Bucket === bucket) &&
              (step?.dataPrefix === undefined || s.S3BucketSource.S3KeyPrefix === step.dataPrefix))),
      );
      if (ours?.ImportArn) return ours.ImportArn;
      token = out.NextToken;
    } while (token);
    return undefined;
  } catch {
    // ListImports unavailable (some stand-ins): re-sending ImportTable with the same ClientToken
    // returns the same import on AWS (within 8 h; guardExpiredToken covers later).
    return undefined;
  }
}

/**
 * The partition (aws, aws-cn, aws-us-gov, ...) of this migration's ARNs. The export went into a
 * bucket of the target account, so source and target share it.
 */
function recordedPartition(ctx: StepContext): string {
  const arns = [ctx.state.export?.exportArn, ctx.state.stream?.streamArn, ctx.facts.source.table.TableArn];
  for (const arn of arns) {
    const partition = arn?.startsWith('arn:') ? arn.split(':')[1] : undefined;
    if (partition) return partition;
  }
  return 'aws';
}

/** ImportTable's ClientToken is idempotent for 8 h; allow a margin for clock skew. */
export const IMPORT_TOKEN_WINDOW_MS = 8 * 3600_000 - 10 * 60_000;

/**
 * Before re-sending a recorded ImportTable whose ARN was never saved: past the 8 h token window
 * the request counts as new, so if the target table exists (most likely created by that first
 * request) sending again cannot return the first import. Stop and say how to find it.
 */
async function guardExpiredToken(ctx: StepContext, step: LoadStep): Promise<void> {
  const sent = Date.parse(step.requestedAt ?? '');
  if (!Number.isFinite(sent) || Date.now() - sent < IMPORT_TOKEN_WINDOW_MS) return;
  let exists = true;
  try {
    await retryAws(ctx, 'DescribeTable', () =>
      ctx.clients.targetDdb.send(new DescribeTableCommand({ TableName: ctx.options.targetTableName })),
    );
  } catch (err) {
    if (sdkErrorName(err) !== 'ResourceNotFoundException') throw new AwsCallError('DescribeTable', err);
    exists = false;
  }
  if (!exists) {
    // No table, so no import of it is running: a new request (new token) is safe.
    step.clientToken = randomUUID();
    step.requestedAt = new Date().toISOString();
    await ctx.save();
    return;
  }
  throw new MigrationError(
    'IMPORT_TOKEN_EXPIRED',
    `The ImportTable request recorded at ${step.requestedAt} has no recorded ImportArn, its ClientToken expired after 8 h, and target table ${ctx.options.targetTableName} exists`,
    {
      hint: `Find the import with \`aws dynamodb list-imports --table-arn <target table ARN>\` (target account) and check it; if the table holds an incomplete import, delete the table and run migrate again`,
    },
  );
}

/** Hint for an ImportTable request that was refused. */
function importRequestHint(ctx: StepContext, err: unknown): string {
  const table = ctx.options.targetTableName;
  switch (sdkErrorName(err)) {
    case 'ResourceInUseException':
      return `Target table ${table} already exists (ImportTable only creates new tables): if an earlier import of this run created it, find it with \`aws dynamodb list-imports\`; otherwise delete the table or use --load-mode write, then run migrate again`;
    case 'LimitExceededException':
      return 'The target account runs 50 imports already (the quota); wait for some to finish and run migrate again: it resumes with the same request';
    case 'ImportConflictException':
      return 'An import with this ClientToken but other parameters exists (the flags changed since the first attempt?); run migrate again with the original flags';
    default:
      return 'Check the target role (dynamodb:ImportTable, dynamodb:DescribeImport, s3:GetObject, s3:ListBucket, logs:* on /aws-dynamodb/*)';
  }
}
