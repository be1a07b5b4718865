import {
  GetObjectCommand,
  ListObjectsV2Command,
  type ListObjectsV2CommandOutput,
  type S3Client,
} from '@aws-sdk/client-s3';
import { AwsCallError } from '../errors.js';

/** The S3 surface the export reader needs; an `S3Client` or a test double. */
export type S3ReadClient = Pick<S3Client, 'send'>;

/** The bucket and its expected owner, passed on every call (guards against a bucket-sniping attacker). */
export interface BucketRef {
  bucket: string;
  expectedBucketOwner?: string;
}

function ownerParam(ref: BucketRef) {
  return ref.expectedBucketOwner === undefined ? {} : { ExpectedBucketOwner: ref.expectedBucketOwner };
}

function isNotFound(err: unknown): boolean {
  const e = err as { name?: string; $metadata?: { httpStatusCode?: number } };
  return e?.name === 'NoSuchKey' || e?.name === 'NotFound' || e?.$metadata?.httpStatusCode === 404;
}

/** The object's text, or `undefined` when it does not exist. Meant for small objects (manifests). */
export async function getObjectText(
  s3: S3ReadClient,
  ref: BucketRef,
  key: string,
): Promise<string | undefined> {
  try {
    const out = await s3.send(new GetObjectCommand({ Bucket: ref.bucket, Key: key, ...ownerParam(ref) }));
    return (await out.Body?.transformToString('utf8')) ?? '';
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw new AwsCallError(`s3:GetObject s3://${ref.bucket}/${key}`, err);
  }
}

/** One listed object. */
export interface ListedObject {
  key: string;
  sizeBytes?: number;
}

/** Every object under `prefix` (all pages). */
export async function listAllObjects(
  s3: S3ReadClient,
  ref: BucketRef,
  prefix: string,
): Promise<ListedObject[]> {
  const objects: ListedObject[] = [];
  let token: string | undefined;
  do {
    const page = await listPage(s3, ref, prefix, token);
    for (const o of page.Contents ?? []) {
      if (o.Key === undefined || o.Key.endsWith('/')) continue; // folder markers
      objects.push(o.Size === undefined ? { key: o.Key } : { key: o.Key, sizeBytes: o.Size });
    }
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token !== undefined);
  return objects;
}

/** The "sub-directories" directly under `prefix` (CommonPrefixes with delimiter `/`). */
export async function listSubPrefixes(s3: S3ReadClient, ref: BucketRef, prefix: string): Promise<string[]> {
  const prefixes: string[] = [];
  let token: string | undefined;
  do {
    const page = await listPage(s3, ref, prefix, token, '/');
    for (const p of page.CommonPrefixes ?? []) if (p.Prefix !== undefined) prefixes.push(p.Prefix);
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token !== undefined);
  return prefixes;
}

/** True when at least one object exists under `prefix`. */
export async function hasObjects(s3: S3ReadClient, ref: BucketRef, prefix: string): Promise<boolean> {
  const page = await listPage(s3, ref, prefix, undefined, undefined, 1);
  return (page.Contents ?? []).length > 0;
}

async function listPage(
  s3: S3ReadClient,
  ref: BucketRef,
  prefix: string,
  token: string | undefined,
  delimiter?: string,
  maxKeys?: number,
): Promise<ListObjectsV2CommandOutput> {
  try {
    return await s3.send(
      new ListObjectsV2Command({
        Bucket: ref.bucket,
        Prefix: prefix,
        ...(token === undefined ? {} : { ContinuationToken: token }),
        ...(delimiter === undefined ? {} : { Delimiter: delimiter }),
        ...(maxKeys === undefined ? {} : { MaxKeys: maxKeys }),
        ...ownerParam(ref),
      }),
    );
  } catch (err) {
    throw new AwsCallError(`s3:ListObjectsV2 s3://${ref.bucket}/${prefix}`, err);
  }
}
