import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { CreateBucketCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { type AwsSideConfig, AwsCallError, ConfigError, createS3Client } from '@ddb-migrate/core';
import type { CliContext } from '../../context.js';
import { parseS3Uri } from './parameters.js';
import { type BootstrapProblem, codeBucketProblem, codeObjectProblem } from './resource-checks.js';
import type { BootstrapOptions } from './run.js';

/** --code-file: the zip read up front, and whether its bucket must be created first. */
export interface CodeUpload {
  file: string;
  body: Buffer;
  bucket: string;
  key: string;
  createBucket: boolean;
}

/**
 * The function code: --code-s3-uri, or --code-bucket/--code-key; --code-file read and its bucket
 * checked, in the account that holds the function (`account`: the source account, or the target
 * account with --cdc-account target).
 */
export async function checkCode(
  problems: BootstrapProblem[],
  options: BootstrapOptions,
  side: AwsSideConfig,
  account: 'source' | 'target' = 'source',
): Promise<{ bucket?: string; key?: string; upload?: CodeUpload }> {
  const fromUri = options.codeS3Uri === undefined ? undefined : parseS3Uri(options.codeS3Uri);
  const bucket = fromUri?.bucket ?? options.codeBucket;
  const key = fromUri?.key ?? options.codeKey;
  if (options.codeFile === undefined) {
    if (bucket === undefined || key === undefined) return { bucket, key };
    const s3 = createS3Client(side);
    try {
      const problem = await codeObjectProblem(s3, bucket, key, account);
      if (problem) problems.push(problem);
    } finally {
      s3.destroy();
    }
    return { bucket, key };
  }
  if (bucket === undefined) {
    throw new ConfigError(`--code-file needs --code-bucket (a bucket in the ${account} account and region)`, {
      hint: 'Pass --code-bucket my-code-bucket',
    });
  }
  const uploadKey = key ?? `ddb-migrate/${basename(options.codeFile)}`;
  let body: Buffer | undefined;
  try {
    body = readFileSync(options.codeFile);
  } catch (error) {
    problems.push({
      code: 'CODE_FILE_UNREADABLE',
      message: `Cannot read --code-file ${options.codeFile} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`,
      hint: 'Point --code-file at the Lambda zip (pnpm build writes packages/cdc-lambda/dist/function.zip)',
    });
  }
  const s3 = createS3Client(side);
  try {
    const { problem, create } = await codeBucketProblem(s3, bucket, account);
    if (problem) problems.push(problem);
    return {
      bucket,
      key: uploadKey,
      ...(body === undefined
        ? {}
        : { upload: { file: options.codeFile, body, bucket, key: uploadKey, createBucket: create } }),
    };
  } finally {
    s3.destroy();
  }
}

/** --code-file: creates the code bucket when preflight found it free, then uploads the zip. */
export async function uploadCode(
  upload: CodeUpload,
  side: AwsSideConfig,
  ctx: CliContext,
  label: 'source' | 'target' = 'source',
): Promise<void> {
  const s3 = createS3Client(side);
  try {
    if (upload.createBucket) {
      ctx.stderr.write(`${label}: creating code bucket ${upload.bucket}\n`);
      try {
        await s3.send(
          new CreateBucketCommand({
            Bucket: upload.bucket,
            ...(side.region === 'us-east-1'
              ? {}
              : { CreateBucketConfiguration: { LocationConstraint: side.region as never } }),
          }),
        );
      } catch (error) {
        throw new AwsCallError('CreateBucket', error);
      }
    }
    ctx.stderr.write(
      `${label}: uploading ${upload.file} (${upload.body.length} bytes) to s3://${upload.bucket}/${upload.key}\n`,
    );
    try {
      await s3.send(new PutObjectCommand({ Bucket: upload.bucket, Key: upload.key, Body: upload.body }));
    } catch (error) {
      throw new AwsCallError('PutObject', error);
    }
  } finally {
    s3.destroy();
  }
}
