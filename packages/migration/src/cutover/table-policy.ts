import {
  DeleteResourcePolicyCommand,
  type DynamoDBClient,
  GetResourcePolicyCommand,
  PutResourcePolicyCommand,
} from '@aws-sdk/client-dynamodb';
import { AwsCallError, MigrationError, sdkErrorName } from '@ddb-migrate/core';
import { type RetryHost, retryAws } from '../aws-retry.js';

/** PutResourcePolicy's ExpectedRevisionId for a table that has no policy yet. */
export const NO_POLICY = 'NO_POLICY';

/** A table's resource-based policy as GetResourcePolicy returns it. */
export interface TablePolicy {
  /** The policy text, verbatim; `null` when the table has none. */
  policy: string | null;
  /** Its RevisionId, or {@link NO_POLICY}. */
  revisionId: string;
}

/**
 * "Updates are blocked for 15 s after a change" and a table being updated answer
 * ResourceInUseException; both pass with time (PutResourcePolicy API reference).
 */
const BUSY = ['ResourceInUseException', 'LimitExceededException'] as const;

/** The table's policy (PolicyNotFoundException: none). */
export async function readTablePolicy(
  host: RetryHost,
  ddb: Pick<DynamoDBClient, 'send'>,
  resourceArn: string,
): Promise<TablePolicy> {
  try {
    const out = await retryAws(host, 'GetResourcePolicy', () =>
      ddb.send(new GetResourcePolicyCommand({ ResourceArn: resourceArn })),
    );
    if (out.Policy === undefined) return { policy: null, revisionId: NO_POLICY };
    return { policy: out.Policy, revisionId: out.RevisionId ?? NO_POLICY };
  } catch (error) {
    if (sdkErrorName(error) === 'PolicyNotFoundException') return { policy: null, revisionId: NO_POLICY };
    throw new AwsCallError('GetResourcePolicy', error);
  }
}

/**
 * Puts `policy` if the table's policy is still revision `expectedRevisionId`, so a concurrent
 * change by the owner is never overwritten: that is POLICY_CHANGED (run again; the state keeps the
 * original). Returns the new RevisionId.
 */
export async function putTablePolicy(
  host: RetryHost,
  ddb: Pick<DynamoDBClient, 'send'>,
  resourceArn: string,
  policy: string,
  expectedRevisionId: string,
): Promise<string> {
  try {
    const out = await retryAws(
      host,
      'PutResourcePolicy',
      () =>
        ddb.send(
          new PutResourcePolicyCommand({
            ResourceArn: resourceArn,
            Policy: policy,
            ExpectedRevisionId: expectedRevisionId,
          }),
        ),
      { retryOn: BUSY, attempts: 12 },
    );
    return out.RevisionId ?? '';
  } catch (error) {
    if (sdkErrorName(error) === 'PolicyNotFoundException') throw policyChanged(resourceArn, error);
    throw new AwsCallError('PutResourcePolicy', error);
  }
}

/** Deletes the table's policy if it is still revision `expectedRevisionId` (none there: done). */
export async function deleteTablePolicy(
  host: RetryHost,
  ddb: Pick<DynamoDBClient, 'send'>,
  resourceArn: string,
  expectedRevisionId: string,
): Promise<void> {
  try {
    await retryAws(
      host,
      'DeleteResourcePolicy',
      () =>
        ddb.send(
          new DeleteResourcePolicyCommand({
            ResourceArn: resourceArn,
            ExpectedRevisionId: expectedRevisionId,
          }),
        ),
      { retryOn: BUSY, attempts: 12 },
    );
  } catch (error) {
    if (sdkErrorName(error) !== 'PolicyNotFoundException')
      throw new AwsCallError('DeleteResourcePolicy', error);
    const now = await readTablePolicy(host, ddb, resourceArn);
    if (now.policy !== null) throw policyChanged(resourceArn, error);
  }
}

function policyChanged(resourceArn: string, cause: unknown): MigrationError {
  return new MigrationError(
    'POLICY_CHANGED',
    `The resource policy of ${resourceArn} changed while ddb-migrate was updating it`,
    { hint: 'Someone else edited the policy: check it, then run the same command again', cause },
  );
}
