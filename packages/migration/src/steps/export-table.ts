import { randomUUID } from 'node:crypto';
import {
  DescribeExportCommand,
  type ExportDescription,
  ExportTableToPointInTimeCommand,
  ListExportsCommand,
} from '@aws-sdk/client-dynamodb';
import { AwsCallError, MigrationError, sdkErrorName } from '@ddb-migrate/core';
import type { ExportStep } from '../state/migration-state.js';
import { retryAws } from '../aws-retry.js';
import type { StepContext } from '../step-context.js';
import { assertRecordedStream } from './recorded-stream.js';

/**
 * Exports the source at T (>= the stream's enable time) into the target account's bucket
 * (S3BucketOwner) under a per-run prefix, with a ClientToken. Write-ahead: the request is
 * recorded before it is sent; a re-run finds the export by ARN, or, if the crash came between
 * request and record, by listing the table's exports for our bucket+prefix, so there is never a
 * second export.
 *
 * The cut-off T is DescribeExport's ExportTime; stand-ins that report none (moto) fall back to the
 * time just before the request, which the CDC margin covers.
 */
export async function exportTableStep(ctx: StepContext): Promise<void> {
  const existing = ctx.state.export;
  if (existing?.status === 'done') return;
  const tableArn = ctx.facts.source.table.TableArn;
  if (!tableArn) throw new MigrationError('SOURCE_ARN_UNKNOWN', 'The source table ARN is unknown');
  let step: ExportStep;
  if (existing?.failure) {
    // The recorded export FAILED (nothing loaded from it): start a new one with a new token; the
    // old token would return the failed export again for 8 h.
    ctx.logger.warn('the recorded export failed; starting a new export', {
      exportArn: existing.exportArn ?? '',
      failure: existing.failure.code,
    });
    step = {
      status: 'started',
      clientToken: randomUUID(),
      bucket: ctx.facts.bucket,
      bucketOwner: ctx.facts.targetAccountId,
      prefix: existing.prefix,
      requestedAt: new Date().toISOString(),
      failedExportArns: [
        ...(existing.failedExportArns ?? []),
        ...(existing.exportArn ? [existing.exportArn] : []),
      ],
    };
    ctx.state.export = step;
    await ctx.save();
  } else if (existing) {
    step = existing;
    if (!step.exportArn) {
      const found = await findExport(ctx, tableArn, step);
      if (found) {
        step.exportArn = found;
        await ctx.save();
      }
    }
    if (step.exportArn) ctx.logger.info('resuming the recorded export', { exportArn: step.exportArn });
  } else {
    await waitForStreamToSettle(ctx);
    step = {
      status: 'started',
      clientToken: randomUUID(),
      bucket: ctx.facts.bucket,
      bucketOwner: ctx.facts.targetAccountId,
      prefix: `${ctx.options.s3Prefix}/${ctx.options.sourceTableName}/${ctx.state.runId}`,
      requestedAt: new Date().toISOString(),
    };
    ctx.state.export = step;
    await ctx.save();
  }
  if (!step.exportArn) {
    // The export's cut-off is only safe if the recorded stream has taken every change since it
    // started; a stream disabled or replaced meanwhile has not.
    await assertRecordedStream(ctx, 'before the export');
    const request = step;
    try {
      // Same ClientToken on every attempt: a retried request returns the same export.
      const out = await retryAws(
        ctx,
        'ExportTableToPointInTime',
        () =>
          ctx.clients.sourceDdb.send(
            new ExportTableToPointInTimeCommand({
              TableArn: tableArn,
              S3Bucket: request.bucket,
              S3BucketOwner: request.bucketOwner,
              S3Prefix: request.prefix,
              ExportFormat: 'DYNAMODB_JSON',
              ClientToken: request.clientToken,
            }),
          ),
        { retryOn: ['LimitExceededException'], attempts: 10, maxMs: 60_000 },
      );
      step.exportArn = out.ExportDescription?.ExportArn;
    } catch (err) {
      throw new AwsCallError('ExportTableToPointInTime', err, { hint: exportRequestHint(err) });
    }
    if (!step.exportArn)
      throw new MigrationError('EXPORT_NO_ARN', 'ExportTableToPointInTime returned no ExportArn');
    ctx.logger.info('export started', {
      exportArn: step.exportArn,
      bucket: step.bucket,
      prefix: step.prefix,
    });
    await ctx.save();
  }
  const description = await waitForExport(ctx, step);
  step.exportTime = (description.ExportTime ?? new Date(step.requestedAt)).toISOString();
  step.exportTimeSource = description.ExportTime ? 'service' : 'requested';
  if (description.ItemCount !== undefined) step.itemCount = Number(description.ItemCount);
  step.status = 'done';
  await ctx.save();
}

