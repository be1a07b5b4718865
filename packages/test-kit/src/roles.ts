import { CreateRoleCommand, type IAMClient, PutRolePolicyCommand } from '@aws-sdk/client-iam';
import { uniqueName } from './names.js';

const LAMBDA_TRUST_POLICY = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }],
});

/**
 * Creates an IAM role Lambda can assume, in the account of the client's credentials, and returns its
 * ARN. moto's CreateFunction requires the role to exist. An inline allow-all policy is attached by
 * default (IAM is not enforced unless a test turns it on).
 */
export async function createLambdaRole(
  iam: IAMClient,
  opts: { name?: string; inlinePolicy?: Record<string, unknown> | false } = {},
): Promise<string> {
  const name = opts.name ?? uniqueName('lambda-role');
  const out = await iam.send(
    new CreateRoleCommand({ RoleName: name, AssumeRolePolicyDocument: LAMBDA_TRUST_POLICY }),
  );
  if (opts.inlinePolicy !== false) {
    const policy = opts.inlinePolicy ?? {
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }],
    };
    await iam.send(
      new PutRolePolicyCommand({
        RoleName: name,
        PolicyName: 'inline',
        PolicyDocument: JSON.stringify(policy),
      }),
    );
  }
  return out.Role?.Arn as string;
}
