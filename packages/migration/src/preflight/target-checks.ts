import { DescribeTableCommand, ScanCommand, type TableDescription } from '@aws-sdk/client-dynamodb';
import { HeadBucketCommand, ListBucketsCommand, type S3Client } from '@aws-sdk/client-s3';
import { checkKeyCompatibility, describeSdkError, sdkErrorName } from '@ddb-migrate/core';
import { defaultBucketName } from '../migration-options.js';
import { IMPORT_REMEDY } from '../steps/import-completeness.js';
import { checkRecordedExport, checkRecordedLoad, recordedBucketGone } from './resume-checks.js';
import {
  error,
  type Finding,
  info,
  isAccessDenied,
  type PreflightCheck,
  type PreflightContext,
  warning,
} from './preflight-types.js';

/**
 * Decides the load mode and checks the target table for it: import needs an absent table (and no
 * LSIs); write mode creates an absent table or uses an existing one that is empty and key-compatible.
 */
export const checkTargetTable: PreflightCheck = async ({ options, clients, facts }) => {
  const source = facts.source?.table;
  if (!source || !facts.targetAccountId || facts.targetIsSource) return [];
  const resumed = facts.state?.load;
  if (resumed?.failure && resumed.mode === 'import' && resumed.status !== 'done') {
    return checkReplaceImport(options, clients, facts, resumed.failure);
  }
  if (resumed) {
    return checkRecordedLoad(
      options,
      clients,
      facts,
      resumed,
      await describeTarget(clients, options.targetTableName),
    );
  }
  const lookup = await describeTarget(clients, options.targetTableName);
  if ('denied' in lookup) return [lookup.denied];
  const target = lookup.table;
  const hasLsi = (source.LocalSecondaryIndexes?.length ?? 0) > 0;
  const findings = [];
  if (target) {
    facts.targetTable = target;
    if (options.loadMode === 'import') {
      return [
        error(
          'TARGET_EXISTS',
          `Target table ${options.targetTableName} already exists; ImportTable can only create a new table`,
          'Use --load-mode write to load into the existing table, pick another --target-table-name, or delete the target table',
        ),
      ];
    }
    const problems = checkKeyCompatibility(source, target);
    if (problems.length > 0) {
      return [
        error(
          'TARGET_SCHEMA_MISMATCH',
          `Target table ${options.targetTableName} is not key-compatible with the source: ${problems.join('; ')}`,
          'Create the target with the source key schema, or let migrate create it (no existing table)',
        ),
      ];
    }
    if (target.TableStatus !== 'ACTIVE') {
      return [error('TARGET_NOT_ACTIVE', `Target table is ${target.TableStatus}`, 'Wait until it is ACTIVE')];
    }
    const scan = await clients.targetDdb.send(
      new ScanCommand({
        TableName: options.targetTableName,
        Limit: 1,
        ProjectionExpression: '#k',
        ExpressionAttributeNames: { '#k': source.KeySchema?.[0]?.AttributeName ?? 'pk' },
      }),
    );
    if ((scan.Items?.length ?? 0) > 0 || scan.LastEvaluatedKey) {
      return [
        error(
          'TARGET_NOT_EMPTY',
          `Target table ${options.targetTableName} already holds items`,
          'Load into an empty table (delete its items or pick another --target-table-name)',
        ),
      ];
    }
    facts.loadMode = 'write';
    findings.push(
      info(
        'TARGET_EXISTING',
        'The target table exists, is empty and key-compatible: write mode loads into it',
      ),
    );
    return findings;
  }
  if (hasLsi && options.loadMode === 'import') {
    return [
      error(
        'LSI_NEEDS_WRITE_MODE',
        `Source table has local secondary indexes; ImportTable cannot create them`,
        'Use --load-mode write (or auto)',
      ),
    ];
  }
  facts.loadMode = options.loadMode === 'auto' ? (hasLsi ? 'write' : 'import') : options.loadMode;
  if (hasLsi)
    findings.push(
      warning(
        'LSI_WRITE_MODE',
        'Source has LSIs: write mode creates the table with them and writes the data',
      ),
    );
  return findings;
};

/**
 * The recorded import did not bring every item (or failed): only a write-mode load into a fresh
 * table may replace it, once the user deleted the partial target table.
 */
async function checkReplaceImport(
  options: PreflightContext['options'],
  clients: PreflightContext['clients'],
  facts: PreflightContext['facts'],
  failure: { code: string; message: string },
): Promise<Finding[]> {
  if (options.loadMode !== 'write') {
    // The state file records the code as text; only these two are ever written there.
    const code = failure.code === 'IMPORT_FAILED' ? 'IMPORT_FAILED' : 'IMPORT_INCOMPLETE';
    return [error(code, `The recorded load cannot finish. ${failure.message}`, IMPORT_REMEDY)];
  }
  const lookup = await describeTarget(clients, options.targetTableName);
  if ('denied' in lookup) return [lookup.denied];
  const target = lookup.table;
  if (target) {
    return [
      error(
        'TARGET_HOLDS_PARTIAL_IMPORT',
        `Target table ${options.targetTableName} still holds the incomplete import`,
        `Delete it (aws dynamodb delete-table --table-name ${options.targetTableName} in the target account), then run migrate again with --load-mode write`,
      ),
    ];
  }
  facts.loadMode = 'write';
  facts.replaceLoad = true;
  return [warning('LOAD_REPLACED', `${failure.message}; write mode replaces that load`)];
}

