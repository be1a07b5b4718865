import { mkdir, readdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  GetObjectCommand,
  ListObjectsV2Command,
  type ListObjectsV2CommandOutput,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { AwsCallError, ConfigError, sdkErrorName } from '@ddb-migrate/core';

/**
 * Where a fanned-out verify keeps its checkpoints and partial reports: an S3 prefix on AWS (the
 * Distributed Map's workers share it), a directory for `--engine local`. Keys are relative
 * (`checkpoints/r0000000-0000007.json`), always with `/`.
 */
export interface WorkStore {
  /** The object's text, or undefined when it does not exist. */
  read(key: string): Promise<string | undefined>;
  /** Creates or replaces the object (whole: S3 PutObject, or write-then-rename on disk). */
  write(key: string, body: string): Promise<void>;
  /** Keys under `prefix`, sorted. */
  list(prefix: string): Promise<string[]>;
  /** `s3://bucket/prefix/key` or the file path, for messages. */
  locate(key: string): string;
}

/** The parts of an `s3://bucket/prefix/` work URL. */
export function parseS3Url(url: string): { bucket: string; prefix: string } | undefined {
  const match = /^s3:\/\/([^/]+)\/?(.*)$/.exec(url);
  if (!match) return undefined;
  const prefix = match[2] ?? '';
  return { bucket: match[1]!, prefix: prefix === '' || prefix.endsWith('/') ? prefix : `${prefix}/` };
}

/** A {@link WorkStore} on an S3 prefix. */
export function s3WorkStore(s3: Pick<S3Client, 'send'>, bucket: string, prefix: string): WorkStore {
  const keyOf = (key: string) => `${prefix}${key}`;
  return {
    async read(key) {
      try {
        const out = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: keyOf(key) }));
        return (await out.Body?.transformToString('utf8')) ?? '';
      } catch (error) {
        if (sdkErrorName(error) === 'NoSuchKey') return undefined;
        throw new AwsCallError('GetObject', error, { hint: `Check access to s3://${bucket}/${prefix}` });
      }
    },
    async write(key, body) {
      try {
        await s3.send(
          new PutObjectCommand({
            Bucket: bucket,
            Key: keyOf(key),
            Body: body,
            ContentType:
              key.endsWith('.ndjson') || key.endsWith('.jsonl') ? 'application/x-ndjson' : 'application/json',
          }),
        );
      } catch (error) {
        throw new AwsCallError('PutObject', error, {
          hint: `Check write access to s3://${bucket}/${prefix}`,
        });
      }
    },
    async list(sub) {
      const keys: string[] = [];
      let token: string | undefined;
      do {
        let out: ListObjectsV2CommandOutput;
        try {
          out = await s3.send(
            new ListObjectsV2Command({ Bucket: bucket, Prefix: keyOf(sub), ContinuationToken: token }),
          );
        } catch (error) {
          throw new AwsCallError('ListObjectsV2', error, { hint: `Check s3:ListBucket on ${bucket}` });
        }
        for (const object of out.Contents ?? []) if (object.Key) keys.push(object.Key.slice(prefix.length));
        token = out.NextContinuationToken;
      } while (token);
      return keys.sort();
    },
    locate: (key) => `s3://${bucket}/${keyOf(key)}`,
  };
}

/** A {@link WorkStore} in a local directory (created on first write). */
export function directoryWorkStore(root: string): WorkStore {
  const pathOf = (key: string) => join(root, ...key.split('/'));
  return {
    async read(key) {
      try {
        return await readFile(pathOf(key), 'utf8');
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw error;
      }
    },
    async write(key, body) {
      const path = pathOf(key);
      await mkdir(dirname(path), { recursive: true });
      // Write-then-rename: a reader (or a crash) never sees half a checkpoint.
      const temp = `${path}.${process.pid}.tmp`;
      await writeFile(temp, body);
      await rename(temp, path);
    },
    async list(sub) {
      const keys: string[] = [];
      const walk = async (dir: string): Promise<void> => {
        let entries: import('node:fs').Dirent[];
        try {
          entries = await readdir(dir, { withFileTypes: true });
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
          throw error;
        }
        for (const entry of entries) {
          const path = join(dir, entry.name);
          if (entry.isDirectory()) await walk(path);
          else if (!entry.name.endsWith('.tmp')) keys.push(relative(root, path).split(sep).join('/'));
        }
      };
      await walk(root);
      return keys.filter((key) => key.startsWith(sub)).sort();
    },
    locate: (key) => pathOf(key),
  };
}

/**
 * The store a work URL names: `s3://bucket/prefix/` (through `s3`), or `file:///dir` / a plain
 * absolute path.
 *
 * @throws ConfigError for any other URL.
 */
export function openWorkStore(url: string, s3: () => Pick<S3Client, 'send'>): WorkStore {
  const s3Url = parseS3Url(url);
  if (s3Url) return s3WorkStore(s3(), s3Url.bucket, s3Url.prefix);
  if (url.startsWith('file://')) return directoryWorkStore(fileURLToPath(url));
  if (url.startsWith('/')) return directoryWorkStore(url);
  throw new ConfigError(`Work location "${url}" is neither s3://bucket/prefix/ nor a local directory`);
}
