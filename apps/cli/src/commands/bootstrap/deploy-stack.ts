import {
  type CloudFormationClient,
  CreateStackCommand,
  DescribeStackEventsCommand,
  DescribeStackResourcesCommand,
  DescribeStacksCommand,
  type Parameter,
  type Stack,
  type StackEvent,
  UpdateStackCommand,
} from '@aws-sdk/client-cloudformation';
import { AwsCallError, ConfigError, MigrationError } from '@ddb-migrate/core';
import type { BootstrapProblem } from './resource-checks.js';

/** What one deploy did. */
export type StackAction = 'created' | 'updated' | 'unchanged';

export interface DeployStackInput {
  stackName: string;
  templateBody: string;
  /** Parameters to set; on update, every other existing parameter keeps its previous value. */
  parameters: Record<string, string>;
  /** Parameters a new stack cannot do without (checked before CreateStack). */
  requiredForCreate?: Record<string, string>;
  tags?: Record<string, string>;
}

export interface DeployStackOptions {
  /** Prefix of the progress lines ("target", "source"). */
  label: string;
  /** Progress lines (stack events) go here. */
  stderr: NodeJS.WritableStream;
  pollIntervalMs: number;
  /** Give up waiting after this long (the stack keeps going in CloudFormation). */
  timeoutMs?: number;
}

export interface DeployStackResult {
  stackName: string;
  stackId?: string;
  action: StackAction;
  status: string;
  outputs: Record<string, string>;
}

const SUCCESS = new Set(['CREATE_COMPLETE', 'UPDATE_COMPLETE']);

/**
 * Creates the stack, or updates it when it exists ("No updates are to be performed" counts as
 * success), then waits for a terminal status while printing new stack events. Needs
 * CAPABILITY_NAMED_IAM (both templates name their roles).
 *
 * @throws ConfigError when the stack is busy or stuck in ROLLBACK_COMPLETE (nothing is changed);
 *   MigrationError BOOTSTRAP_STACK_FAILED with the failed resources' reasons when it rolls back.
 */
export async function deployStack(
  cfn: CloudFormationClient,
  input: DeployStackInput,
  options: DeployStackOptions,
): Promise<DeployStackResult> {
  const existing = await describeStack(cfn, input.stackName);
  const unusable = existing === undefined ? undefined : stackStateProblem(existing);
  if (unusable !== undefined) throw new ConfigError(unusable.message, { hint: unusable.hint });
  if (existing === undefined) {
    const missing = Object.entries(input.requiredForCreate ?? {})
      .filter(([, value]) => value === '')
      .map(([flag]) => flag);
    if (missing.length > 0) {
      throw new ConfigError(`Creating stack ${input.stackName} needs ${missing.join(', ')}`, {
        hint: 'Pass the missing flags (they become the template parameters)',
      });
    }
  }

  const seen = new Set(
    (await recentEvents(cfn, input.stackName, existing !== undefined)).map((e) => e.EventId),
  );
  const parameters = toParameters(input.parameters, existing);
  const tags = Object.entries(input.tags ?? {}).map(([Key, Value]) => ({ Key, Value }));
  const common = {
    StackName: input.stackName,
    TemplateBody: input.templateBody,
    Parameters: parameters,
    Capabilities: ['CAPABILITY_NAMED_IAM' as const],
    Tags: tags,
  };
  let action: StackAction;
  try {
    if (existing === undefined) {
      options.stderr.write(`${options.label}: creating stack ${input.stackName}\n`);
      await cfn.send(new CreateStackCommand(common));
      action = 'created';
    } else {
      options.stderr.write(`${options.label}: updating stack ${input.stackName}\n`);
      await cfn.send(new UpdateStackCommand(common));
      action = 'updated';
    }
  } catch (error) {
    if (existing !== undefined && /No updates are to be performed/i.test(String((error as Error).message))) {
      options.stderr.write(`${options.label}: stack ${input.stackName} is up to date\n`);
      return resultOf(existing, 'unchanged');
    }
    throw new AwsCallError(existing === undefined ? 'CreateStack' : 'UpdateStack', error);
  }

  const stack = await waitForStack(cfn, input.stackName, seen, options);
  const status = stack.StackStatus ?? 'UNKNOWN';
  if (!SUCCESS.has(status)) {
    const reasons = (await recentEvents(cfn, input.stackName, true))
      .filter((e) => !seen.has(e.EventId) || e.ResourceStatus?.endsWith('FAILED'))
      .filter((e) => e.ResourceStatus?.endsWith('FAILED') && e.ResourceStatusReason)
      .map((e) => `${e.LogicalResourceId}: ${e.ResourceStatusReason}`);
    throw new MigrationError(
      'BOOTSTRAP_STACK_FAILED',
      `Stack ${input.stackName} ended in ${status}${reasons.length > 0 ? ` (${[...new Set(reasons)].join('; ')})` : ''}`,
      { hint: 'Fix the cause named above (parameters, permissions, code object) and run bootstrap again' },
    );
  }
  return resultOf(stack, action);
}

function resultOf(stack: Stack, action: StackAction): DeployStackResult {
  return {
    stackName: stack.StackName ?? '',
    ...(stack.StackId === undefined ? {} : { stackId: stack.StackId }),
    action,
    status: stack.StackStatus ?? 'UNKNOWN',
    outputs: Object.fromEntries((stack.Outputs ?? []).map((o) => [o.OutputKey ?? '', o.OutputValue ?? ''])),
  };
}

