import { CloudFormationClient, type Stack } from '@aws-sdk/client-cloudformation';
import { IAMClient } from '@aws-sdk/client-iam';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { SQSClient } from '@aws-sdk/client-sqs';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import {
  type AwsSideConfig,
  AwsCallError,
  ConfigError,
  createS3Client,
  createStsClient,
  PreflightError,
  sideClientConfig,
} from '@ddb-migrate/core';
import { type CodeUpload, checkCode } from './code.js';
import { describeStack, stackResourceIds, stackStateProblem } from './deploy-stack.js';
import { parseParameterFlags, principalArnFromCaller } from './parameters.js';
import { type BootstrapProblem, exportBucketProblem, namedResourceProblem } from './resource-checks.js';
import type { BootstrapOptions } from './run.js';
import { parameterProblems, readTemplateParameters, type TemplateParameter } from './template-parameters.js';
import type { StackTemplates } from './templates.js';

/** One stack as it will be deployed. */
export interface StackPlan {
  side: AwsSideConfig;
  stackName: string;
  templateBody: string;
  /** Parameters to set (the stack's other existing parameters keep their values). */
  parameters: Record<string, string>;
  existing?: Stack;
}

/** Everything bootstrap will do, worked out and checked before its first change. */
export interface BootstrapPlan {
  sourceAccountId: string;
  targetAccountId?: string;
  targetTableName?: string;
  target?: StackPlan;
  source?: StackPlan;
  /** Where the CDC Lambda lives (`--cdc-account`, or the deployed stacks' layout). */
  cdcAccount: CdcAccount;
  /** --code-file: the zip read up front, and whether its bucket must be created first. */
  upload?: CodeUpload;
  /** The account --code-file uploads to: the function's (the target's with --cdc-account target). */
  uploadTo?: CdcAccount;
}

/** Which account holds the CDC Lambda: the source stack's (the seed's layout) or the target stack's. */
export type CdcAccount = 'source' | 'target';

/** The flag behind each parameter bootstrap sets, for messages. */
const FLAG: Record<string, string> = {
  TargetTableName: '--target-table-name (or --source-table-name)',
  SourceTableName: '--source-table-name',
  TargetAccountId: '--target-account-id',
  BucketName: '--target-s3-bucket-name',
  RoleName: '--migration-role-name',
  TargetRoleName: '--migration-role-name',
  CdcLambdaRoleName: '--cdc-lambda-role-name',
  FunctionRoleName: '--cdc-lambda-role-name',
  FunctionName: '--cdc-lambda-function-name',
  CdcAccount: '--cdc-account',
  OperatorPrincipalArns: '--operator-principal-arn',
  CodeS3Bucket: '--code-bucket/--code-key (or --code-s3-uri, or --code-file with --code-bucket)',
  CodeS3Key: '--code-bucket/--code-key (or --code-s3-uri, or --code-file with --code-bucket)',
};

/**
 * Reads both accounts and checks every input of both stacks before bootstrap changes anything:
 * identities, the stacks' states, the flags a new stack needs, every parameter against the
 * template's constraints, the names the stacks would create (export bucket, roles, function,
 * queue: free, or already the stack's, in the account that will hold them), and the function
 * code (readable file or S3 object, code bucket ours or free). With --cdc-account target the
 * function, its role and DLQ belong to the target stack and the source stack holds only the
 * operator policy for the stream's resource policy; a deployed stack keeps its layout.
 *
 * @throws ConfigError / PreflightError (exit 2) naming every problem found; nothing is changed.
 */
