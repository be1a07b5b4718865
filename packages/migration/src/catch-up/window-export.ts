import { randomUUID } from 'node:crypto';
import {
  DescribeExportCommand,
  ExportTableToPointInTimeCommand,
  ListExportsCommand,
} from '@aws-sdk/client-dynamodb';
import { AwsCallError, InternalError, MigrationError } from '@ddb-migrate/core';
import { retryAws } from '../aws-retry.js';
import type { CatchUpWindow } from '../state/migration-state.js';
import type { StepContext } from '../step-context.js';
import { exportFailureRemedy } from '../steps/export-table.js';

/** A ClientToken is idempotent for 8 h after its first request; past that (less an hour of slack) look the export up instead. */
const CLIENT_TOKEN_TRUST_MS = 7 * 3_600_000;

/**
 * Records a new window of the catch-up (write-ahead: its ClientToken and prefix are saved before
 * any request is sent). The window's export goes to its own prefix under the full export's.
 */
export async function recordWindow(
  ctx: StepContext,
  span: { from: number; to: number },
): Promise<CatchUpWindow> {
  const exp = ctx.state.export;
  const step = ctx.state.catchUp;
  if (!exp || !step)
    throw new InternalError('Catch-up window before the export or the catch-up was recorded');
  const window: CatchUpWindow = {
    status: 'requested',
    from: new Date(span.from).toISOString(),
    to: new Date(span.to).toISOString(),
    clientToken: randomUUID(),
    prefix: `${exp.prefix}/catch-up/${step.windows.length}`,
    requestedAt: new Date().toISOString(),
  };
  step.windows.push(window);
  delete step.cdcExportTime;
  step.status = 'started';
  await ctx.save();
  ctx.logger.info('catch-up window recorded', { from: window.from, to: window.to, prefix: window.prefix });
  return window;
}

/**
 * Sends the window's incremental export unless its ARN is recorded: ExportTableToPointInTime with
 * ExportType INCREMENTAL_EXPORT and IncrementalExportSpecification {ExportFromTime, ExportToTime,
 * ExportViewType NEW_AND_OLD_IMAGES} (DynamoDB API reference, ExportTableToPointInTime and
 * IncrementalExportSpecification: https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_ExportTableToPointInTime.html).
 * The recorded ClientToken makes a repeated request return the same export, so a crash between
 * the request and the saved ARN never starts a second export of the window; once the token may
 * have expired (8 h), the export is looked up by its prefix first. A FAILED window is requested
 * again with a new token.
 */
export async function requestWindowExport(ctx: StepContext, window: CatchUpWindow): Promise<void> {
  if (window.failure) {
    window.failedExportArns = [
      ...(window.failedExportArns ?? []),
      ...(window.exportArn ? [window.exportArn] : []),
    ];
    delete window.exportArn;
    delete window.failure;
    window.clientToken = randomUUID();
    window.requestedAt = new Date().toISOString();
    window.status = 'requested';
    await ctx.save();
  }
  if (window.exportArn) return;
  const exp = ctx.state.export;
  const tableArn = ctx.facts.source.table.TableArn;
  if (!exp || !tableArn) throw new MigrationError('SOURCE_ARN_UNKNOWN', 'The source table ARN is unknown');
  if (Date.now() - Date.parse(window.requestedAt) > CLIENT_TOKEN_TRUST_MS) {
    const found = await findWindowExport(ctx, tableArn, exp.bucket, window);
    if (found) {
      window.exportArn = found;
      await ctx.save();
      return;
    }
  }
  try {
    const out = await retryAws(
      ctx,
      'ExportTableToPointInTime',
      () =>
        ctx.clients.sourceDdb.send(
          new ExportTableToPointInTimeCommand({
            TableArn: tableArn,
            S3Bucket: exp.bucket,
            S3BucketOwner: exp.bucketOwner,
            S3Prefix: window.prefix,
            ExportFormat: 'DYNAMODB_JSON',
            ExportType: 'INCREMENTAL_EXPORT',
            IncrementalExportSpecification: {
              ExportFromTime: new Date(window.from),
              ExportToTime: new Date(window.to),
              ExportViewType: 'NEW_AND_OLD_IMAGES',
            },
            ClientToken: window.clientToken,
          }),
        ),
      { retryOn: ['LimitExceededException'], attempts: 10, maxMs: 60_000 },
    );
    window.exportArn = out.ExportDescription?.ExportArn;
  } catch (err) {
    throw new AwsCallError('ExportTableToPointInTime (incremental)', err, {
      hint: 'Check PITR on the source (the window must lie inside its recovery period) and the bucket policy; run migrate again: it sends the same request',
    });
  }
  if (!window.exportArn)
    throw new MigrationError('EXPORT_NO_ARN', 'ExportTableToPointInTime returned no ExportArn');
  ctx.logger.info('catch-up export started', {
    exportArn: window.exportArn,
    from: window.from,
    to: window.to,
  });
  await ctx.save();
}

