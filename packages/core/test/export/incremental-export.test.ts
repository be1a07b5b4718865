import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import type { GetObjectCommand } from '@aws-sdk/client-s3';
import { sdkError } from '@ddb-migrate/test-kit';
import { describe, expect, it } from 'vitest';
import { locateIncrementalExport } from '../../src/export/incremental-manifest.js';
import { parseIncrementalLine, readIncrementalRecords } from '../../src/export/incremental-records.js';
import type { S3ReadClient } from '../../src/export/s3-objects.js';

// Layout and line format: DynamoDB Developer Guide, "DynamoDB table export output format",
// incremental export output (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/S3DataExport.Output.html):
// manifests under <prefix>/AWSDynamoDB/<exportId>/, data files in the shared <prefix>/AWSDynamoDB/data/.

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

/** Objects by key; bodies delivered in small pieces, as a slow download would. */
function fakeS3(objects: Record<string, Buffer | string>): S3ReadClient & { gets: string[] } {
  const gets: string[] = [];
  return {
    gets,
    send: async (command: GetObjectCommand) => {
      const key = command.input.Key as string;
      gets.push(key);
      const bytes = objects[key];
      if (bytes === undefined) throw sdkError('NoSuchKey', 404);
      const buf = Buffer.from(bytes);
      const pieces: Buffer[] = [];
      for (let i = 0; i < buf.length; i += 7) pieces.push(buf.subarray(i, i + 7));
      const body = Readable.from(pieces) as Readable & { transformToString(): Promise<string> };
      body.transformToString = async () => buf.toString('utf8');
      return { Body: body, $metadata: {} };
    },
  } as unknown as S3ReadClient & { gets: string[] };
}

const line = (o: unknown) => JSON.stringify(o);
const ARN = 'arn:aws:dynamodb:us-east-1:111111111111:table/src/export/01700000000000-abcd1234';

describe('readIncrementalRecords', () => {
  it('streams inserts, updates and deletes of a NEW_AND_OLD_IMAGES file as raw AttributeValues', async () => {
    const body = gzipSync(
      [
        line({
          Metadata: { WriteTimestampMicros: { N: '1700000000000001' } },
          Keys: { pk: { S: 'a' } },
          NewImage: { pk: { S: 'a' }, n: { N: '12345678901234567890123456789012345678' }, b: { B: 'AAE=' } },
        }),
        line({
          Metadata: { WriteTimestampMicros: { N: '1700000000000002' } },
          Keys: { pk: { S: 'b' } },
          OldImage: { pk: { S: 'b' }, v: { S: 'old' } },
          NewImage: { pk: { S: 'b' }, v: { S: 'new' } },
        }),
        '',
        line({
          Metadata: { WriteTimestampMicros: { N: '1700000000000003' } },
          Keys: { pk: { S: 'c' } },
          OldImage: { pk: { S: 'c' } },
        }),
      ].join('\n'),
    );
    const s3 = fakeS3({ 'p/AWSDynamoDB/data/x.json.gz': body });
    const records = await collect(readIncrementalRecords(s3, 'bkt', 'p/AWSDynamoDB/data/x.json.gz'));
    expect(records).toEqual([
      {
        keys: { pk: { S: 'a' } },
        newImage: {
          pk: { S: 'a' },
          n: { N: '12345678901234567890123456789012345678' },
          b: { B: new Uint8Array([0, 1]) },
        },
        writeTimestampMicros: 1700000000000001,
      },
      {
        keys: { pk: { S: 'b' } },
        newImage: { pk: { S: 'b' }, v: { S: 'new' } },
        oldImage: { pk: { S: 'b' }, v: { S: 'old' } },
        writeTimestampMicros: 1700000000000002,
      },
      { keys: { pk: { S: 'c' } }, oldImage: { pk: { S: 'c' } }, writeTimestampMicros: 1700000000000003 },
    ]);
  });

  it('reads a NEW_IMAGE delete, which carries the keys only', () => {
    const record = parseIncrementalLine(
      line({ Metadata: { WriteTimestampMicros: { N: '5' } }, Keys: { pk: { S: 'a' }, sk: { N: '1' } } }),
      'k',
      1,
    );
    expect(record).toEqual({ keys: { pk: { S: 'a' }, sk: { N: '1' } }, writeTimestampMicros: 5 });
  });

  it('names the file and line of a broken line, never its content', () => {
    const secret = 'card-4111111111111111';
    const noKeys = line({ Metadata: { WriteTimestampMicros: { N: '5' } }, NewImage: { pk: { S: secret } } });
    expect(() => parseIncrementalLine(noKeys, 'data/x.json.gz', 3)).toThrow(
      expect.objectContaining({
        code: 'EXPORT_LINE_INVALID',
        message: 'Line 3 of data/x.json.gz has no "Keys"',
      }),
    );
    const noTime = line({ Keys: { pk: { S: secret } } });
    expect(() => parseIncrementalLine(noTime, 'f', 1)).toThrow(/no Metadata.WriteTimestampMicros/);
    const full = line({ Item: { pk: { S: secret } } });
    expect(() => parseIncrementalLine(full, 'f', 1)).toThrow(
      expect.objectContaining({ code: 'EXPORT_LINE_INVALID' }),
    );
    expect(() => parseIncrementalLine('{"Keys":', 'f', 9)).toThrow(/Line 9 of f is not valid JSON/);
    try {
      parseIncrementalLine(noKeys, 'f', 1);
    } catch (err) {
      expect(String((err as Error).message)).not.toContain(secret);
    }
  });
});

