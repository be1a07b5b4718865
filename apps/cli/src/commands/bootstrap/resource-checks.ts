import { GetRoleCommand, type IAMClient } from '@aws-sdk/client-iam';
import { GetFunctionCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import { HeadBucketCommand, HeadObjectCommand, ListBucketsCommand, type S3Client } from '@aws-sdk/client-s3';
import { GetQueueUrlCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { AwsCallError, type ErrorCode, sdkErrorName } from '@ddb-migrate/core';

/** One reason bootstrap refuses before it changes anything, with its fix. */
export interface BootstrapProblem {
  code: ErrorCode;
  message: string;
  hint: string;
}

/** Physical ids of the resources a stack already owns (their names are not "taken" for it). */
export type StackResources = ReadonlySet<string>;

const status = (error: unknown) =>
  (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
const denied = (error: unknown) =>
  status(error) === 403 || /AccessDenied|UnauthorizedOperation/.test(sdkErrorName(error) ?? '');

/** `HeadBucket`: 'free' (404), 'ours' / 'foreign' (exists; owner by ListBuckets), 'elsewhere' (301). */
export async function bucketOwnership(
  s3: Pick<S3Client, 'send'>,
  bucket: string,
): Promise<'free' | 'ours' | 'foreign' | 'exists' | 'elsewhere'> {
  try {
    await s3.send(new HeadBucketCommand({ Bucket: bucket }));
  } catch (error) {
    if (status(error) === 404) return 'free';
    if (status(error) === 403) return 'foreign';
    if (status(error) === 301) return 'elsewhere';
    throw new AwsCallError('HeadBucket', error);
  }
  // HeadBucket also answers 200 for another account's bucket that grants access: ask who owns it.
  try {
    const out = await s3.send(new ListBucketsCommand({ Prefix: bucket }));
    return (out.Buckets ?? []).some((b) => b.Name === bucket) ? 'ours' : 'foreign';
  } catch (error) {
    if (denied(error)) return 'exists';
    throw new AwsCallError('ListBuckets', error);
  }
}

/** The export bucket must be free, or already the target stack's. */
export async function exportBucketProblem(
  s3: Pick<S3Client, 'send'>,
  input: { bucket: string; account: string; stackName: string; stackResources: StackResources },
): Promise<BootstrapProblem | undefined> {
  if (input.stackResources.has(input.bucket)) return undefined;
  const owner = await bucketOwnership(s3, input.bucket);
  if (owner === 'free') return undefined;
  const hint = 'Pass --target-s3-bucket-name with a free name';
  if (owner === 'ours' || owner === 'exists') {
    return {
      code: 'BUCKET_EXISTS',
      message: `The export bucket ${input.bucket} already exists${owner === 'ours' ? ` in the target account ${input.account}` : ''} and is not part of stack ${input.stackName}, so CloudFormation cannot create it`,
      hint: `${hint}, or delete the bucket first`,
    };
  }
  return {
    code: 'BUCKET_NAME_TAKEN',
    message: `The export bucket name ${input.bucket} is taken by another AWS account${owner === 'elsewhere' ? ' (in another Region)' : ''} (bucket names are global)`,
    hint,
  };
}

/** The bucket --code-file uploads to: free (bootstrap creates it) or the function account's own. */
export async function codeBucketProblem(
  s3: Pick<S3Client, 'send'>,
  bucket: string,
  account: 'source' | 'target' = 'source',
): Promise<{ problem?: BootstrapProblem; create: boolean }> {
  const owner = await bucketOwnership(s3, bucket);
  if (owner === 'free') return { create: true };
  if (owner === 'ours' || owner === 'exists') return { create: false };
  return {
    create: false,
    problem: {
      code: 'BUCKET_NAME_TAKEN',
      message: `The code bucket ${bucket} belongs to another AWS account${owner === 'elsewhere' ? ' or Region' : ''}`,
      hint: `Pass --code-bucket with a bucket of the ${account} account in the ${account} Region (or a free name: bootstrap creates it)`,
    },
  };
}

/** The function zip named by --code-bucket/--code-key (or --code-s3-uri) must be readable. */
export async function codeObjectProblem(
  s3: Pick<S3Client, 'send'>,
  bucket: string,
  key: string,
  account: 'source' | 'target' = 'source',
): Promise<BootstrapProblem | undefined> {
  try {
    await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
    return undefined;
  } catch (error) {
    if (status(error) === 404 || status(error) === 403 || status(error) === 301) {
      return {
        code: 'CODE_NOT_FOUND',
        message: `The function code s3://${bucket}/${key} ${status(error) === 404 ? 'does not exist' : `cannot be read with the ${account} credentials`}`,
        hint: 'Upload the Lambda zip there, or pass --code-file dist/function.zip with --code-bucket to let bootstrap upload it',
      };
    }
    throw new AwsCallError('HeadObject', error);
  }
}

/** A name the stack would create, and how to look it up in the account (read-only). */
export type NamedResource =
  | { kind: 'role'; iam: Pick<IAMClient, 'send'> }
  | { kind: 'function'; lambda: Pick<LambdaClient, 'send'> }
  | { kind: 'queue'; sqs: Pick<SQSClient, 'send'> };

const WHAT = { role: 'IAM role', function: 'Lambda function', queue: 'SQS queue' } as const;
const OPERATION = { role: 'GetRole', function: 'GetFunction', queue: 'GetQueueUrl' } as const;

/**
 * A name the stack would create (IAM role, Lambda function, SQS queue) must be free in the
 * account, or already the stack's. Without the permission to look, CloudFormation decides.
 */
export async function namedResourceProblem(
  resource: NamedResource,
  input: { name: string; flag: string; account: string; stackName: string; stackResources: StackResources },
): Promise<BootstrapProblem | undefined> {
  const ours = [...input.stackResources].some((id) => id === input.name || id.endsWith(`/${input.name}`));
  if (ours) return undefined;
  try {
    if (resource.kind === 'role') await resource.iam.send(new GetRoleCommand({ RoleName: input.name }));
    else if (resource.kind === 'function') {
      await resource.lambda.send(new GetFunctionCommand({ FunctionName: input.name }));
    } else await resource.sqs.send(new GetQueueUrlCommand({ QueueName: input.name }));
  } catch (error) {
    if (/NoSuchEntity|ResourceNotFound|QueueDoesNotExist|NonExistentQueue/.test(sdkErrorName(error) ?? ''))
      return undefined;
    if (status(error) === 404 || denied(error)) return undefined;
    throw new AwsCallError(OPERATION[resource.kind], error);
  }
  const what = WHAT[resource.kind];
  return {
    code: 'RESOURCE_NAME_TAKEN',
    message: `The ${what} ${input.name} already exists in account ${input.account} and is not part of stack ${input.stackName}, so CloudFormation cannot create it`,
    hint: `Pass ${input.flag} with another name, or delete the ${what} first`,
  };
}
