import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import { DescribeStreamCommand } from '@aws-sdk/client-dynamodb-streams';
import { AwsCallError, InternalError, MigrationError, sdkErrorName } from '@ddb-migrate/core';
import { retryAws } from '../aws-retry.js';
import type { StepContext } from '../step-context.js';
import { streamIdentityProblem } from '../stream-identity.js';

/**
 * Stops (exit 3: state exists) unless the stream recorded in the state is still the source
 * table's latest stream and ENABLED. Runs before the export is requested and before CDC starts:
 * infrastructure code may disable or replace the stream during an hours-long load.
 */
export async function assertRecordedStream(ctx: StepContext, when: string): Promise<void> {
  const recorded = ctx.state.stream?.streamArn;
  if (!recorded) throw new InternalError(`${when}: no stream recorded`);
  try {
    const table = await retryAws(ctx, 'DescribeTable', () =>
      ctx.clients.sourceDdb.send(new DescribeTableCommand({ TableName: ctx.options.sourceTableName })),
    );
    const now = { table: table.Table ?? {} };
    let problem = streamIdentityProblem(recorded, now, context(ctx, when));
    if (!problem) {
      const recordedStatus = await describeStreamStatus(ctx, recorded);
      problem = streamIdentityProblem(recorded, { ...now, recordedStatus }, context(ctx, when));
    }
    if (problem) throw new MigrationError(problem.code, problem.message, { hint: problem.fix });
  } catch (err) {
    if (err instanceof MigrationError) throw err;
    throw new AwsCallError('DescribeTable/DescribeStream (recorded stream)', err, {
      hint: 'Allow dynamodb:DescribeTable and dynamodb:DescribeStream on the source table and run migrate again',
    });
  }
  ctx.logger.debug('recorded stream checked', { when, streamArn: recorded });
}

async function describeStreamStatus(ctx: StepContext, arn: string): Promise<string> {
  try {
    const out = await retryAws(ctx, 'DescribeStream', () =>
      ctx.clients.sourceStreams.send(new DescribeStreamCommand({ StreamArn: arn, Limit: 1 })),
    );
    return out.StreamDescription?.StreamStatus ?? 'ENABLED';
  } catch (err) {
    if (sdkErrorName(err) === 'ResourceNotFoundException') return 'NOT_FOUND';
    throw err;
  }
}

function context(ctx: StepContext, when: string) {
  return {
    when,
    table: ctx.options.sourceTableName,
    targetTable: ctx.options.targetTableName,
    stateDir: ctx.options.stateDir,
  };
}
