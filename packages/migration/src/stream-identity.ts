import type { TableDescription } from '@aws-sdk/client-dynamodb';

/** Why the stream a migration recorded can no longer be relied on. */
export interface StreamIdentityProblem {
  code: 'STREAM_REPLACED' | 'STREAM_DISABLED';
  message: string;
  fix: string;
}

/** What is known about the recorded stream now: the table's description and DescribeStream's status. */
export interface StreamNow {
  table: Pick<TableDescription, 'LatestStreamArn' | 'StreamSpecification'>;
  /** DescribeStream(recorded ARN).StreamStatus, or 'NOT_FOUND'; undefined when not read. */
  recordedStatus?: string;
}

/**
 * Compares the stream ARN a migration recorded with the table's stream now. Disabling a stream and
 * enabling one again gives the table a new stream with a new ARN; the old one takes no more
 * records (DynamoDB Developer Guide, "Change data capture for DynamoDB Streams", Enabling a stream).
 * Undefined when the recorded stream is still the table's latest and ENABLED.
 *
 * @param when - where the check runs, for the message ("before the export", "on resume", ...).
 */
export function streamIdentityProblem(
  recordedArn: string,
  now: StreamNow,
  context: { when: string; table: string; targetTable: string; stateDir: string },
): StreamIdentityProblem | undefined {
  const enabled = now.table.StreamSpecification?.StreamEnabled === true;
  const latest = now.table.LatestStreamArn;
  const fix = `Changes made since then were captured by no stream this migration reads. Start a new migration (delete target table ${context.targetTable} and this migration's state file in ${context.stateDir}, then run migrate again), or keep the target and, once writes to the source have stopped, copy the differences with \`ddb-migrate verify --repair\``;
  const recorded = `the source stream this migration recorded (${recordedArn})`;
  if (latest !== recordedArn) {
    const has = latest ? `${latest}${enabled ? '' : ' (disabled)'}` : 'no stream';
    return {
      code: 'STREAM_REPLACED',
      message: `${capitalize(context.when)}: ${recorded} was replaced; table ${context.table} now has ${has}`,
      fix,
    };
  }
  const status = !enabled ? (now.recordedStatus ?? 'DISABLED') : now.recordedStatus;
  if (!enabled || (status !== undefined && status !== 'ENABLED')) {
    return {
      code: 'STREAM_DISABLED',
      message: `${capitalize(context.when)}: ${recorded} is ${status === 'NOT_FOUND' ? 'gone' : status} (table ${context.table}: StreamEnabled ${enabled})`,
      fix,
    };
  }
  return undefined;
}

function capitalize(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}
