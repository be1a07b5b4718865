import { simulateResourcePolicy } from './resource-policy-simulation.js';

/** What a Lambda event source mapping's role needs on a DynamoDB stream it reads. */
export const STREAM_READ_ACTIONS = [
  'dynamodb:DescribeStream',
  'dynamodb:GetRecords',
  'dynamodb:GetShardIterator',
];

/**
 * Whether `policy`, a stream's resource-based policy, allows `roleArn` (calling as one of its
 * sessions, with an allow-all identity policy) every one of `actions` on `streamArn`, evaluated by
 * @cloud-copilot/iam-simulate as `createPolicyEnforcer` does.
 */
export async function policyAllowsRole(
  policy: unknown,
  roleArn: string,
  streamArn: string,
  actions: string[] = STREAM_READ_ACTIONS,
): Promise<boolean> {
  if (policy === undefined) return false;
  const [, partition = 'aws', , , account = '', resource = ''] = roleArn.split(':');
  const roleName = resource.split('/').at(-1) ?? '';
  for (const action of actions) {
    const result = await simulateResourcePolicy({
      // A role calls AWS only as one of its sessions; aws:PrincipalArn is the role's ARN.
      caller: `arn:${partition}:sts::${account}:assumed-role/${roleName}/cross-account-streams`,
      principalArn: roleArn,
      account,
      action,
      resourceArn: streamArn,
      policy,
      who: 'cross-account streams model',
    });
    if (result !== 'Allowed') return false;
  }
  return true;
}