/**
 * Explicit parameters, plus the previous value of every other parameter the stack already has.
 * The value is passed back as read; only NoEcho values (read as "****") use UsePreviousValue,
 * because moto 5.2 fails UsePreviousValue for parameters that were left at their default.
 */
function toParameters(values: Record<string, string>, existing: Stack | undefined): Parameter[] {
  const parameters: Parameter[] = Object.entries(values).map(([ParameterKey, ParameterValue]) => ({
    ParameterKey,
    ParameterValue,
  }));
  for (const previous of existing?.Parameters ?? []) {
    if (!previous.ParameterKey || previous.ParameterKey in values) continue;
    parameters.push(
      previous.ParameterValue === undefined || previous.ParameterValue === '****'
        ? { ParameterKey: previous.ParameterKey, UsePreviousValue: true }
        : { ParameterKey: previous.ParameterKey, ParameterValue: previous.ParameterValue },
    );
  }
  return parameters;
}

/** Why an existing stack cannot be updated now (failed creation, busy, failed rollback), if it cannot. */
export function stackStateProblem(stack: Stack): BootstrapProblem | undefined {
  const name = stack.StackName ?? '';
  const state = stack.StackStatus ?? '';
  if (state === 'ROLLBACK_COMPLETE') {
    return {
      code: 'STACK_NOT_UPDATABLE',
      message: `Stack ${name} is in ROLLBACK_COMPLETE (its creation failed) and cannot be updated`,
      hint: `Delete it (aws cloudformation delete-stack --stack-name ${name}) and run bootstrap again`,
    };
  }
  if (state.endsWith('_IN_PROGRESS')) {
    return {
      code: 'STACK_NOT_UPDATABLE',
      message: `Stack ${name} is busy (${state})`,
      hint: 'Wait until it finishes, then run bootstrap again',
    };
  }
  if (state.endsWith('_FAILED') && state !== 'UPDATE_FAILED' && state !== 'CREATE_FAILED') {
    return {
      code: 'STACK_NOT_UPDATABLE',
      message: `Stack ${name} is in ${state} and cannot be updated`,
      hint: 'Resolve it in the CloudFormation console (continue the rollback or delete the stack), then run bootstrap again',
    };
  }
  return undefined;
}

/** Physical ids of the stack's resources (bucket names, role names, function names, queue URLs). */
export async function stackResourceIds(cfn: CloudFormationClient, stackName: string): Promise<Set<string>> {
  try {
    const out = await cfn.send(new DescribeStackResourcesCommand({ StackName: stackName }));
    return new Set(
      (out.StackResources ?? []).map((r) => r.PhysicalResourceId ?? '').filter((id) => id !== ''),
    );
  } catch (error) {
    throw new AwsCallError('DescribeStackResources', error);
  }
}

/** The stack, or undefined when it does not exist (or was deleted). */
export async function describeStack(
  cfn: CloudFormationClient,
  stackName: string,
): Promise<Stack | undefined> {
  try {
    const stack = (await cfn.send(new DescribeStacksCommand({ StackName: stackName }))).Stacks?.[0];
    return stack?.StackStatus === 'DELETE_COMPLETE' ? undefined : stack;
  } catch (error) {
    if (/does not exist/i.test(String((error as Error).message))) return undefined;
    throw new AwsCallError('DescribeStacks', error);
  }
}

/** The newest page of events (newest first), or none for a stack that does not exist. */
async function recentEvents(
  cfn: CloudFormationClient,
  stackName: string,
  exists: boolean,
): Promise<StackEvent[]> {
  if (!exists) return [];
  try {
    return (await cfn.send(new DescribeStackEventsCommand({ StackName: stackName }))).StackEvents ?? [];
  } catch (error) {
    throw new AwsCallError('DescribeStackEvents', error);
  }
}

async function waitForStack(
  cfn: CloudFormationClient,
  stackName: string,
  seen: Set<string | undefined>,
  options: DeployStackOptions,
): Promise<Stack> {
  const deadline = Date.now() + (options.timeoutMs ?? 60 * 60_000);
  for (;;) {
    const events = await recentEvents(cfn, stackName, true);
    for (const event of events.filter((e) => !seen.has(e.EventId)).reverse()) {
      seen.add(event.EventId);
      options.stderr.write(`${options.label}: ${formatEvent(event)}\n`);
    }
    const stack = await describeStack(cfn, stackName);
    if (stack === undefined)
      throw new MigrationError('BOOTSTRAP_STACK_FAILED', `Stack ${stackName} disappeared`);
    if (!stack.StackStatus?.endsWith('_IN_PROGRESS')) return stack;
    if (Date.now() > deadline) {
      throw new MigrationError('BOOTSTRAP_TIMEOUT', `Stack ${stackName} is still ${stack.StackStatus}`, {
        hint: 'Watch it in the CloudFormation console; run bootstrap again once it has finished',
      });
    }
    await new Promise((resolve) => setTimeout(resolve, options.pollIntervalMs));
  }
}

/** `12:00:01 CREATE_COMPLETE AWS::IAM::Role CrossAccountRole (reason)`. */
export function formatEvent(event: StackEvent): string {
  const time = event.Timestamp ? event.Timestamp.toISOString().slice(11, 19) : '--:--:--';
  const reason = event.ResourceStatusReason ? ` (${event.ResourceStatusReason})` : '';
  return `${time} ${event.ResourceStatus ?? ''} ${event.ResourceType ?? ''} ${event.LogicalResourceId ?? ''}${reason}`;
}