async function waitForExport(ctx: StepContext, step: ExportStep): Promise<ExportDescription> {
  const exportArn = step.exportArn ?? '';
  ctx.progress({ phase: 'export', type: 'start' });
  const started = Date.now();
  const seconds = () => Math.round((Date.now() - started) / 1000);
  for (;;) {
    // A throttled or failed poll is not a failed export: retried with backoff.
    const out = await retryAws(ctx, 'DescribeExport', () =>
      ctx.clients.sourceDdb.send(new DescribeExportCommand({ ExportArn: exportArn })),
    );
    const d = out.ExportDescription;
    const status = d?.ExportStatus;
    if (d && status === 'COMPLETED') {
      ctx.progress({ phase: 'export', type: 'end', outcome: 'completed', elapsedSeconds: seconds() });
      return d;
    }
    if (status === 'FAILED') {
      ctx.progress({ phase: 'export', type: 'end', outcome: 'failed', elapsedSeconds: seconds() });
      const message = `Export ${exportArn} failed: ${d?.FailureCode ?? 'no FailureCode'}${d?.FailureMessage ? ` (${d.FailureMessage})` : ''}`;
      step.failure = { code: d?.FailureCode ?? 'EXPORT_FAILED', message, at: new Date().toISOString() };
      await ctx.save();
      throw new MigrationError('EXPORT_FAILED', message, { hint: exportFailureRemedy(d?.FailureCode) });
    }
    ctx.progress({
      phase: 'export',
      type: 'update',
      elapsedSeconds: seconds(),
      exportStatus: status ?? 'IN_PROGRESS',
    });
    await ctx.sleep(ctx.options.pollSeconds * 1000);
  }
}

/** An export of this table into our bucket+prefix (recovery after a crash before the ARN was saved). */
async function findExport(ctx: StepContext, tableArn: string, step: ExportStep): Promise<string | undefined> {
  let token: string | undefined;
  do {
    const next = token;
    const page = await retryAws(ctx, 'ListExports', () =>
      ctx.clients.sourceDdb.send(new ListExportsCommand({ TableArn: tableArn, NextToken: next })),
    );
    for (const summary of page.ExportSummaries ?? []) {
      const exportArn = summary.ExportArn;
      if (!exportArn) continue;
      const d = await retryAws(ctx, 'DescribeExport', () =>
        ctx.clients.sourceDdb.send(new DescribeExportCommand({ ExportArn: exportArn })),
      );
      const e = d.ExportDescription;
      if (e?.S3Bucket === step.bucket && e.S3Prefix === step.prefix && e.ExportStatus !== 'FAILED')
        return summary.ExportArn;
    }
    token = page.NextToken;
  } while (token);
  return undefined;
}

/**
 * Waits until the stream has run for `streamSettleSeconds` before the export's point in time is
 * taken. An export is accurate to +-1 min: changes up to a minute before T may be missing from it,
 * so they must be in the stream, which only holds changes made after it started.
 */
async function waitForStreamToSettle(ctx: StepContext): Promise<void> {
  const enabledAt = Date.parse(ctx.state.stream?.enabledAt ?? '');
  if (!Number.isFinite(enabledAt)) return;
  const settleMs = ctx.options.streamSettleSeconds * 1000;
  if (settleMs < 60_000) {
    ctx.logger.warn('stream settle time is below the export accuracy of 60 s', {
      streamSettleSeconds: ctx.options.streamSettleSeconds,
    });
  }
  const readyAt = enabledAt + Math.max(settleMs, 1000);
  const waitMs = readyAt - Date.now();
  if (waitMs <= 0) return;
  const seconds = Math.ceil(waitMs / 1000);
  ctx.logger.debug('waiting for the new stream to cover the export accuracy window', { seconds });
  // The 1 s floor (a stream "enabled" this very second) is not worth a countdown.
  const shown = settleMs >= 1000;
  if (shown) ctx.progress({ phase: 'settle', type: 'start', seconds });
  while (Date.now() < readyAt) {
    await ctx.sleep(Math.min(1000, readyAt - Date.now()));
    const remainingSeconds = Math.max(0, Math.ceil((readyAt - Date.now()) / 1000));
    if (shown && remainingSeconds > 0)
      ctx.progress({ phase: 'settle', type: 'update', remainingSeconds, seconds });
  }
  if (shown) ctx.progress({ phase: 'settle', type: 'end', seconds });
}

/** What to do about a FAILED export, by its FailureCode (free text on AWS, e.g. S3NoSuchBucket). */
export function exportFailureRemedy(code: string | undefined): string {
  const rerun = 'then run migrate again: it starts a new export (nothing was loaded from this one)';
  if (code && /NoSuchBucket/i.test(code))
    return `The bucket does not exist or is not in the account given as S3BucketOwner; create it in the target account or fix --target-s3-bucket-name, ${rerun}`;
  if (code && /AccessDenied|Forbidden|Permission/i.test(code))
    return `Allow the source principal s3:PutObject, s3:PutObjectAcl and s3:AbortMultipartUpload on the bucket (bucket policy in the target account), ${rerun}`;
  if (code && /KMS/i.test(code))
    return `Let the source principal use the bucket's KMS key (key policy, same Region as the bucket), ${rerun}`;
  return `Fix the cause named by the FailureCode/FailureMessage, ${rerun}`;
}

/** Hint for an ExportTableToPointInTime request that was refused. */
function exportRequestHint(err: unknown): string {
  switch (sdkErrorName(err)) {
    case 'PointInTimeRecoveryUnavailableException':
      return 'Turn on PITR on the source (or pass --enable-pitr) and run migrate again';
    case 'ExportConflictException':
      return 'Another export with this ClientToken or into this bucket prefix conflicts; run migrate again, it finds the recorded export';
    case 'LimitExceededException':
      return 'Too many exports in flight in the source account (300 / 100 TB); wait for some to finish and run migrate again';
    case 'InvalidExportTimeException':
      return 'The export time is outside the PITR window; run migrate again';
    default:
      return 'Check PITR on the source, the bucket policy (s3:PutObject for the source principal) and --target-s3-bucket-name';
  }
}
