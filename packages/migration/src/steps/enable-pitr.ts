import { DescribeContinuousBackupsCommand, UpdateContinuousBackupsCommand } from '@aws-sdk/client-dynamodb';
import { AwsCallError, MigrationError } from '@ddb-migrate/core';
import { retryAws } from '../aws-retry.js';
import type { StepContext } from '../step-context.js';

/** Turns PITR on at the source when preflight found it off and --enable-pitr was given. */
export async function enablePitrStep(ctx: StepContext): Promise<void> {
  if (ctx.state.pitr?.status === 'done' || ctx.facts.pitrEnabled) return;
  const table = ctx.options.sourceTableName;
  ctx.state.pitr = { status: 'started', enabledByUs: true };
  await ctx.save();
  try {
    // ContinuousBackupsUnavailableException: backups are still being set up on a new table.
    await retryAws(
      ctx,
      'UpdateContinuousBackups',
      () =>
        ctx.clients.sourceDdb.send(
          new UpdateContinuousBackupsCommand({
            TableName: table,
            PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
          }),
        ),
      { retryOn: ['ContinuousBackupsUnavailableException'], attempts: 30, maxMs: 30_000 },
    );
    let enabled = false;
    for (let i = 0; i < 120 && !enabled; i++) {
      if (i > 0) await ctx.sleep(1000);
      const out = await retryAws(ctx, 'DescribeContinuousBackups', () =>
        ctx.clients.sourceDdb.send(new DescribeContinuousBackupsCommand({ TableName: table })),
      );
      enabled =
        out.ContinuousBackupsDescription?.PointInTimeRecoveryDescription?.PointInTimeRecoveryStatus ===
        'ENABLED';
    }
    if (!enabled) {
      // The export would fail with PointInTimeRecoveryUnavailableException.
      throw new MigrationError('PITR_NOT_ENABLED', `PITR on ${table} did not become ENABLED`, {
        hint: 'Check it with `aws dynamodb describe-continuous-backups` and run migrate again',
      });
    }
  } catch (err) {
    if (err instanceof MigrationError) throw err;
    throw new AwsCallError('UpdateContinuousBackups', err);
  }
  ctx.logger.info('PITR enabled on the source', { table });
  ctx.state.pitr.status = 'done';
  await ctx.save();
}
