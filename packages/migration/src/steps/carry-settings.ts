import {
  applyPostCreateSettings,
  toCreateTableInput,
  toImportTableCreationParameters,
} from '@ddb-migrate/core';
import { asDynamoDbClient } from '../migration-clients.js';
import type { StepContext } from '../step-context.js';

/**
 * Applies what the create/import call could not set (TTL, PITR, tags, deletion protection, table
 * class, warm throughput, resource policy, ...) and records the drift: settings that failed or
 * cannot be carried. PITR that migrate itself turned on at the source is not copied.
 */
export async function carrySettingsStep(ctx: StepContext): Promise<void> {
  if (ctx.state.settings?.status === 'done') return;
  const source = ctx.facts.source;
  const opts = { targetTableName: ctx.options.targetTableName, capacity: ctx.options.capacity };
  const mapping =
    ctx.state.loadMode === 'import'
      ? toImportTableCreationParameters(source, opts)
      : toCreateTableInput(source, opts);
  const settings = mapping.postCreate.filter((s) => !(s.kind === 'pitr' && ctx.state.pitr?.enabledByUs));
  ctx.state.settings = { status: 'started', applied: [], failed: [], notCarried: mapping.notCarried };
  await ctx.save();
  const result = await applyPostCreateSettings(
    asDynamoDbClient(ctx.clients.targetDdb),
    ctx.options.targetTableName,
    settings,
    ctx.logger,
  );
  // Right after an import, AWS refuses some settings for a while (PITR:
  // ContinuousBackupsUnavailableException; a table still UPDATING: ResourceInUseException).
  // Those are tried again after a pause instead of being reported as drift.
  for (let round = 1; round <= SETTING_RETRY_ROUNDS; round++) {
    const transient = result.failed.filter((f) => TRANSIENT_SETTING_ERROR.test(f.error));
    if (transient.length === 0) break;
    await ctx.sleep(SETTING_RETRY_DELAY_MS * round);
    const again = await applyPostCreateSettings(
      asDynamoDbClient(ctx.clients.targetDdb),
      ctx.options.targetTableName,
      transient.map((f) => f.setting),
      ctx.logger,
    );
    result.failed = [...result.failed.filter((f) => !transient.includes(f)), ...again.failed];
    result.applied.push(...again.applied);
  }
  ctx.state.settings = {
    status: 'done',
    applied: result.applied.map((s) => s.description),
    failed: result.failed.map((f) => ({ kind: f.setting.kind, error: f.error })),
    notCarried: mapping.notCarried,
  };
  await ctx.save();
}

/** Errors that mean "not yet" for a post-create setting (the message starts with the error name). */
const TRANSIENT_SETTING_ERROR =
  /^(ContinuousBackupsUnavailableException|ResourceInUseException|LimitExceededException|ThrottlingException|InternalServerError)\b/;
const SETTING_RETRY_ROUNDS = 6;
const SETTING_RETRY_DELAY_MS = 10_000;