export async function planBootstrap(
  options: BootstrapOptions,
  sides: { source: AwsSideConfig; target: AwsSideConfig },
  templates: StackTemplates,
): Promise<BootstrapPlan> {
  const deployTarget = options.stacks !== 'source';
  const deploySource = options.stacks !== 'target';
  const problems: BootstrapProblem[] = [];
  const sourceCaller = await callerIdentity(sides.source);
  const targetTableName = options.targetTableName ?? options.sourceTableName;
  let targetAccountId = options.targetAccountId ?? options.targetRoleArn?.split(':')[4];
  const plan: BootstrapPlan = {
    sourceAccountId: sourceCaller.account,
    targetTableName,
    cdcAccount: 'source',
  };

  if (deployTarget || (targetAccountId === undefined && options.targetProfile !== undefined)) {
    const targetCaller = await callerIdentity(sides.target);
    if (targetAccountId !== undefined && targetAccountId !== targetCaller.account) {
      throw new ConfigError(
        `The target credentials are in account ${targetCaller.account}, not ${targetAccountId}`,
        { hint: 'Check --target-account-id / --target-role-arn / --target-profile' },
      );
    }
    targetAccountId = targetCaller.account;
  }
  if (targetAccountId !== undefined) plan.targetAccountId = targetAccountId;
  const layout = await resolveLayout(problems, options, {
    ...(deployTarget ? { target: sides.target } : {}),
    ...(deploySource ? { source: sides.source } : {}),
  });
  plan.cdcAccount = layout;
  const cdcInTarget = layout === 'target';
  if (cdcInTarget && deployTarget && sides.source.region !== sides.target.region) {
    problems.push({
      code: 'CDC_ACCOUNT_TARGET_UNSUPPORTED',
      message: `--cdc-account target puts the CDC Lambda in the target stack's Region ${sides.target.region}, but the source table's stream is in ${sides.source.region} (an event source mapping reads a stream of its own Region)`,
      hint: 'Deploy the target stack in the source Region (--target-region), or use --cdc-account source',
    });
  }

  if (deployTarget && targetAccountId !== undefined) {
    const operators =
      options.operatorPrincipalArn ??
      [principalArnFromCaller(sourceCaller.arn)].filter((arn): arn is string => arn !== undefined);
    if (operators.length === 0) {
      throw new ConfigError(`Cannot name an IAM principal for the source caller ${sourceCaller.arn}`, {
        hint: 'Pass --operator-principal-arn with the role or user ARN that will run ddb-migrate migrate',
      });
    }
    const code = cdcInTarget ? await checkCode(problems, options, sides.target, 'target') : undefined;
    if (code?.upload) {
      plan.upload = code.upload;
      plan.uploadTo = 'target';
    }
    plan.target = await checkStack(problems, {
      label: 'target',
      side: sides.target,
      account: targetAccountId,
      stackName: options.targetStackName,
      templateBody: templates.target,
      parameters: defined({
        SourceAccountId: sourceCaller.account,
        OperatorPrincipalArns: operators.join(','),
        TargetTableName: targetTableName,
        RoleName: options.migrationRoleName,
        BucketName: options.targetS3BucketName,
        // The source layout passes no CdcAccount: a stack (or a --template-dir copy) from before
        // the parameter keeps working, and a new stack takes the default (source).
        ...(cdcInTarget
          ? {
              CdcAccount: 'target',
              SourceTableName: options.sourceTableName,
              SourceRegion: sides.source.region,
              CodeS3Bucket: code?.bucket,
              CodeS3Key: code?.key,
              FunctionName: options.cdcLambdaFunctionName,
              FunctionRoleName: options.cdcLambdaRoleName,
            }
          : { CdcLambdaRoleName: options.cdcLambdaRoleName }),
        ...parseParameterFlags('--target-parameter', options.targetParameter),
      }),
      requiredForCreate: cdcInTarget
        ? ['TargetTableName', 'SourceTableName', 'CodeS3Bucket', 'CodeS3Key']
        : ['TargetTableName'],
      names: async (value, ids) => {
        const iam = new IAMClient(sideClientConfig(sides.target));
        const s3 = createS3Client(sides.target);
        try {
          const bucket =
            value('BucketName') || `dynamodb-export-to-s3-${sides.target.region}-${targetAccountId}`;
          const role = value('RoleName');
          return [
            await exportBucketProblem(s3, {
              bucket,
              account: targetAccountId ?? '',
              stackName: options.targetStackName,
              stackResources: ids,
            }),
            role === undefined
              ? undefined
              : await namedResourceProblem({ kind: 'role', iam }, named('target', 'RoleName', role, ids)),
            ...(cdcInTarget ? await functionNameProblems('target', sides.target, value, ids) : []),
          ];
        } finally {
          iam.destroy();
          s3.destroy();
        }
      },
    });
  }

  if (deploySource && cdcInTarget) {
    // Only the operator policy: the stream's resource policy is put by migrate.
    plan.source = await checkStack(problems, {
      label: 'source',
      side: sides.source,
      account: sourceCaller.account,
      stackName: options.sourceStackName,
      templateBody: templates.source,
      parameters: defined({
        CdcAccount: 'target',
        SourceTableName: options.sourceTableName,
        ...parseParameterFlags('--source-parameter', options.sourceParameter),
      }),
      requiredForCreate: ['SourceTableName'],
      names: async () => [],
    });
  } else if (deploySource) {
    const code = await checkCode(problems, options, sides.source);
    if (code.upload) {
      plan.upload = code.upload;
      plan.uploadTo = 'source';
    }
    plan.source = await checkStack(problems, {
      label: 'source',
      side: sides.source,
      account: sourceCaller.account,
      stackName: options.sourceStackName,
      templateBody: templates.source,
      parameters: defined({
        CodeS3Bucket: code.bucket,
        CodeS3Key: code.key,
        SourceTableName: options.sourceTableName,
        TargetAccountId: targetAccountId,
        TargetRegion: sides.target.region,
        TargetTableName: targetTableName,
        TargetRoleName: options.migrationRoleName,
        FunctionName: options.cdcLambdaFunctionName,
        FunctionRoleName: options.cdcLambdaRoleName,
        ...parseParameterFlags('--source-parameter', options.sourceParameter),
      }),
      requiredForCreate: ['CodeS3Bucket', 'CodeS3Key', 'SourceTableName', 'TargetAccountId'],
      names: (value, ids) => functionNameProblems('source', sides.source, value, ids),
    });
  }

  refuseOn(problems);
  return plan;

  function named(account: CdcAccount, parameter: string, name: string, stackResources: ReadonlySet<string>) {
    return {
      name,
      flag: FLAG[parameter] ?? parameter,
      account: (account === 'source' ? sourceCaller.account : targetAccountId) ?? '',
      stackName: account === 'source' ? options.sourceStackName : options.targetStackName,
      stackResources,
    };
  }

  /** The CDC function, its DLQ and its role must be free in the account whose stack creates them. */
  async function functionNameProblems(
    account: CdcAccount,
    side: AwsSideConfig,
    value: (key: string) => string | undefined,
    ids: ReadonlySet<string>,
  ): Promise<(BootstrapProblem | undefined)[]> {
    const iam = new IAMClient(sideClientConfig(side));
    const lambda = new LambdaClient(sideClientConfig(side));
    const sqs = new SQSClient(sideClientConfig(side));
    try {
      const fn = value('FunctionName');
      const role = value('FunctionRoleName');
      return [
        fn === undefined
          ? undefined
          : await namedResourceProblem({ kind: 'function', lambda }, named(account, 'FunctionName', fn, ids)),
        fn === undefined
          ? undefined
          : await namedResourceProblem(
              { kind: 'queue', sqs },
              named(account, 'FunctionName', `${fn}-dlq`, ids),
            ),
        role === undefined
          ? undefined
          : await namedResourceProblem({ kind: 'role', iam }, named(account, 'FunctionRoleName', role, ids)),
      ];
    } finally {
      iam.destroy();
      lambda.destroy();
      sqs.destroy();
    }
  }
}