/** Polls DescribeExport until the window's export is COMPLETED (recorded as `exported`) or FAILED (thrown). */
export async function awaitWindowExport(ctx: StepContext, window: CatchUpWindow): Promise<void> {
  if (window.status !== 'requested') return;
  const exportArn = window.exportArn;
  if (!exportArn) throw new InternalError('Waiting for a catch-up export that was never requested');
  for (;;) {
    const out = await retryAws(ctx, 'DescribeExport', () =>
      ctx.clients.sourceDdb.send(new DescribeExportCommand({ ExportArn: exportArn })),
    );
    const d = out.ExportDescription;
    if (d?.ExportStatus === 'COMPLETED') {
      window.status = 'exported';
      if (d.ItemCount !== undefined) window.itemCount = Number(d.ItemCount);
      if (d.BilledSizeBytes !== undefined) window.billedSizeBytes = Number(d.BilledSizeBytes);
      await ctx.save();
      return;
    }
    if (d?.ExportStatus === 'FAILED') {
      const message = `Catch-up export ${exportArn} (${window.from} .. ${window.to}) failed: ${d.FailureCode ?? 'no FailureCode'}${d.FailureMessage ? ` (${d.FailureMessage})` : ''}`;
      window.failure = { code: d.FailureCode ?? 'EXPORT_FAILED', message, at: new Date().toISOString() };
      await ctx.save();
      throw new MigrationError('CATCH_UP_EXPORT_FAILED', message, {
        hint: exportFailureRemedy(d.FailureCode).replace(
          'it starts a new export',
          'it requests this window again',
        ),
      });
    }
    await ctx.sleep(ctx.options.pollSeconds * 1000);
  }
}

/** The window's export, found by its bucket and prefix (after a crash, once the ClientToken may have expired). */
async function findWindowExport(
  ctx: StepContext,
  tableArn: string,
  bucket: string,
  window: CatchUpWindow,
): Promise<string | undefined> {
  let token: string | undefined;
  do {
    const next = token;
    const page = await retryAws(ctx, 'ListExports', () =>
      ctx.clients.sourceDdb.send(new ListExportsCommand({ TableArn: tableArn, NextToken: next })),
    );
    for (const summary of page.ExportSummaries ?? []) {
      const arn = summary.ExportArn;
      if (!arn || summary.ExportType === 'FULL_EXPORT' || window.failedExportArns?.includes(arn)) continue;
      const d = await retryAws(ctx, 'DescribeExport', () =>
        ctx.clients.sourceDdb.send(new DescribeExportCommand({ ExportArn: arn })),
      );
      const e = d.ExportDescription;
      if (e?.S3Bucket === bucket && e.S3Prefix === window.prefix && e.ExportStatus !== 'FAILED') return arn;
    }
    token = page.NextToken;
  } while (token);
  return undefined;
}
