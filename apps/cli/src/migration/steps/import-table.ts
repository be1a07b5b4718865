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
  locateExportDataFiles,
  MigrationError,
  toImportTableCreationParameters,
} from '@ddb-migrate/core';
import type { LoadStep } from '../state/migration-state.js';
import type { StepContext } from '../step-context.js';

/**
 * Import mode: ImportTable in the target account from the export's `data/` prefix, with the
 * source's TableCreationParameters (core). Write-ahead with a ClientToken; a re-run waits for the
 * recorded import instead of starting another.
 */
export async function importTableStep(ctx: StepContext): Promise<void> {
  const exp = ctx.state.export;
  if (!exp?.exportArn || exp.status !== 'done')
    throw new MigrationError('STATE_ORDER', 'Import before the export finished');
  if (ctx.state.load?.status === 'done') return;
  let step: LoadStep;
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
    const located = await locateExportDataFiles(ctx.clients.targetS3, {
      bucket: exp.bucket,
      prefix: exp.prefix,
      exportArn: exp.exportArn,
      expectedBucketOwner: exp.bucketOwner,
    });
    step = {
      status: 'started',
      mode: 'import',
      clientToken: randomUUID(),
      dataPrefix: located.dataPrefix,
      totalFiles: located.files.length,
      loadedFiles: [],
      itemsLoaded: 0,
    };
    ctx.state.load = step;
    await ctx.save();
  }
  if (!step.importArn) {
    const source = ctx.facts.source;
    if (!source) throw new MigrationError('SOURCE_UNKNOWN', 'Source table description missing');
    const mapping = toImportTableCreationParameters(source, {
      targetTableName: ctx.options.targetTableName,
      capacity: ctx.options.capacity,
    });
    try {
      const out = await ctx.clients.targetDdb.send(
        new ImportTableCommand({
          ClientToken: step.clientToken,
          S3BucketSource: {
            S3Bucket: exp.bucket,
            S3BucketOwner: exp.bucketOwner,
            S3KeyPrefix: step.dataPrefix,
          },
          InputFormat: 'DYNAMODB_JSON',
          InputCompressionType: 'GZIP',
          TableCreationParameters: mapping.input,
        }),
      );
      step.importArn = out.ImportTableDescription?.ImportArn;
    } catch (err) {
      throw new AwsCallError('ImportTable', err, {
        hint: 'Check the target role (dynamodb:ImportTable, s3:GetObject, s3:ListBucket, logs:*)',
      });
    }
    if (!step.importArn) throw new MigrationError('IMPORT_NO_ARN', 'ImportTable returned no ImportArn');
    ctx.logger.info('import started', { importArn: step.importArn, table: ctx.options.targetTableName });
    await ctx.save();
  }
  const d = await waitForImport(ctx, step.importArn, exp.itemCount);
  await waitTableActive(ctx);
  step.itemsLoaded = Number(d.ImportedItemCount ?? d.ProcessedItemCount ?? 0);
  step.status = 'done';
  await ctx.save();
}

async function waitForImport(
  ctx: StepContext,
  importArn: string,
  total?: number,
): Promise<ImportTableDescription> {
  const progress = ctx.progress('Import', total, 'items');
  for (;;) {
    const out = await ctx.clients.targetDdb.send(new DescribeImportCommand({ ImportArn: importArn }));
    const d = out.ImportTableDescription;
    if (d?.ImportStatus === 'COMPLETED') {
      progress.done(`Import completed: ${Number(d.ImportedItemCount ?? 0).toLocaleString('en-US')} items`);
      return d;
    }
    if (d?.ImportStatus === 'FAILED' || d?.ImportStatus === 'CANCELLED') {
      progress.done('Import failed');
      throw new MigrationError(
        'IMPORT_FAILED',
        `Import ${importArn} ${d.ImportStatus}: ${d.FailureCode ?? ''} ${d.FailureMessage ?? ''}`.trim(),
        {
          hint: 'See the /aws-dynamodb/imports log group; delete the partial target table and the state file, then run again',
        },
      );
    }
    progress.update(Number(d?.ProcessedItemCount ?? 0), d?.ImportStatus);
    await ctx.sleep(ctx.options.pollSeconds * 1000);
  }
}

async function waitTableActive(ctx: StepContext): Promise<void> {
  for (let i = 0; i < 600; i++) {
    const out = await ctx.clients.targetDdb.send(
      new DescribeTableCommand({ TableName: ctx.options.targetTableName }),
    );
    if (out.Table?.TableStatus === 'ACTIVE') return;
    await ctx.sleep(1000);
  }
  throw new MigrationError(
    'TARGET_NOT_ACTIVE',
    `Target table ${ctx.options.targetTableName} did not become ACTIVE`,
  );
}

/** The import of our target table (crash between request and record). Undefined when it cannot tell. */
async function findImport(ctx: StepContext): Promise<string | undefined> {
  const account = ctx.facts.targetAccountId ?? '';
  const arn = `arn:aws:dynamodb:${ctx.options.targetRegion}:${account}:table/${ctx.options.targetTableName}`;
  try {
    const out = await ctx.clients.targetDdb.send(new ListImportsCommand({ TableArn: arn }));
    const live = (out.ImportSummaryList ?? []).find(
      (s) => s.ImportStatus !== 'FAILED' && s.ImportStatus !== 'CANCELLED',
    );
    return live?.ImportArn;
  } catch {
    // ListImports unavailable (some stand-ins): re-sending ImportTable with the same ClientToken
    // returns the same import on AWS.
    return undefined;
  }
}
