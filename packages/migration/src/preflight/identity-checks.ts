import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { describeSdkError, unreachableEndpoint } from '@ddb-migrate/core';
import { targetRoleArn } from '../migration-input.js';
import { error, type Finding, type PreflightCheck } from './preflight-types.js';

/** The source credentials work, and belong to --source-account-id when given. */
export const checkSourceIdentity: PreflightCheck = async ({ options, clients, facts }) => {
  let out: { Account?: string; Arn?: string };
  try {
    out = await clients.sourceSts.send(new GetCallerIdentityCommand({}));
  } catch (err) {
    const unreachable = unreachableFinding('source', err);
    if (unreachable) return [unreachable];
    return [
      error(
        'SOURCE_CREDENTIALS',
        `The source credentials do not work (${describeSdkError(err)})`,
        'Configure credentials for the source account (AWS_PROFILE, --source-profile or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY)',
      ),
    ];
  }
  facts.sourceAccountId = out.Account;
  facts.sourceCallerArn = out.Arn;
  if (options.sourceAccountId && out.Account !== options.sourceAccountId) {
    return [
      error(
        'SOURCE_ACCOUNT_MISMATCH',
        `The source credentials belong to account ${out.Account}, not --source-account-id ${options.sourceAccountId}`,
        'Use credentials of the source account or correct --source-account-id',
      ),
    ];
  }
  return [];
};

/** The target role can be assumed (GetCallerIdentity with its credentials) and is in --target-account-id. */
export const checkTargetRole: PreflightCheck = async ({ options, targetAccess, clients, facts }) => {
  let out: { Account?: string; Arn?: string };
  try {
    out = await clients.targetSts.send(new GetCallerIdentityCommand({}));
  } catch (err) {
    const unreachable = unreachableFinding('target', err);
    if (unreachable) return [unreachable];
    const how =
      targetAccess.kind === 'assume-role'
        ? `Cannot assume the target role ${targetAccess.roleArn} (${describeSdkError(err)})`
        : `The target credentials do not work (${describeSdkError(err)})`;
    return [
      error(
        'TARGET_ROLE_NOT_ASSUMABLE',
        how,
        'Create the role in the target account (cfn/target.yaml) with a trust policy for the source principal, or fix --target-role-name/--target-role-arn/--target-account-id',
      ),
    ];
  }
  facts.targetAccountId = out.Account;
  facts.targetCallerArn = out.Arn;
  const expected = options.targetAccountId ?? targetRoleArn(targetAccess)?.split(':')[4];
  if (expected && out.Account !== expected) {
    return [
      error(
        'TARGET_ACCOUNT_MISMATCH',
        `The target credentials belong to account ${out.Account}, not ${expected}`,
        'Check --target-account-id, --target-role-arn or --target-profile',
      ),
    ];
  }
  return [];
};

/**
 * A connection that never reached the endpoint (refused, unknown host, no route) is about the
 * endpoint or the network, never the credentials: say so, with where it tried to connect.
 */
function unreachableFinding(side: 'source' | 'target', err: unknown): Finding | undefined {
  const unreachable = unreachableEndpoint(err);
  if (!unreachable) return undefined;
  return error(
    'ENDPOINT_UNREACHABLE',
    `Cannot reach the ${side} AWS endpoint${unreachable.where ? ` ${unreachable.where}` : ''}: ${unreachable.reason} (${unreachable.code})`,
    'Check --endpoint-url (or AWS_ENDPOINT_URL) and that the service there is running, or the network and proxy settings',
  );
}