/** The target table's description (undefined when it does not exist), or the finding when it cannot be read. */
async function describeTarget(
  clients: PreflightContext['clients'],
  name: string,
): Promise<{ table: TableDescription | undefined } | { denied: Finding }> {
  try {
    const out = await clients.targetDdb.send(new DescribeTableCommand({ TableName: name }));
    return { table: out.Table };
  } catch (err) {
    if (sdkErrorName(err) === 'ResourceNotFoundException') return { table: undefined };
    return {
      denied: error(
        'TARGET_READ_DENIED',
        `Cannot describe target table ${name} (${describeSdkError(err)})`,
        'Grant dynamodb:DescribeTable in the target account to the target role',
      ),
    };
  }
}

/**
 * The export bucket exists and is owned by the target account (HeadBucket with ExpectedBucketOwner).
 * On resume it is the bucket of the recorded export, checked while the load still needs it, and
 * then so is the export itself.
 */
export const checkBucket: PreflightCheck = async ({ options, clients, facts }) => {
  if (!facts.targetAccountId) return [];
  const given = options.targetS3BucketName ?? defaultBucketName(options.targetRegion, facts.targetAccountId);
  const exp = facts.state?.export;
  const recorded = exp && !exp.failure ? exp : undefined;
  const bucket = recorded?.bucket ?? given;
  facts.bucket = bucket;
  const findings: Finding[] = [];
  if (recorded) {
    const load = facts.replaceLoad ? undefined : facts.state?.load;
    // Loaded: the bucket has served its purpose (it may have been emptied or deleted since).
    if (load?.status === 'done') return [];
    if (options.targetS3BucketName !== undefined && options.targetS3BucketName !== recorded.bucket) {
      findings.push(
        warning(
          'BUCKET_RECORDED',
          `This migration's export is in bucket ${recorded.bucket}; --target-s3-bucket-name ${options.targetS3BucketName} is not used`,
          'Drop the flag, or move the state file away to start a new migration with the other bucket',
        ),
      );
    }
  }
  try {
    await clients.targetS3.send(
      new HeadBucketCommand({ Bucket: bucket, ExpectedBucketOwner: facts.targetAccountId }),
    );
  } catch (err) {
    const status = (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
    const notFound =
      status === 404 || sdkErrorName(err) === 'NotFound' || sdkErrorName(err) === 'NoSuchBucket';
    if (notFound && recorded) return [...findings, recordedBucketGone(options, facts, recorded)];
    if (notFound) {
      return [
        error(
          'BUCKET_NOT_FOUND',
          `Export bucket ${bucket} does not exist`,
          `Create it in the target account ${facts.targetAccountId} (cfn/target.yaml) or pass --target-s3-bucket-name`,
        ),
      ];
    }
    if (isAccessDenied(err)) {
      return [
        error(
          'BUCKET_WRONG_OWNER',
          `Export bucket ${bucket} is not owned by the target account ${facts.targetAccountId} (or the target role may not use it)`,
          'Use a bucket the target account owns, so it owns the exported objects and can import them',
        ),
      ];
    }
    return [
      error(
        'BUCKET_UNREACHABLE',
        `Cannot reach export bucket ${bucket} (${describeSdkError(err)})`,
        'Check the bucket name and the target role',
      ),
    ];
  }
  // Second opinion where ExpectedBucketOwner is not enforced (stand-ins): the target account's own
  // bucket list. Skipped when the role may not list buckets (AWS enforces ExpectedBucketOwner).
  const owned = await ownedBuckets(clients.targetS3, bucket);
  if (owned && !owned.includes(bucket)) {
    return [
      error(
        'BUCKET_WRONG_OWNER',
        `Export bucket ${bucket} is not owned by the target account ${facts.targetAccountId}`,
        'Use a bucket the target account owns, so it owns the exported objects and can import them',
      ),
    ];
  }
  if (recorded) findings.push(...(await checkRecordedExport(options, clients, facts, recorded)));
  return findings;
};

async function ownedBuckets(s3: Pick<S3Client, 'send'>, bucket: string): Promise<string[] | undefined> {
  try {
    const out = await s3.send(new ListBucketsCommand({ Prefix: bucket, MaxBuckets: 1000 }));
    return (out.Buckets ?? []).map((b) => b.Name ?? '');
  } catch {
    return undefined;
  }
}
