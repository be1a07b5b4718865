import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { ConfigError, sideClientConfig } from '@ddb-migrate/core';
import type { CliContext } from '../../context.js';
import type { GlobalOptions } from '../../options.js';
import type { CommandResult } from '../../output.js';
import { resolveSides, type SidesFlags } from '../../sides.js';
import { type DeployStackOptions, type DeployStackResult, deployStack } from './deploy-stack.js';
import { uploadCode } from './code.js';
import { planBootstrap, type StackPlan } from './preflight.js';
import { readTemplates } from './templates.js';

/** Typed options of `ddb-migrate bootstrap`. */
export interface BootstrapOptions extends GlobalOptions, SidesFlags {
  /** Role bootstrap assumes to deploy in the target account (not the one the stack creates). */
  targetRoleName?: string;
  stacks: 'both' | 'source' | 'target';
  /**
   * Where the CDC Lambda lives: `source` (the seed's layout: the source stack holds it) or `target`
   * (the target stack holds it and reads the source stream across accounts; the source stack only
   * the operator policy for the stream's resource policy). Unset: the deployed stacks' layout, or
   * `source` for new stacks. Anything else is refused before bootstrap reads or changes anything.
   */
  cdcAccount?: string;
  sourceStackName: string;
  targetStackName: string;
  sourceTableName?: string;
  targetTableName?: string;
  codeBucket?: string;
  codeKey?: string;
  codeS3Uri?: string;
  codeFile?: string;
  cdcLambdaFunctionName?: string;
  cdcLambdaRoleName?: string;
  targetS3BucketName?: string;
  /** Name of the cross-account role the target stack creates (template default cross_account_assume_role). */
  migrationRoleName?: string;
  operatorPrincipalArn?: string[];
  sourceParameter?: string[];
  targetParameter?: string[];
  templateDir?: string;
  /** Seconds between stack polls. */
  pollInterval: number;
}

/** Stack results and the identities they were deployed with. */
export interface BootstrapResult {
  sourceAccountId: string;
  targetAccountId: string;
  /** The account that holds the CDC Lambda, its DLQ and its role. */
  cdcAccount: 'source' | 'target';
  target?: DeployStackResult & { region: string };
  source?: DeployStackResult & { region: string };
  templatesDir: string;
  /** The migrate command that uses what was deployed. */
  nextCommand?: string;
}

/**
 * Deploys or updates the target stack (export bucket, cross-account role) with target-account
 * credentials, then the source stack (CDC Lambda, DLQ, alarms) with source credentials, from the
 * templates shipped with the CLI, printing stack events on stderr. With `cdcAccount: 'target'` the
 * function zip goes into a bucket of the target account, the target stack holds the CDC Lambda and
 * the source stack only the operator policy (CdcAccount=target in both templates). Every input of both stacks is
 * checked first ({@link planBootstrap}, read-only): a refusal changes nothing in either account.
 */
