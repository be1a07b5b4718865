import { type BucketLocationConstraint, CreateBucketCommand, type S3Client } from '@aws-sdk/client-s3';
import { uniqueName } from './names.js';

/**
 * Creates an S3 bucket with a unique name (bucket names are global in moto, across accounts and
 * Regions) and returns the name. The client should use `forcePathStyle: true` against moto.
 */
export async function createBucket(
  s3: S3Client,
  opts: { name?: string; region?: string } = {},
): Promise<string> {
  const name = opts.name ?? uniqueName('bucket');
  const region = opts.region ?? (await s3.config.region());
  await s3.send(
    new CreateBucketCommand({
      Bucket: name,
      ...(region && region !== 'us-east-1'
        ? { CreateBucketConfiguration: { LocationConstraint: region as BucketLocationConstraint } }
        : {}),
    }),
  );
  return name;
}
