import {
  type CloudFormationClient,
  CreateStackCommand,
  DescribeStacksCommand,
  ListStackResourcesCommand,
  type Stack,
} from '@aws-sdk/client-cloudformation';

/** Creates a stack and waits until it leaves *_IN_PROGRESS; returns the final description. */
export async function createStackAndWait(
  cfn: CloudFormationClient,
  stackName: string,
  templateBody: string,
  parameters: Record<string, string>,
): Promise<Stack> {
  await cfn.send(
    new CreateStackCommand({
      StackName: stackName,
      TemplateBody: templateBody,
      Capabilities: ['CAPABILITY_NAMED_IAM'],
      Parameters: Object.entries(parameters).map(([ParameterKey, ParameterValue]) => ({
        ParameterKey,
        ParameterValue,
      })),
    }),
  );
  for (let attempt = 0; attempt < 240; attempt += 1) {
    const stack = (await cfn.send(new DescribeStacksCommand({ StackName: stackName }))).Stacks?.[0];
    if (stack?.StackStatus && !stack.StackStatus.endsWith('_IN_PROGRESS')) return stack;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`stack ${stackName} still in progress after 60 s`);
}

/** Stack outputs as a plain map. */
export function outputsOf(stack: Stack): Record<string, string> {
  return Object.fromEntries((stack.Outputs ?? []).map((o) => [o.OutputKey ?? '', o.OutputValue ?? '']));
}

/** Resource types moto actually created for a stack (it lists unsupported ones with an empty type). */
export async function createdResourceTypes(cfn: CloudFormationClient, stackName: string): Promise<string[]> {
  const out = await cfn.send(new ListStackResourcesCommand({ StackName: stackName }));
  return (out.StackResourceSummaries ?? [])
    .map((r) => r.ResourceType ?? '')
    .filter((type) => type !== '')
    .sort();
}

/** A name unique to this test run (moto's bucket names are global; role names are per account). */
export function uniqueName(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 7)}`;
}
