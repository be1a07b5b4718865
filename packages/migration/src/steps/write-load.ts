import { CreateTableCommand, DescribeTableCommand, type TableDescription } from '@aws-sdk/client-dynamodb';
import {
  AwsCallError,
  InternalError,
  keyNamesFromSchema,
  MigrationError,
  sdkErrorName,
  toCreateTableInput,
} from '@ddb-migrate/core';
import { loadExportFiles } from '../loader/load-export-files.js';
import { retryAws } from '../aws-retry.js';
import type { StepContext } from '../step-context.js';
import { locateRecordedExport } from './recorded-export.js';

/**
 * Write mode: create the target with the full schema (LSIs included) unless it exists, then
 * write every export data file not yet recorded as loaded. Resumable per file.
 */
export async function writeLoadStep(ctx: StepContext): Promise<void> {
  const exp = ctx.state.export;
  if (!exp?.exportArn || exp.status !== 'done') throw new InternalError('Load before the export finished');
  if (ctx.state.load?.status === 'done') return;
  const source = ctx.facts.source;
  if (!ctx.state.load) {
    ctx.state.load = { status: 'started', mode: 'write', loadedFiles: [], itemsLoaded: 0 };
    await ctx.save();
  }
  const step = ctx.state.load;
  const target = ctx.options.targetTableName;
  const existing = await describeTarget(ctx, target);
  if (!existing) {
    const mapping = toCreateTableInput(source, { targetTableName: target, capacity: ctx.options.capacity });
    try {
      // LimitExceededException: too many tables CREATING/UPDATING (or more than one with
      // secondary indexes) in the account; it clears as they finish.
      await retryAws(
        ctx,
        'CreateTable',
        () => ctx.clients.targetDdb.send(new CreateTableCommand(mapping.input)),
        {
          retryOn: ['LimitExceededException'],
          attempts: 20,
          maxMs: 30_000,
        },
      );
    } catch (err) {
      if ((err as Error).name !== 'ResourceInUseException') throw new AwsCallError('CreateTable', err);
    }
    step.tableCreated = true;
    await ctx.save();
    ctx.logger.info('target table created', { table: target });
  }
  // A table that already exists and is ACTIVE needs no second DescribeTable.
  if (existing?.TableStatus !== 'ACTIVE') await waitActive(ctx, target);
  const located = await locateRecordedExport(ctx, exp);
  step.dataPrefix = located.dataPrefix;
  step.totalFiles = located.files.length;
  const done = new Set(step.loadedFiles.map((f) => f.key));
  const todo = located.files.filter((f) => !done.has(f.key));
  const total = exp.itemCount ?? located.manifest?.itemCount;
  ctx.progress({ phase: 'load', type: 'start', ...(total === undefined ? {} : { expectedItems: total }) });
  let written = step.itemsLoaded;
  const onItems = (n: number) => {
    written += n;
    ctx.progress({
      phase: 'load',
      type: 'update',
      items: written,
      filesLoaded: step.loadedFiles.length,
      files: located.files.length,
    });
  };
  const onFileDone = async (file: { key: string }, items: number) => {
    step.loadedFiles.push({ key: file.key, items });
    step.itemsLoaded = step.loadedFiles.reduce((s, f) => s + f.items, 0);
    await ctx.save();
  };
  const common = {
    bucket: exp.bucket,
    files: todo,
    tableName: target,
    keyNames: keyNamesFromSchema(source.table.KeySchema ?? []),
    concurrency: ctx.options.writeConcurrency,
    ...(ctx.options.maxWcu === undefined ? {} : { maxWcu: ctx.options.maxWcu }),
    ...(ctx.signal ? { signal: ctx.signal } : {}),
    logger: ctx.logger,
    onItems,
    onFileDone,
  };
  const engine = ctx.options.loadEngine;
  const result = engine
    ? await engine.load({ ...common, runId: ctx.state.runId })
    : await loadExportFiles({ ...common, s3: ctx.clients.targetS3, client: ctx.clients.targetDdb });
  // Done only when every data file is recorded as loaded (an engine reports failed files as not done).
  const loaded = new Set(step.loadedFiles.map((f) => f.key));
  const missing = located.files.filter((f) => !loaded.has(f.key));
  if (missing.length > 0) {
    throw new MigrationError(
      'LOAD_WRITE_FAILED',
      `${missing.length} of ${located.files.length} data files are not loaded (${result.failedItems} items failed${engine ? ` on ${engine.name}` : ''})`,
      {
        hint: 'Check the target table capacity and the target role; run migrate again to load the files left',
      },
    );
  }
  ctx.progress({
    phase: 'load',
    type: 'end',
    items: step.itemsLoaded,
    files: located.files.length,
    throttles: result.throttles,
  });
  step.status = 'done';
  await ctx.save();
}

/** The target table's description, or undefined when it does not exist. */
async function describeTarget(ctx: StepContext, name: string): Promise<TableDescription | undefined> {
  try {
    const out = await ctx.clients.targetDdb.send(new DescribeTableCommand({ TableName: name }));
    return out.Table ?? {};
  } catch (err) {
    if ((err as Error).name === 'ResourceNotFoundException') return undefined;
    throw new AwsCallError('DescribeTable', err);
  }
}

async function waitActive(ctx: StepContext, name: string): Promise<void> {
  for (let i = 0; i < 600; i++) {
    try {
      const out = await retryAws(ctx, 'DescribeTable', () =>
        ctx.clients.targetDdb.send(new DescribeTableCommand({ TableName: name })),
      );
      if (out.Table?.TableStatus === 'ACTIVE') return;
    } catch (err) {
      // DescribeTable is eventually consistent: right after CreateTable it may say the table
      // does not exist yet.
      if (sdkErrorName(err) !== 'ResourceNotFoundException') throw new AwsCallError('DescribeTable', err);
    }
    await ctx.sleep(1000);
  }
  throw new MigrationError('TARGET_NOT_ACTIVE', `Target table ${name} did not become ACTIVE`);
}
