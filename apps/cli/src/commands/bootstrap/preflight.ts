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
  /** --code-file: the zip read up front, and whether its bucket must be created first. */
  upload?: CodeUpload;
}

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
  OperatorPrincipalArns: '--operator-principal-arn',
  CodeS3Bucket: '--code-bucket/--code-key (or --code-s3-uri, or --code-file with --code-bucket)',
  CodeS3Key: '--code-bucket/--code-key (or --code-s3-uri, or --code-file with --code-bucket)',
};

/**
 * Reads both accounts and checks every input of both stacks before bootstrap changes anything:
 * identities, the stacks' states, the flags a new stack needs, every parameter against the
 * template's constraints, the names the stacks would create (export bucket, roles, function,
 * queue: free, or already the stack's), and the function code (readable file or S3 object, code
 * bucket ours or free).
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
  const plan: BootstrapPlan = { sourceAccountId: sourceCaller.account, targetTableName };

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

  if (deployTarget && targetAccountId !== undefined) {
    const operators =
      options.operatorPrincipalArn ??
      [principalArnFromCaller(sourceCaller.arn)].filter((arn): arn is string => arn !== undefined);
    if (operators.length === 0) {
      throw new ConfigError(`Cannot name an IAM principal for the source caller ${sourceCaller.arn}`, {
        hint: 'Pass --operator-principal-arn with the role or user ARN that will run ddb-migrate migrate',
      });
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
        CdcLambdaRoleName: options.cdcLambdaRoleName,
        ...parseParameterFlags('--target-parameter', options.targetParameter),
      }),
      requiredForCreate: ['TargetTableName'],
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
              : await namedResourceProblem({ kind: 'role', iam }, named('RoleName', role, ids)),
          ];
        } finally {
          iam.destroy();
          s3.destroy();
        }
      },
    });
  }

  if (deploySource) {
    const code = await checkCode(problems, options, sides.source);
    if (code.upload) plan.upload = code.upload;
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
      names: async (value, ids) => {
        const iam = new IAMClient(sideClientConfig(sides.source));
        const lambda = new LambdaClient(sideClientConfig(sides.source));
        const sqs = new SQSClient(sideClientConfig(sides.source));
        try {
          const fn = value('FunctionName');
          const role = value('FunctionRoleName');
          return [
            fn === undefined
              ? undefined
              : await namedResourceProblem({ kind: 'function', lambda }, named('FunctionName', fn, ids)),
            fn === undefined
              ? undefined
              : await namedResourceProblem({ kind: 'queue', sqs }, named('FunctionName', `${fn}-dlq`, ids)),
            role === undefined
              ? undefined
              : await namedResourceProblem({ kind: 'role', iam }, named('FunctionRoleName', role, ids)),
          ];
        } finally {
          iam.destroy();
          lambda.destroy();
          sqs.destroy();
        }
      },
    });
  }

  refuseOn(problems);
  return plan;

  function named(parameter: string, name: string, stackResources: ReadonlySet<string>) {
    const source = parameter === 'FunctionName' || parameter === 'FunctionRoleName';
    return {
      name,
      flag: FLAG[parameter] ?? parameter,
      account: (source ? sourceCaller.account : targetAccountId) ?? '',
      stackName: source ? options.sourceStackName : options.targetStackName,
      stackResources,
    };
  }
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