describe('locateIncrementalExport', () => {
  const summary = (more: Record<string, unknown> = {}) =>
    JSON.stringify({
      version: '2023-08-01',
      exportArn: ARN,
      exportFromTime: '2026-01-01T00:00:00.000Z',
      exportToTime: '2026-01-02T00:00:00.000Z',
      manifestFilesS3Key: 'p/AWSDynamoDB/01700000000000-abcd1234/manifest-files.json',
      itemCount: 3,
      outputFormat: 'DYNAMODB_JSON',
      outputView: 'NEW_IMAGE',
      exportType: 'INCREMENTAL_EXPORT',
      ...more,
    });
  const files = [
    line({ itemCount: 2, md5Checksum: 'x', etag: 'e', dataFileS3Key: 'p/AWSDynamoDB/data/one.json.gz' }),
    line({ itemCount: 1, md5Checksum: 'y', etag: 'f', dataFileS3Key: 'p/AWSDynamoDB/data/two.json.gz' }),
  ].join('\n');

  it('lists the files of the manifest in the shared data folder, with counts and the view type', async () => {
    const s3 = fakeS3({
      'p/AWSDynamoDB/01700000000000-abcd1234/manifest-summary.json': summary(),
      'p/AWSDynamoDB/01700000000000-abcd1234/manifest-files.json': files,
    });
    const located = await locateIncrementalExport(s3, { bucket: 'b', prefix: 'p', exportArn: ARN });
    expect(located.files).toEqual([
      { key: 'p/AWSDynamoDB/data/one.json.gz', itemCount: 2, md5Checksum: 'x' },
      { key: 'p/AWSDynamoDB/data/two.json.gz', itemCount: 1, md5Checksum: 'y' },
    ]);
    expect(located.viewType).toBe('NEW_IMAGE');
    expect(located.manifest.exportToTime).toBe('2026-01-02T00:00:00.000Z');
  });

  it('never guesses from the shared data folder: no manifest is EXPORT_FILES_NOT_FOUND', async () => {
    const s3 = fakeS3({ 'p/AWSDynamoDB/data/one.json.gz': 'x' });
    await expect(
      locateIncrementalExport(s3, { bucket: 'b', prefix: 'p', exportArn: ARN }),
    ).rejects.toMatchObject({
      code: 'EXPORT_FILES_NOT_FOUND',
    });
  });

  it("refuses a full export's manifest", async () => {
    const s3 = fakeS3({
      'p/AWSDynamoDB/01700000000000-abcd1234/manifest-summary.json': summary({ exportType: 'FULL_EXPORT' }),
    });
    await expect(
      locateIncrementalExport(s3, { bucket: 'b', prefix: 'p', exportArn: ARN }),
    ).rejects.toMatchObject({
      code: 'EXPORT_MANIFEST_INVALID',
    });
  });
});