/** A deployed stack's layout: its CdcAccount parameter (a stack from before the parameter: source). */
function stackLayout(stack: Stack | undefined): CdcAccount | undefined {
  if (stack === undefined) return undefined;
  const value = stack.Parameters?.find((p) => p.ParameterKey === 'CdcAccount')?.ParameterValue;
  return value === 'target' ? 'target' : 'source';
}

/**
 * The layout to deploy: --cdc-account, else that of the stacks already deployed, else source.
 * Switching a deployed stack's layout would delete the CDC function (or the operator policy) a
 * running migration uses, so bootstrap refuses it; so it does when the two stacks disagree.
 */
async function resolveLayout(
  problems: BootstrapProblem[],
  options: BootstrapOptions,
  sides: { source?: AwsSideConfig; target?: AwsSideConfig },
): Promise<CdcAccount> {
  const deployed: { label: CdcAccount; stackName: string; layout: CdcAccount }[] = [];
  for (const label of ['target', 'source'] as const) {
    const side = sides[label];
    if (side === undefined) continue;
    const stackName = label === 'target' ? options.targetStackName : options.sourceStackName;
    const cfn = new CloudFormationClient(sideClientConfig(side));
    try {
      const layout = stackLayout(await describeStack(cfn, stackName));
      if (layout !== undefined) deployed.push({ label, stackName, layout });
    } finally {
      cfn.destroy();
    }
  }
  const given = options.cdcAccount as CdcAccount | undefined; // checked by runBootstrap
  const wanted = given ?? deployed[0]?.layout ?? 'source';
  for (const stack of deployed.filter((s) => s.layout !== wanted)) {
    problems.push({
      code: 'CDC_ACCOUNT_CHANGED',
      message: `The ${stack.label} stack ${stack.stackName} holds the CDC layout CdcAccount=${stack.layout}, not ${wanted}; bootstrap does not switch a deployed stack's layout (it would delete the CDC resources a migration may be using)`,
      hint:
        options.cdcAccount === undefined
          ? 'Pass --cdc-account to choose the layout, and deploy the other stack with the same one'
          : `Pass --cdc-account ${stack.layout} (or omit it), or delete the stack after ddb-migrate finish and run bootstrap again`,
    });
  }
  return wanted;
}

