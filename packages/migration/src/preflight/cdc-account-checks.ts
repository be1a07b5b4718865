import { GetResourcePolicyCommand } from '@aws-sdk/client-dynamodb';
import { DescribeKeyCommand } from '@aws-sdk/client-kms';
import { describeSdkError, MigrationError, sdkErrorName } from '@ddb-migrate/core';
import { cdcAccountOf } from '../state/migration-state.js';
import { cdcStreamStatement, cdcTableStatement, withStatement } from '../steps/cdc-access-policy.js';
import {
  error,
  type Finding,
  info,
  type PreflightCheck,
  type PreflightContext,
  warning,
} from './preflight-types.js';

/**
 * Cross-account access through resource-based policies does not support tables encrypted with an
 * AWS managed KMS key (DynamoDB developer guide, "Resource-based policy considerations",
 * https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/rbac-considerations.html).
 */
const AWS_MANAGED_KEY_NOTE =
  'cross-account access through resource policies does not support tables encrypted with an AWS managed key';

/** Who manages the key that encrypts the source table: `owned` (DynamoDB's default), `AWS`, `CUSTOMER`, or unknown. */
async function sourceKeyManager(
  ctx: PreflightContext,
): Promise<{ manager: 'owned' | 'AWS' | 'CUSTOMER' } | { unknown: string }> {
  const sse = ctx.facts.source?.table.SSEDescription;
  if (sse?.SSEType !== 'KMS' || sse.Status === 'DISABLED' || sse.Status === 'DISABLING')
    return { manager: 'owned' };
  const key = sse.KMSMasterKeyArn;
  if (!key) return { unknown: 'DescribeTable names no KMS key' };
  try {
    const out = await ctx.clients.sourceKms.send(new DescribeKeyCommand({ KeyId: key }));
    const manager = out.KeyMetadata?.KeyManager;
    if (manager === 'AWS' || manager === 'CUSTOMER') return { manager };
    return { unknown: `DescribeKey reports KeyManager ${manager ?? 'none'}` };
  } catch (err) {
    return { unknown: `DescribeKey ${key}: ${describeSdkError(err)}` };
  }
}

/**
 * Lambda mode: where the CDC function runs. `--cdc-account target` is refused for a table under
 * an AWS managed key (the fallback is the source layout) and when this migration's CDC already runs
 * in the other account; the caller must be able to read (and so edit) the source's resource
 * policies, and ddb-migrate's statements must fit beside the owner's. With the default (source)
 * layout the plan says when the target layout would work.
 */
export const checkCdcAccount: PreflightCheck = async (ctx) => {
  const { options, facts } = ctx;
  if (options.cdcMode !== 'lambda') return [];
  const account = options.cdcAccount;
  const recorded = facts.state?.cdc?.mode === 'lambda' ? cdcAccountOf(facts.state) : undefined;
  if (recorded && recorded !== account) {
    return [
      error(
        'CDC_ACCOUNT_CHANGED',
        `This migration's CDC function and mapping are in the ${recorded} account (run ${facts.state?.runId}); --cdc-account ${account} would start a second CDC beside it`,
        `Run migrate with --cdc-account ${recorded}, or finish this migration first (ddb-migrate finish)`,
      ),
    ];
  }
  if (account === 'target' && options.sourceRegion !== options.targetRegion) {
    // An event source mapping reads streams of its own Region; the function would have to live in
    // the source Region of the target account, which is not a layout ddb-migrate deploys.
    return [
      error(
        'CDC_ACCOUNT_TARGET_UNSUPPORTED',
        `--cdc-account target needs the source and target in one Region (source ${options.sourceRegion}, target ${options.targetRegion}): an event source mapping reads streams of its own Region`,
        'Use --cdc-account source (the function in the source account and Region writes to the target Region)',
      ),
    ];
  }
  const key = await sourceKeyManager(ctx);
  if (account === 'source') {
    if (
      'manager' in key &&
      key.manager !== 'AWS' &&
      !recorded &&
      options.sourceRegion === options.targetRegion
    ) {
      return [
        info(
          'CDC_ACCOUNT_TARGET_POSSIBLE',
          '--cdc-account target works for this table: the CDC function, its queue and mapping live in the target account and read the source stream through a stream policy migrate puts, so the source account needs no function, queue or write role',
        ),
      ];
    }
    return [];
  }
  if ('manager' in key && key.manager === 'AWS') {
    return [
      error(
        'CDC_ACCOUNT_TARGET_UNSUPPORTED',
        `Source table ${options.sourceTableName} is encrypted with an AWS managed KMS key: ${AWS_MANAGED_KEY_NOTE}, so a function in the target account cannot read its stream`,
        'Use --cdc-account source (the function in the source account writes to the target; cfn/source.yaml), or re-encrypt the table with a customer managed key',
      ),
    ];
  }
  const findings: Finding[] = [];
  if ('unknown' in key) {
    findings.push(
      warning(
        'KMS_KEY_UNKNOWN',
        `Cannot tell which KMS key encrypts ${options.sourceTableName} (${key.unknown})`,
        `If it is the AWS managed key (aws/dynamodb), ${AWS_MANAGED_KEY_NOTE}: use --cdc-account source`,
      ),
    );
  }
  const role = facts.functionRoleArn;
  const tableArn = facts.source?.table.TableArn;
  const targets: { arn: string; statement?: Record<string, unknown> }[] = [];
  if (tableArn)
    targets.push({
      arn: tableArn,
      ...(facts.fetchOnChange && role ? { statement: cdcTableStatement(role, tableArn) } : {}),
    });
  if (facts.streamArn)
    targets.push({
      arn: facts.streamArn,
      ...(role ? { statement: cdcStreamStatement(role, facts.streamArn) } : {}),
    });
  for (const t of targets) findings.push(...(await policyFindings(ctx, t.arn, t.statement)));
  return findings;
};

/** The resource's policy can be read, and ddb-migrate's statement fits into it. */
async function policyFindings(
  ctx: PreflightContext,
  resourceArn: string,
  statement: Record<string, unknown> | undefined,
): Promise<Finding[]> {
  let policy: string | null;
  try {
    const out = await ctx.clients.sourceDdb.send(new GetResourcePolicyCommand({ ResourceArn: resourceArn }));
    policy = out.Policy ?? null;
  } catch (err) {
    if (sdkErrorName(err) === 'PolicyNotFoundException') policy = null;
    else if (sdkErrorName(err) === 'AccessDeniedException') {
      return [
        error(
          'POLICY_ACCESS_DENIED',
          `Cannot read the resource policy of ${resourceArn} (${describeSdkError(err)}): --cdc-account target puts a statement into it`,
          'Allow dynamodb:GetResourcePolicy and dynamodb:PutResourcePolicy on the source table and its streams (cfn/source.yaml with CdcAccount=target makes such a policy), or use --cdc-account source',
        ),
      ];
    } else {
      return [
        warning(
          'POLICY_UNREADABLE',
          `Cannot read the resource policy of ${resourceArn} (${describeSdkError(err)})`,
          'migrate reads it again before it puts the CDC statement',
        ),
      ];
    }
  }
  if (!statement) return [];
  try {
    withStatement(policy, statement, resourceArn);
    return [];
  } catch (err) {
    if (
      err instanceof MigrationError &&
      (err.code === 'POLICY_TOO_LARGE' || err.code === 'POLICY_UNREADABLE')
    )
      return [error(err.code, err.message, err.hint ?? 'Fix the policy, or use --cdc-account source')];
    throw err;
  }
}
