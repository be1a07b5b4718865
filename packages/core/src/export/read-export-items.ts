import { Readable, pipeline } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { createGunzip } from 'node:zlib';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { fromDynamoJson } from '../attribute-value/dynamo-json.js';
import type { Item } from '../attribute-value/types.js';
import { AwsCallError, MigrationError } from '../errors.js';
import type { S3ReadClient } from './s3-objects.js';

/** Options of {@link readExportItems}. */
export interface ReadExportItemsOptions {
  signal?: AbortSignal;
  expectedBucketOwner?: string;
}

/**
 * Streams the items of one export data file (DynamoDB JSON lines, `{"Item":{...}}`), gunzipping
 * when the key ends in `.gz` or the bytes start with the gzip magic. Items are raw AttributeValue
 * maps (binary at any depth becomes Uint8Array). The file is never held in memory: the body is
 * decompressed and split into lines as it arrives; breaking out of the loop closes the download.
 *
 * @throws MigrationError `EXPORT_LINE_INVALID` naming the file and line number (never the content).
 * @example
 * for await (const item of readExportItems(s3, bucket, file.key, { signal })) await writer.write({ type: 'put', item });
 */
export async function* readExportItems(
  s3: S3ReadClient,
  bucket: string,
  key: string,
  opts: ReadExportItemsOptions = {},
): AsyncGenerator<Item, void, undefined> {
  const { signal } = opts;
  let body: AsyncIterable<Uint8Array> & { destroy?: (err?: Error) => void };
  try {
    const out = await s3.send(
      new GetObjectCommand({
        Bucket: bucket,
        Key: key,
        ...(opts.expectedBucketOwner === undefined ? {} : { ExpectedBucketOwner: opts.expectedBucketOwner }),
      }),
      signal === undefined ? {} : { abortSignal: signal },
    );
    body = out.Body as unknown as typeof body;
  } catch (err) {
    if (signal?.aborted) throw signal.reason;
    throw new AwsCallError(`s3:GetObject s3://${bucket}/${key}`, err);
  }
  if (body === undefined || body === null) return;
  const onAbort = () => body.destroy?.(signal?.reason);
  signal?.addEventListener('abort', onAbort, { once: true });
  let lineNumber = 0;
  try {
    for await (const line of splitLines(decompressed(body, key))) {
      lineNumber += 1;
      if (signal?.aborted) throw signal.reason;
      if (line.trim() === '') continue;
      yield parseLine(line, key, lineNumber);
    }
  } catch (err) {
    if (signal?.aborted) throw signal.reason;
    throw err;
  } finally {
    signal?.removeEventListener('abort', onAbort);
    body.destroy?.();
  }
}

function parseLine(line: string, key: string, lineNumber: number): Item {
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch (err) {
    throw new MigrationError('EXPORT_LINE_INVALID', `Line ${lineNumber} of ${key} is not valid JSON`, {
      cause: err,
    });
  }
  const item = (parsed as { Item?: unknown } | null)?.Item;
  if (item === undefined || item === null || typeof item !== 'object') {
    throw new MigrationError('EXPORT_LINE_INVALID', `Line ${lineNumber} of ${key} has no "Item"`, {
      hint: 'Only full exports in DYNAMODB_JSON format can be read (not ION or incremental exports)',
    });
  }
  try {
    return fromDynamoJson(item);
  } catch (err) {
    throw new MigrationError(
      'EXPORT_LINE_INVALID',
      `Line ${lineNumber} of ${key} is not a DynamoDB JSON item`,
      {
        cause: err,
      },
    );
  }
}

/** The body's bytes, gunzipped when the key says `.gz` or the first bytes are the gzip magic (1f 8b). */
export async function* decompressed(
  body: AsyncIterable<Uint8Array>,
  key: string,
): AsyncGenerator<Uint8Array> {
  const iterator = body[Symbol.asyncIterator]();
  // Gather at least the two magic bytes (a stream may deliver them in separate chunks).
  const firstChunks: Uint8Array[] = [];
  let headLength = 0;
  while (headLength < 2) {
    const next = await iterator.next();
    if (next.done) break;
    firstChunks.push(next.value);
    headLength += next.value.length;
  }
  if (headLength === 0) return;
  const head = Buffer.concat(firstChunks);
  const rest: AsyncIterable<Uint8Array> = { [Symbol.asyncIterator]: () => iterator };
  const gzip = key.endsWith('.gz') || (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b);
  async function* all(): AsyncGenerator<Uint8Array> {
    yield head;
    yield* rest;
  }
  if (!gzip) {
    yield* all();
    return;
  }
  // pipeline() forwards a download error into the gunzip stream, so iteration rejects with it.
  const gunzip = pipeline(Readable.from(all(), { objectMode: false }), createGunzip(), () => {});
  try {
    for await (const chunk of gunzip) yield chunk as Buffer;
  } finally {
    gunzip.destroy();
  }
}

/** Splits UTF-8 bytes into lines (LF or CRLF) without joining the whole input. */
export async function* splitLines(chunks: AsyncIterable<Uint8Array>): AsyncGenerator<string> {
  const decoder = new StringDecoder('utf8');
  let pending = '';
  for await (const chunk of chunks) {
    pending += decoder.write(
      Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length),
    );
    let start = 0;
    for (let nl = pending.indexOf('\n'); nl >= 0; nl = pending.indexOf('\n', start)) {
      yield stripCr(pending.slice(start, nl));
      start = nl + 1;
    }
    pending = pending.slice(start);
  }
  pending += decoder.end();
  if (pending !== '') yield stripCr(pending);
}

function stripCr(line: string): string {
  return line.endsWith('\r') ? line.slice(0, -1) : line;
}
