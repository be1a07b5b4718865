import type { runSimulation } from '@cloud-copilot/iam-simulate';

/** What a Lambda event source mapping's role needs on a DynamoDB stream it reads. */
export const STREAM_READ_ACTIONS = [
  'dynamodb:DescribeStream',
  'dynamodb:GetRecords',
  'dynamodb:GetShardIterator',
];

// Loaded on first use: the evaluator's data is large, and most test files never evaluate a policy.
let simulator: Promise<typeof runSimulation> | undefined;

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
  simulator ??= import('@cloud-copilot/iam-simulate').then((m) => m.runSimulation);
  const simulate = await simulator;
  for (const action of actions) {
    const response = await simulate(
      {
        request: {
          // A role calls AWS only as one of its sessions; aws:PrincipalArn is the role's ARN.
          principal: `arn:${partition}:sts::${account}:assumed-role/${roleName}/cross-account-streams`,
          action,
          resource: { resource: streamArn, accountId: streamArn.split(':')[4] ?? '' },
          contextVariables: {
            'aws:PrincipalArn': roleArn,
            'aws:PrincipalAccount': account,
            'aws:PrincipalIsAWSService': 'false',
          },
        },
        identityPolicies: [
          {
            name: 'allow-all',
            policy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] },
          },
        ],
        serviceControlPolicies: [],
        resourceControlPolicies: [],
        resourcePolicy: policy,
      },
      {},
    );
    if (response.resultType !== 'single') {
      // DynamoDB would have refused such a policy at PutResourcePolicy; the test's policy is wrong.
      throw new Error(
        `cross-account streams model: cannot evaluate the policy of ${streamArn}: ${JSON.stringify('errors' in response ? response.errors : response)}`,
      );
    }
    if (response.overallResult !== 'Allowed') return false;
  }
  return true;
}
