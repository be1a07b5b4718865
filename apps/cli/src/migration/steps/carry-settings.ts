import {
  applyPostCreateSettings,
  MigrationError,
  toCreateTableInput,
  toImportTableCreationParameters,
} from '@ddb-migrate/core';
import type { StepContext } from '../step-context.js';

/**
 * Applies what the create/import call could not set (TTL, PITR, tags, deletion protection, table
 * class, warm throughput, resource policy, ...) and records the drift: settings that failed or
 * cannot be carried. PITR that migrate itself turned on at the source is not copied.
 */
export async function carrySettingsStep(ctx: StepContext): Promise<void> {
  if (ctx.state.settings?.status === 'done') return;
  const source = ctx.facts.source;
  if (!source) throw new MigrationError('SOURCE_UNKNOWN', 'Source table description missing');
  const opts = { targetTableName: ctx.options.targetTableName, capacity: ctx.options.capacity };
  const mapping =
    ctx.state.loadMode === 'import'
      ? toImportTableCreationParameters(source, opts)
      : toCreateTableInput(source, opts);
  const settings = mapping.postCreate.filter((s) => !(s.kind === 'pitr' && ctx.state.pitr?.enabledByUs));
  ctx.state.settings = { status: 'started', applied: [], failed: [], notCarried: mapping.notCarried };
  await ctx.save();
  const result = await applyPostCreateSettings(
    ctx.clients.targetDdb,
    ctx.options.targetTableName,
    settings,
    ctx.logger,
  );
  ctx.state.settings = {
    status: 'done',
    applied: result.applied.map((s) => s.description),
    failed: result.failed.map((f) => ({ kind: f.setting.kind, error: f.error })),
    notCarried: mapping.notCarried,
  };
  await ctx.save();
}
