import { type AttributeValue, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { DescribeStreamCommand } from '@aws-sdk/client-dynamodb-streams';
import { describeSdkError, describeSourceTable, isMigrationError, sdkErrorName } from '@ddb-migrate/core';
import { asDynamoDbClient } from '../migration-clients.js';
import { streamIdentityProblem } from '../stream-identity.js';
import {
  error,
  type Finding,
  info,
  isAccessDenied,
  type PreflightCheck,
  type PreflightContext,
  warning,
} from './preflight-types.js';

/** The source table exists, is ACTIVE, and everything about it can be read. */
export const checkSourceTable: PreflightCheck = async ({ options, clients, facts }) => {
  try {
    facts.source = await describeSourceTable(asDynamoDbClient(clients.sourceDdb), options.sourceTableName);
  } catch (err) {
    if (isMigrationError(err) && err.code === 'SOURCE_TABLE_NOT_FOUND') {
      return [
        error(
          'SOURCE_TABLE_NOT_FOUND',
          `Source table ${options.sourceTableName} does not exist in ${options.sourceRegion} (account ${facts.sourceAccountId ?? '?'})`,
          'Check --source-table-name, --source-region and the source credentials',
        ),
      ];
    }
    if (isAccessDenied(err) || isAccessDenied((err as { cause?: unknown }).cause)) {
      return [
        error(
          'SOURCE_READ_DENIED',
          `Not allowed to describe source table ${options.sourceTableName}`,
          'Grant dynamodb:DescribeTable, DescribeContinuousBackups, DescribeTimeToLive and ListTagsOfResource on it',
        ),
      ];
    }
    throw err;
  }
  const table = facts.source.table;
  const findings = (facts.source.warnings ?? []).map((w) => warning('SOURCE_INFO', w));
  if (table.TableStatus && table.TableStatus !== 'ACTIVE') {
    findings.push(
      error(
        'SOURCE_NOT_ACTIVE',
        `Source table is ${table.TableStatus}`,
        'Wait until the table is ACTIVE and run again',
      ),
    );
  }
  return findings;
};

/** PITR is on (the export needs it), or --enable-pitr turns it on. */
export const checkPitr: PreflightCheck = async ({ options, facts }) => {
  if (!facts.source) return [];
  const status = facts.source.continuousBackups?.PointInTimeRecoveryDescription?.PointInTimeRecoveryStatus;
  facts.pitrEnabled = status === 'ENABLED';
  if (facts.pitrEnabled || facts.state?.pitr?.status === 'done') return [];
  if (options.enablePitr) {
    return [
      info('PITR_WILL_ENABLE', 'PITR is off on the source; --enable-pitr turns it on before the export'),
    ];
  }
  return [
    error(
      'PITR_DISABLED',
      `Point-in-time recovery is off on source table ${options.sourceTableName}; the export needs it`,
      `Re-run with --enable-pitr, or: aws dynamodb update-continuous-backups --table-name ${options.sourceTableName} --point-in-time-recovery-specification PointInTimeRecoveryEnabled=true`,
    ),
  ];
};

/**
 * The stream: none -> migrate enables NEW_AND_OLD_IMAGES; KEYS_ONLY/OLD_IMAGE -> kept, and CDC
 * reads each changed item from the source (fetch-on-change), which needs source read access.
 */
export const checkStream: PreflightCheck = async ({ options, clients, facts }) => {
  const table = facts.source?.table;
  if (!table) return [];
  const recorded = await checkRecordedStream({ options, clients, facts });
  if (recorded.length > 0) return recorded;
  const spec = table.StreamSpecification;
  // None yet: migrate enables NEW_AND_OLD_IMAGES (with --cdc-mode none too: it marks the export's cut-off).
  if (!spec?.StreamEnabled || !table.LatestStreamArn) return [];
  facts.streamArn = table.LatestStreamArn;
  facts.streamViewType = spec.StreamViewType;
  if (spec.StreamViewType === 'NEW_AND_OLD_IMAGES' || spec.StreamViewType === 'NEW_IMAGE') {
    return [info('STREAM_REUSED', `Existing ${spec.StreamViewType} stream is used as is`)];
  }
  facts.fetchOnChange = true;
  const findings = [
    warning(
      'STREAM_FETCH_ON_CHANGE',
      `The source stream is ${spec.StreamViewType}: CDC will read each changed item from the source (fetch-on-change)`,
      'It costs one read per change; a NEW_AND_OLD_IMAGES stream avoids it',
    ),
  ];
  if (options.cdcMode === 'none') return findings;
  // Probe a read with a key that cannot exist: proves GetItem is allowed without touching data.
  const key: Record<string, AttributeValue> = {};
  for (const k of table.KeySchema ?? []) {
    const type = table.AttributeDefinitions?.find((a) => a.AttributeName === k.AttributeName)?.AttributeType;
    const name = k.AttributeName ?? '';
    key[name] =
      type === 'N'
        ? { N: '-987654321.123456789' }
        : type === 'B'
          ? { B: new Uint8Array([0xdd, 0xb0]) }
          : { S: '\u0000ddb-migrate-probe' };
  }
  try {
    await clients.sourceDdb.send(new GetItemCommand({ TableName: options.sourceTableName, Key: key }));
  } catch (err) {
    findings.push(
      error(
        'SOURCE_READ_DENIED',
        `The stream is ${spec.StreamViewType} and the source cannot be read (GetItem: ${describeSdkError(err)})`,
        'Grant dynamodb:GetItem on the source table to the migrating principal (and the CDC function), or switch the stream to NEW_AND_OLD_IMAGES',
      ),
    );
  }
  return findings;
};

/**
 * On resume: the stream recorded in the state is still the table's latest stream and ENABLED.
 * Otherwise the export's cut-off and the CDC rest on a stream that takes no more records. Skipped
 * once nothing will read the stream again (no CDC and the export done).
 */
async function checkRecordedStream({
  options,
  clients,
  facts,
}: Pick<PreflightContext, 'options' | 'clients' | 'facts'>): Promise<Finding[]> {
  const step = facts.state?.stream;
  const table = facts.source?.table;
  if (step?.status !== 'done' || !step.streamArn || !table) return [];
  if (options.cdcMode === 'none' && facts.state?.export?.status === 'done') return [];
  const context = {
    when: 'on resume',
    table: options.sourceTableName,
    targetTable: options.targetTableName,
    stateDir: options.stateDir,
  };
  let problem = streamIdentityProblem(step.streamArn, { table }, context);
  if (!problem) {
    let recordedStatus: string;
    try {
      const out = await clients.sourceStreams.send(
        new DescribeStreamCommand({ StreamArn: step.streamArn, Limit: 1 }),
      );
      recordedStatus = out.StreamDescription?.StreamStatus ?? 'ENABLED';
    } catch (err) {
      if (sdkErrorName(err) !== 'ResourceNotFoundException') {
        return [
          error(
            'STREAM_UNREADABLE',
            `Cannot read the recorded source stream ${step.streamArn} (${describeSdkError(err)})`,
            "Grant dynamodb:DescribeStream on the source table's stream",
          ),
        ];
      }
      recordedStatus = 'NOT_FOUND';
    }
    problem = streamIdentityProblem(step.streamArn, { table, recordedStatus }, context);
  }
  return problem ? [error(problem.code, problem.message, problem.fix)] : [];
}
