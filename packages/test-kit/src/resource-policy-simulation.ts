import type { runSimulation } from '@cloud-copilot/iam-simulate';

// Loaded on first use: the evaluator's data is large, and most test files never evaluate a policy.
let simulator: Promise<typeof runSimulation> | undefined;

/** One request to evaluate against a resource-based policy. */
export interface ResourcePolicyRequest {
  /** The caller as AWS sees it (e.g. an STS assumed-role session ARN). */
  caller: string;
  /** Its `aws:PrincipalArn` (a session stands for its role). */
  principalArn: string;
  /** Its `aws:PrincipalAccount`. */
  account: string;
  action: string;
  resourceArn: string;
  /** The resource's policy document (parsed). */
  policy: unknown;
  /** Who asks, for the error of a policy the evaluator cannot read (a test's mistake). */
  who: string;
}

/**
 * The decision of @cloud-copilot/iam-simulate for `request` under the resource's policy, the
 * caller's identity policy taken as allow-all: what the test-kit's models of resource-policy
 * enforcement (tables, streams) decide with.
 */
export async function simulateResourcePolicy(
  request: ResourcePolicyRequest,
): Promise<'Allowed' | 'ImplicitlyDenied' | 'ExplicitlyDenied'> {
  simulator ??= import('@cloud-copilot/iam-simulate').then((m) => m.runSimulation);
  const simulate = await simulator;
  const response = await simulate(
    {
      request: {
        principal: request.caller,
        action: request.action,
        resource: { resource: request.resourceArn, accountId: request.resourceArn.split(':')[4] ?? '' },
        contextVariables: {
          'aws:PrincipalArn': request.principalArn,
          'aws:PrincipalAccount': request.account,
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
      resourcePolicy: request.policy,
    },
    {},
  );
  if (response.resultType !== 'single') {
    // DynamoDB refuses such a policy at PutResourcePolicy: the test's policy is wrong.
    throw new Error(
      `${request.who}: cannot evaluate the policy of ${request.resourceArn}: ${JSON.stringify('errors' in response ? response.errors : response)}`,
    );
  }
  return response.overallResult as 'Allowed' | 'ImplicitlyDenied' | 'ExplicitlyDenied';
}