export async function runBootstrap(
  options: BootstrapOptions,
  ctx: CliContext,
): Promise<CommandResult<BootstrapResult>> {
  if (
    options.stacks !== 'source' &&
    options.targetProfile === undefined &&
    options.targetRoleArn === undefined &&
    (options.targetAccountId === undefined || options.targetRoleName === undefined)
  ) {
    throw new ConfigError(
      'bootstrap needs credentials that may deploy CloudFormation stacks in the target account',
      {
        hint:
          'Pass --target-profile, or --target-admin-role-arn, or --target-account-id with --target-admin-role-name naming an admin role ' +
          '(e.g. OrganizationAccountAccessRole); the role the target stack creates cannot deploy it',
      },
    );
  }
  if (
    options.cdcAccount !== undefined &&
    options.cdcAccount !== 'source' &&
    options.cdcAccount !== 'target'
  ) {
    throw new ConfigError(`--cdc-account must be source or target (got ${options.cdcAccount})`, {
      hint: 'Pass --cdc-account target to run the CDC Lambda in the target account, or omit it',
    });
  }
  const sides = resolveSides(options, ctx.env);
  const templates = readTemplates(options.templateDir);
  const pollIntervalMs = Math.max(50, options.pollInterval * 1000);
  const plan = await planBootstrap(options, sides, templates);

  // Changes start here.
  let target: BootstrapResult['target'];
  if (plan.target) {
    if (plan.upload && plan.uploadTo === 'target') await uploadCode(plan.upload, sides.target, ctx, 'target');
    target = await deploySide('target', plan.target, { stderr: ctx.stderr, pollIntervalMs });
  }
  let source: BootstrapResult['source'];
  if (plan.source) {
    if (plan.upload && plan.uploadTo === 'source') await uploadCode(plan.upload, sides.source, ctx);
    // The source layout's function assumes the role the target stack created.
    const roleName = plan.cdcAccount === 'source' ? target?.outputs.RoleName : undefined;
    const parameters = { ...plan.source.parameters, ...(roleName ? { TargetRoleName: roleName } : {}) };
    source = await deploySide(
      'source',
      { ...plan.source, parameters },
      { stderr: ctx.stderr, pollIntervalMs },
    );
  }

  const data: BootstrapResult = {
    sourceAccountId: plan.sourceAccountId,
    targetAccountId: plan.targetAccountId ?? '',
    cdcAccount: plan.cdcAccount,
    ...(target ? { target } : {}),
    ...(source ? { source } : {}),
    templatesDir: templates.dir,
  };
  const next = nextCommand(options, data, plan.targetTableName);
  if (next !== undefined) data.nextCommand = next;
  return { data, text: renderText(data) };
}

/** Deploys one side's stack with that side's credentials, tagged and labelled with the side. */
async function deploySide(
  label: 'source' | 'target',
  stack: StackPlan,
  progress: Omit<DeployStackOptions, 'label'>,
): Promise<DeployStackResult & { region: string }> {
  const cfn = new CloudFormationClient(sideClientConfig(stack.side));
  try {
    const result = await deployStack(
      cfn,
      {
        stackName: stack.stackName,
        templateBody: stack.templateBody,
        parameters: stack.parameters,
        tags: { 'ddb-migrate:stack': label },
      },
      { label, ...progress },
    );
    return { ...result, region: stack.side.region };
  } finally {
    cfn.destroy();
  }
}

function nextCommand(
  options: BootstrapOptions,
  data: BootstrapResult,
  targetTableName?: string,
): string | undefined {
  const roleArn = data.target?.outputs.RoleArn;
  const functionName =
    data.cdcAccount === 'target' ? data.target?.outputs.CdcFunctionName : data.source?.outputs.FunctionName;
  // With the function in the target account, the source stack (operator policy) must exist too.
  const sourceReady = data.source !== undefined;
  if (
    roleArn === undefined ||
    functionName === undefined ||
    !sourceReady ||
    options.sourceTableName === undefined
  )
    return undefined;
  return [
    'ddb-migrate migrate',
    `--source-region ${options.sourceRegion} --source-table-name ${options.sourceTableName}`,
    `--target-region ${data.target?.region} --target-table-name ${targetTableName}`,
    `--target-role-arn ${roleArn} --target-s3-bucket-name ${data.target?.outputs.BucketName}`,
    `--cdc-lambda-function-name ${functionName}`,
    ...(data.cdcAccount === 'target' ? ['--cdc-account target'] : []),
  ].join(' ');
}

function renderText(data: BootstrapResult): string {
  const lines: string[] = [];
  for (const [label, stack, account] of [
    ['target', data.target, data.targetAccountId],
    ['source', data.source, data.sourceAccountId],
  ] as const) {
    if (!stack) continue;
    lines.push(
      `${label} stack ${stack.stackName} (${stack.region}, account ${account}): ${stack.action}, ${stack.status}`,
    );
    for (const [key, value] of Object.entries(stack.outputs)) lines.push(`  ${key} = ${value}`);
  }
  if (data.nextCommand) lines.push('', 'Next:', `  ${data.nextCommand}`);
  return lines.join('\n');
}
