import { DescribeContinuousBackupsCommand, UpdateContinuousBackupsCommand } from '@aws-sdk/client-dynamodb';
import { AwsCallError } from '@ddb-migrate/core';
import type { StepContext } from '../step-context.js';

/** Turns PITR on at the source when preflight found it off and --enable-pitr was given. */
export async function enablePitrStep(ctx: StepContext): Promise<void> {
  if (ctx.state.pitr?.status === 'done' || ctx.facts.pitrEnabled) return;
  const table = ctx.options.sourceTableName;
  ctx.state.pitr = { status: 'started', enabledByUs: true };
  await ctx.save();
  try {
    await ctx.clients.sourceDdb.send(
      new UpdateContinuousBackupsCommand({
        TableName: table,
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      }),
    );
    for (let i = 0; i < 120; i++) {
      const out = await ctx.clients.sourceDdb.send(
        new DescribeContinuousBackupsCommand({ TableName: table }),
      );
      if (
        out.ContinuousBackupsDescription?.PointInTimeRecoveryDescription?.PointInTimeRecoveryStatus ===
        'ENABLED'
      )
        break;
      await ctx.sleep(1000);
    }
  } catch (err) {
    throw new AwsCallError('UpdateContinuousBackups', err);
  }
  ctx.logger.info('PITR enabled on the source', { table });
  ctx.state.pitr.status = 'done';
  await ctx.save();
}
