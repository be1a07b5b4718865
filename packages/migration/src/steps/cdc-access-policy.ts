import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { MigrationError, sdkErrorName } from '@ddb-migrate/core';
import type { RetryHost } from '../aws-retry.js';
import { MAX_POLICY_BYTES } from '../cutover/freeze-policy.js';
import { deleteTablePolicy, putTablePolicy, readTablePolicy } from '../cutover/table-policy.js';
import type { CdcAccessGrant } from '../state/migration-state.js';

/** Sid of the statement that lets the CDC function's role read the source stream. */
export const CDC_STREAM_SID = 'DdbMigrateCdcReadStream';
/** Sid of the statement that lets it read the source table (fetch-on-change). */
export const CDC_TABLE_SID = 'DdbMigrateCdcFetchOnChange';

/**
 * What an event source mapping in another account needs on the stream: DescribeStream,
 * GetShardIterator and GetRecords for the function's execution role (the actions Lambda's
 * DynamoDB-stream permissions name; ListStreams is not a stream-level action). DynamoDB developer
 * guide, "Using resource-based policies for DynamoDB" (stream policies).
 */
export function cdcStreamStatement(roleArn: string, streamArn: string): Record<string, unknown> {
  return {
    Sid: CDC_STREAM_SID,
    Effect: 'Allow',
    Principal: { AWS: roleArn },
    Action: ['dynamodb:DescribeStream', 'dynamodb:GetRecords', 'dynamodb:GetShardIterator'],
    Resource: streamArn,
  };
}

/** Fetch-on-change (KEYS_ONLY/OLD_IMAGE streams): the handler's BatchGetItem of the source items. */
export function cdcTableStatement(roleArn: string, tableArn: string): Record<string, unknown> {
  return {
    Sid: CDC_TABLE_SID,
    Effect: 'Allow',
    Principal: { AWS: roleArn },
    Action: ['dynamodb:BatchGetItem', 'dynamodb:GetItem'],
    Resource: tableArn,
  };
}

interface PolicyDocument {
  Version?: string;
  Statement?: Record<string, unknown>[] | Record<string, unknown>;
  [k: string]: unknown;
}

function parse(policy: string, resourceArn: string): PolicyDocument {
  try {
    const doc = JSON.parse(policy) as PolicyDocument;
    if (doc && typeof doc === 'object' && !Array.isArray(doc)) return doc;
  } catch {
    // fall through
  }
  throw new MigrationError(
    'POLICY_UNREADABLE',
    `The resource policy of ${resourceArn} is not a JSON object`,
    {
      hint: 'Fix the policy (aws dynamodb get-resource-policy) and run migrate again',
    },
  );
}

function statements(doc: PolicyDocument): Record<string, unknown>[] {
  if (doc.Statement === undefined) return [];
  return Array.isArray(doc.Statement) ? doc.Statement : [doc.Statement];
}

/**
 * `policy` (or a new document) with `statement` in it: a statement with the same Sid is replaced,
 * every other statement and key kept as it was. Undefined when the policy already holds it.
 */
export function withStatement(
  policy: string | null,
  statement: Record<string, unknown>,
  resourceArn: string,
): string | undefined {
  const doc: PolicyDocument = policy === null ? { Version: '2012-10-17' } : parse(policy, resourceArn);
  const others = statements(doc).filter((s) => s.Sid !== statement.Sid);
  const current = statements(doc).find((s) => s.Sid === statement.Sid);
  if (current && JSON.stringify(current) === JSON.stringify(statement)) return undefined;
  const text = JSON.stringify({ ...doc, Statement: [...others, statement] });
  if (Buffer.byteLength(text) > MAX_POLICY_BYTES) {
    throw new MigrationError(
      'POLICY_TOO_LARGE',
      `The resource policy of ${resourceArn} would exceed 20 KB with ddb-migrate's statement ${String(statement.Sid)}`,
      { hint: 'Shorten the existing policy, or use --cdc-account source (no policy on the source stream)' },
    );
  }
  return text;
}

/** `policy` without the statement `sid`; `null` when nothing else is left (delete the policy). */
export function withoutStatement(policy: string, sid: string, resourceArn: string): string | null {
  const doc = parse(policy, resourceArn);
  const kept = statements(doc).filter((s) => s.Sid !== sid);
  if (kept.length === 0) return null;
  return JSON.stringify({ ...doc, Statement: kept });
}

/**
 * Merges `statement` into the resource policy of `resourceArn` (owner's statements kept; the put
 * names the revision read, so a concurrent edit is never overwritten) and returns the grant to
 * record. Puts nothing when the statement is already there.
 */
export async function grantStatement(
  host: RetryHost,
  ddb: Pick<DynamoDBClient, 'send'>,
  resourceArn: string,
  statement: Record<string, unknown>,
): Promise<CdcAccessGrant> {
  const now = await readTablePolicy(host, ddb, resourceArn);
  const text = withStatement(now.policy, statement, resourceArn);
  const revisionId =
    text === undefined ? now.revisionId : await putTablePolicy(host, ddb, resourceArn, text, now.revisionId);
  if (text !== undefined)
    host.logger.info('resource policy statement put', { resourceArn, sid: String(statement.Sid) });
  return { resourceArn, sid: String(statement.Sid), revisionId, putAt: new Date().toISOString() };
}

/** Takes ddb-migrate's statement out of the resource policy again (the rest of it kept verbatim). */
export async function revokeStatement(
  host: RetryHost,
  ddb: Pick<DynamoDBClient, 'send'>,
  resourceArn: string,
  sid: string,
): Promise<void> {
  let now: Awaited<ReturnType<typeof readTablePolicy>>;
  try {
    now = await readTablePolicy(host, ddb, resourceArn);
  } catch (err) {
    // The stream (or table) is gone, and its policy with it.
    if (sdkErrorName((err as { cause?: unknown }).cause ?? err) === 'ResourceNotFoundException') return;
    throw err;
  }
  if (now.policy === null) return;
  if (!statements(parse(now.policy, resourceArn)).some((s) => s.Sid === sid)) return;
  const rest = withoutStatement(now.policy, sid, resourceArn);
  if (rest === null) await deleteTablePolicy(host, ddb, resourceArn, now.revisionId);
  else await putTablePolicy(host, ddb, resourceArn, rest, now.revisionId);
  host.logger.info('resource policy statement removed', { resourceArn, sid });
}
