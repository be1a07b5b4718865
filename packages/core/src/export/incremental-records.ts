import { GetObjectCommand } from '@aws-sdk/client-s3';
import { fromDynamoJson } from '../attribute-value/dynamo-json.js';
import type { Item } from '../attribute-value/types.js';
import { AwsCallError, MigrationError } from '../errors.js';
import { decompressed, type ReadExportItemsOptions, splitLines } from './read-export-items.js';
import type { S3ReadClient } from './s3-objects.js';

/**
 * One line of an incremental export: the item's key and its state at the end of the window. An
 * insert or update has `newImage`; a delete has none (NEW_AND_OLD_IMAGES gives it `oldImage`,
 * NEW_IMAGE only the keys). Images are raw AttributeValue maps, never unmarshalled.
 */
export interface IncrementalRecord {
  keys: Item;
  newImage?: Item;
  oldImage?: Item;
  /** Metadata.WriteTimestampMicros: when the change was written, in microseconds since the epoch. */
  writeTimestampMicros: number;
}

/**
 * Streams the records of one incremental-export data file (gzip JSON lines
 * `{"Metadata":{"WriteTimestampMicros":{"N":"…"}},"Keys":{…},"NewImage":{…},"OldImage":{…}}`),
 * one at a time: the body is gunzipped and split as it arrives, never held whole; breaking out of
 * the loop closes the download. Format: DynamoDB Developer Guide, "DynamoDB table export output
 * format", incremental export output
 * (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/S3DataExport.Output.html).
 *
 * @throws MigrationError `EXPORT_LINE_INVALID` naming the file and line number (never its content).
 * @example
 * for await (const r of readIncrementalRecords(s3, bucket, file.key, { signal }))
 *   await writer.write(r.newImage ? { type: 'put', item: r.newImage } : { type: 'delete', key: r.keys });
 */
export async function* readIncrementalRecords(
  s3: S3ReadClient,
  bucket: string,
  key: string,
  opts: ReadExportItemsOptions = {},
): AsyncGenerator<IncrementalRecord, void, undefined> {
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
      yield parseIncrementalLine(line, key, lineNumber);
    }
  } catch (err) {
    if (signal?.aborted) throw signal.reason;
    throw err;
  } finally {
    signal?.removeEventListener('abort', onAbort);
    body.destroy?.();
  }
}

/**
 * One incremental-export line as a record. Exported for tests and for readers of other sources.
 *
 * @throws MigrationError `EXPORT_LINE_INVALID` (names `key` and the line number, never the content).
 */
export function parseIncrementalLine(line: string, key: string, lineNumber: number): IncrementalRecord {
  const invalid = (what: string, cause?: unknown) =>
    new MigrationError('EXPORT_LINE_INVALID', `Line ${lineNumber} of ${key} ${what}`, {
      hint: 'Only incremental exports in DYNAMODB_JSON format can be read here',
      ...(cause === undefined ? {} : { cause }),
    });
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch (err) {
    throw invalid('is not valid JSON', err);
  }
  if (typeof parsed !== 'object' || parsed === null) throw invalid('is not a JSON object');
  const { Metadata, Keys, NewImage, OldImage } = parsed as Record<string, unknown>;
  const micros = (Metadata as { WriteTimestampMicros?: { N?: unknown } } | undefined)?.WriteTimestampMicros
    ?.N;
  if (typeof micros !== 'string' || !/^\d+$/.test(micros) || !Number.isSafeInteger(Number(micros)))
    throw invalid('has no Metadata.WriteTimestampMicros');
  const image = (value: unknown, name: string): Item | undefined => {
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'object') throw invalid(`has a ${name} that is not a map`);
    try {
      return fromDynamoJson(value);
    } catch (err) {
      throw invalid(`has a ${name} that is not DynamoDB JSON`, err);
    }
  };
  const keys = image(Keys, 'Keys');
  if (keys === undefined || Object.keys(keys).length === 0) throw invalid('has no "Keys"');
  const newImage = image(NewImage, 'NewImage');
  const oldImage = image(OldImage, 'OldImage');
  return {
    keys,
    ...(newImage === undefined ? {} : { newImage }),
    ...(oldImage === undefined ? {} : { oldImage }),
    writeTimestampMicros: Number(micros),
  };
}
