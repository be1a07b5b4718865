import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { CreateBucketCommand, HeadBucketCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import {
  type AwsSideConfig,
  AwsCallError,
  ConfigError,
  createS3Client,
  createStsClient,
} from '@ddb-migrate/core';
import type { CliContext } from '../../context.js';
import type { GlobalOptions } from '../../options.js';
import type { CommandResult } from '../../output.js';
import { sideClientConfig } from '../../side-clients.js';
import { resolveSides, type SidesFlags } from '../../sides.js';
import {
  type DeployStackInput,
  type DeployStackOptions,
  type DeployStackResult,
  deployStack,
} from './deploy-stack.js';
import { parseParameterFlags, parseS3Uri, principalArnFromCaller } from './parameters.js';
import { readTemplates } from './templates.js';

/** Typed options of `ddb-migrate bootstrap`. */
export interface BootstrapOptions extends GlobalOptions, SidesFlags {
  /** Role bootstrap assumes to deploy in the target account (not the one the stack creates). */
  targetRoleName?: string;
  stacks: 'both' | 'source' | 'target';
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
  target?: DeployStackResult & { region: string };
  source?: DeployStackResult & { region: string };
  templatesDir: string;
  /** The migrate command that uses what was deployed. */
  nextCommand?: string;
}

/**
 * Deploys or updates the target stack (export bucket, cross-account role) with target-account
 * credentials, then the source stack (CDC Lambda, DLQ, alarms) with source credentials, from the
 * templates shipped with the CLI, printing stack events on stderr.
 */
export async function runBootstrap(
  options: BootstrapOptions,
  ctx: CliContext,
): Promise<CommandResult<BootstrapResult>> {
  const deployTarget = options.stacks !== 'source';
  const deploySource = options.stacks !== 'target';
  if (
    deployTarget &&
    options.targetProfile === undefined &&
    options.targetRoleArn === undefined &&
    (options.targetAccountId === undefined || options.targetRoleName === undefined)
  ) {
    throw new ConfigError(
      'bootstrap needs credentials that may deploy CloudFormation stacks in the target account',
      {
        hint:
          'Pass --target-profile, or --target-role-arn, or --target-account-id with --target-role-name naming an admin role ' +
          '(e.g. OrganizationAccountAccessRole); the role the target stack creates cannot deploy it',
      },
    );
  }
  const sides = resolveSides(options, ctx.env);
  const templates = readTemplates(options.templateDir);
  const pollIntervalMs = Math.max(50, options.pollInterval * 1000);
  const sourceCaller = await callerIdentity(sides.source);
  const sourceAccountId = sourceCaller.account;
  const targetTableName = options.targetTableName ?? options.sourceTableName;

  let targetAccountId = options.targetAccountId ?? options.targetRoleArn?.split(':')[4];
  let target: BootstrapResult['target'];
  if (deployTarget) {
    const targetCaller = await callerIdentity(sides.target);
    if (targetAccountId !== undefined && targetAccountId !== targetCaller.account) {
      throw new ConfigError(
        `The target credentials are in account ${targetCaller.account}, not ${targetAccountId}`,
        {
          hint: 'Check --target-account-id / --target-role-arn / --target-profile',
        },
      );
    }
    targetAccountId = targetCaller.account;
    const operators =
      options.operatorPrincipalArn ?? [principalArnFromCaller(sourceCaller.arn)].filter(isString);
    if (operators.length === 0) {
      throw new ConfigError(`Cannot name an IAM principal for the source caller ${sourceCaller.arn}`, {
        hint: 'Pass --operator-principal-arn with the role or user ARN that will run ddb-migrate migrate',
      });
    }
    const parameters = defined({
      SourceAccountId: sourceAccountId,
      OperatorPrincipalArns: operators.join(','),
      TargetTableName: targetTableName,
      RoleName: options.migrationRoleName,
      BucketName: options.targetS3BucketName,
      CdcLambdaRoleName: options.cdcLambdaRoleName,
      ...parseParameterFlags('--target-parameter', options.targetParameter),
    });
    target = await deploySide(
      'target',
      sides.target,
      {
        stackName: options.targetStackName,
        templateBody: templates.target,
        parameters,
        requiredForCreate: {
          '--target-table-name (or --source-table-name)': parameters.TargetTableName ?? '',
        },
      },
      { stderr: ctx.stderr, pollIntervalMs },
    );
  }
  if (deploySource && targetAccountId === undefined && options.targetProfile !== undefined) {
    targetAccountId = (await callerIdentity(sides.target)).account;
  }

  let source: BootstrapResult['source'];
  if (deploySource) {
    const code = await resolveCode(options, sides.source, ctx);
    const parameters = defined({
      CodeS3Bucket: code.bucket,
      CodeS3Key: code.key,
      SourceTableName: options.sourceTableName,
      TargetAccountId: targetAccountId,
      TargetRegion: sides.target.region,
      TargetTableName: targetTableName,
      TargetRoleName: target?.outputs.RoleName ?? options.migrationRoleName,
      FunctionName: options.cdcLambdaFunctionName,
      FunctionRoleName: options.cdcLambdaRoleName,
      ...parseParameterFlags('--source-parameter', options.sourceParameter),
    });
    source = await deploySide(
      'source',
      sides.source,
      {
        stackName: options.sourceStackName,
        templateBody: templates.source,
        parameters,
        requiredForCreate: {
          '--code-bucket/--code-key (or --code-s3-uri)': parameters.CodeS3Key ?? '',
          '--source-table-name': parameters.SourceTableName ?? '',
          '--target-account-id': parameters.TargetAccountId ?? '',
        },
      },
      { stderr: ctx.stderr, pollIntervalMs },
    );
  }

  const data: BootstrapResult = {
    sourceAccountId,
    targetAccountId: targetAccountId ?? '',
    ...(target ? { target } : {}),
    ...(source ? { source } : {}),
    templatesDir: templates.dir,
  };
  const next = nextCommand(options, data, targetTableName);
  if (next !== undefined) data.nextCommand = next;
  return { data, text: renderText(data) };
}

/** The function code: --code-s3-uri, or --code-bucket/--code-key, uploading --code-file first. */
async function resolveCode(
  options: BootstrapOptions,
  side: AwsSideConfig,
  ctx: CliContext,
): Promise<{ bucket?: string; key?: string }> {
  const fromUri = options.codeS3Uri === undefined ? undefined : parseS3Uri(options.codeS3Uri);
  const bucket = fromUri?.bucket ?? options.codeBucket;
  let key = fromUri?.key ?? options.codeKey;
  if (options.codeFile === undefined) return { bucket, key };
  if (bucket === undefined) {
    throw new ConfigError('--code-file needs --code-bucket (a bucket in the source account and region)', {
      hint: 'Pass --code-bucket my-code-bucket',
    });
  }
  key ??= `ddb-migrate/${basename(options.codeFile)}`;
  const body = readFileSync(options.codeFile);
  const s3 = createS3Client(side);
  try {
    try {
      await s3.send(new HeadBucketCommand({ Bucket: bucket }));
    } catch (error) {
      if ((error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode !== 404) {
        throw new AwsCallError('HeadBucket', error);
      }
      ctx.stderr.write(`source: creating code bucket ${bucket}\n`);
      await s3.send(
        new CreateBucketCommand({
          Bucket: bucket,
          ...(side.region === 'us-east-1'
            ? {}
            : { CreateBucketConfiguration: { LocationConstraint: side.region as never } }),
        }),
      );
    }
    ctx.stderr.write(
      `source: uploading ${options.codeFile} (${body.length} bytes) to s3://${bucket}/${key}\n`,
    );
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
  } catch (error) {
    throw error instanceof AwsCallError ? error : new AwsCallError('PutObject', error);
  } finally {
    s3.destroy();
  }
  return { bucket, key };
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

/** Deploys one side's stack with that side's credentials, tagged and labelled with the side. */
async function deploySide(
  label: 'source' | 'target',
  side: AwsSideConfig,
  input: Omit<DeployStackInput, 'tags'>,
  progress: Omit<DeployStackOptions, 'label'>,
): Promise<DeployStackResult & { region: string }> {
  const result = await deployStack(
    new CloudFormationClient(sideClientConfig(side)),
    { ...input, tags: { 'ddb-migrate:stack': label } },
    { label, ...progress },
  );
  return { ...result, region: side.region };
}

function nextCommand(
  options: BootstrapOptions,
  data: BootstrapResult,
  targetTableName?: string,
): string | undefined {
  const roleArn = data.target?.outputs.RoleArn;
  const functionName = data.source?.outputs.FunctionName;
  if (roleArn === undefined || functionName === undefined || options.sourceTableName === undefined)
    return undefined;
  return [
    'ddb-migrate migrate',
    `--source-region ${options.sourceRegion} --source-table-name ${options.sourceTableName}`,
    `--target-region ${data.target?.region} --target-table-name ${targetTableName}`,
    `--target-role-arn ${roleArn} --target-s3-bucket-name ${data.target?.outputs.BucketName}`,
    `--cdc-lambda-function-name ${functionName}`,
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

function defined(values: Record<string, string | undefined>): Record<string, string> {
  return Object.fromEntries(Object.entries(values).filter((e): e is [string, string] => e[1] !== undefined));
}

function isString(value: string | undefined): value is string {
  return value !== undefined;
}