interface StackCheck {
  label: 'source' | 'target';
  side: AwsSideConfig;
  account: string;
  stackName: string;
  templateBody: string;
  parameters: Record<string, string>;
  requiredForCreate: string[];
  /** The names this stack would create, checked with `value` (explicit, previous or default). */
  names: (
    value: (key: string) => string | undefined,
    stackResources: ReadonlySet<string>,
  ) => Promise<(BootstrapProblem | undefined)[]>;
}

/** The stack's state, its parameters (explicit, kept, defaults) and the names it would create. */
async function checkStack(problems: BootstrapProblem[], check: StackCheck): Promise<StackPlan> {
  const cfn = new CloudFormationClient(sideClientConfig(check.side));
  try {
    const existing = await describeStack(cfn, check.stackName);
    const state = existing === undefined ? undefined : stackStateProblem(existing);
    if (state !== undefined) {
      problems.push(state);
      return {
        side: check.side,
        stackName: check.stackName,
        templateBody: check.templateBody,
        parameters: check.parameters,
      };
    }
    if (existing === undefined) {
      const missing = check.requiredForCreate.filter((key) => !check.parameters[key]);
      if (missing.length > 0) {
        problems.push({
          code: 'FLAGS_MISSING',
          message: `Creating the ${check.label} stack ${check.stackName} needs ${[...new Set(missing.map((key) => FLAG[key] ?? key))].join(', ')}`,
          hint: 'Pass the missing flags (they become the template parameters)',
        });
      }
    }
    const declared = readTemplateParameters(check.templateBody);
    if (declared !== undefined) {
      for (const message of parameterProblems(check.label, declared, check.parameters)) {
        const key = /parameter (\w+)/.exec(message)?.[1] ?? '';
        problems.push({
          code: 'PARAMETER_INVALID',
          message: FLAG[key] ? `${message} (from ${FLAG[key]})` : message,
          hint: 'Fix the value (or the --source-parameter/--target-parameter entry)',
        });
      }
    }
    const value = (key: string) => effectiveValue(key, check.parameters, existing, declared);
    const ids = existing === undefined ? new Set<string>() : await stackResourceIds(cfn, check.stackName);
    for (const problem of await check.names(value, ids)) if (problem) problems.push(problem);
    return {
      side: check.side,
      stackName: check.stackName,
      templateBody: check.templateBody,
      parameters: check.parameters,
      ...(existing === undefined ? {} : { existing }),
    };
  } finally {
    cfn.destroy();
  }
}

/** The value a parameter will have: set now, kept from the stack, or the template's default. */
function effectiveValue(
  key: string,
  parameters: Record<string, string>,
  existing: Stack | undefined,
  declared: Record<string, TemplateParameter> | undefined,
): string | undefined {
  if (key in parameters) return parameters[key];
  const previous = existing?.Parameters?.find((p) => p.ParameterKey === key)?.ParameterValue;
  if (previous !== undefined && previous !== '****') return previous;
  return declared?.[key]?.default;
}

/** One problem: its own line; several: all of them in one line, each with its fix. */
function refuseOn(problems: BootstrapProblem[]): void {
  const [first] = problems;
  if (first === undefined) return;
  if (problems.length === 1) throw new PreflightError(first.code, first.message, { hint: first.hint });
  throw new PreflightError(
    'BOOTSTRAP_PREFLIGHT',
    `bootstrap found ${problems.length} problems: ${problems.map((p, i) => `(${i + 1}) ${p.message}: ${p.hint}`).join('; ')}`,
    { hint: 'Nothing was changed; fix them and run bootstrap again' },
  );
}

async function callerIdentity(side: AwsSideConfig): Promise<{ account: string; arn: string }> {
  const sts = createStsClient(side);
  try {
    const out = await sts.send(new GetCallerIdentityCommand({}));
    return { account: out.Account ?? '', arn: out.Arn ?? '' };
  } catch (error) {
    throw new AwsCallError('GetCallerIdentity', error);
  } finally {
    sts.destroy();
  }
}

function defined(values: Record<string, string | undefined>): Record<string, string> {
  return Object.fromEntries(Object.entries(values).filter((e): e is [string, string] => e[1] !== undefined));
}
