import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import type { GetObjectCommand } from '@aws-sdk/client-s3';
import { sdkError } from '@ddb-migrate/test-kit';
import { describe, expect, it } from 'vitest';
import { exportIdFromArn } from '../../src/export/export-id.js';
import { exportRoots } from '../../src/export/locate-export.js';
import { readExportItems, splitLines } from '../../src/export/read-export-items.js';
import type { S3ReadClient } from '../../src/export/s3-objects.js';
import { verifyExportCounts } from '../../src/export/verify-export-counts.js';

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

/** Bytes delivered in small pieces, as a slow download would. */
function chunked(bytes: Buffer, size: number): Readable {
  const pieces: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += size) pieces.push(bytes.subarray(i, i + size));
  return Readable.from(pieces);
}

function fakeS3(objects: Record<string, () => Readable>): S3ReadClient & { destroyed: number } {
  const fake = {
    destroyed: 0,
    send: async (command: GetObjectCommand) => {
      const make = objects[command.input.Key as string];
      if (make === undefined) throw sdkError('NoSuchKey', 404);
      const body = make();
      body.on('close', () => {
        fake.destroyed += 1;
      });
      return { Body: body, $metadata: {} };
    },
  };
  return fake as unknown as S3ReadClient & { destroyed: number };
}

describe('exportIdFromArn', () => {
  it('takes the id after /export/', () => {
    expect(
      exportIdFromArn('arn:aws:dynamodb:us-east-1:123456789012:table/orders/export/01695353076000-a1b2c3d4'),
    ).toBe('01695353076000-a1b2c3d4');
  });

  it("tolerates moto's malformed export ARN by taking the last path segment", () => {
    expect(
      exportIdFromArn(
        'arn:aws:dynamodb:us-east-1:123456789012:table/arn:aws:dynamodb:us-east-1:123456789012:table/src/import/4c1e-9f',
      ),
    ).toBe('4c1e-9f');
  });

  it('rejects values that are not export ARNs', () => {
    expect(() => exportIdFromArn('orders')).toThrow(expect.objectContaining({ code: 'EXPORT_ARN_INVALID' }));
    expect(() => exportIdFromArn('arn:aws:dynamodb:us-east-1:1:table/')).toThrow(/not a DynamoDB export ARN/);
  });
});

describe('exportRoots', () => {
  it('handles empty, plain and slash-terminated prefixes', () => {
    expect(exportRoots('')).toEqual(['AWSDynamoDB/', '/AWSDynamoDB/']);
    expect(exportRoots('a/b')).toEqual(['a/b/AWSDynamoDB/']);
    expect(exportRoots('a/b/')).toEqual(['a/b/AWSDynamoDB/', 'a/b//AWSDynamoDB/']);
  });
});

describe('splitLines', () => {
  it('splits LF and CRLF lines across chunk boundaries, including inside multi-byte characters', async () => {
    const text = 'first 🙂\r\nsecond ü\n\nlast without newline ✓';
    const lines = await collect(splitLines(chunked(Buffer.from(text, 'utf8'), 3)));
    expect(lines).toEqual(['first 🙂', 'second ü', '', 'last without newline ✓']);
  });

  it('yields a line of ~1 MB that arrives in many chunks intact', async () => {
    const long = 'x'.repeat(1_000_000);
    const lines = await collect(splitLines(chunked(Buffer.from(`${long}\nshort\n`), 64 * 1024)));
    expect(lines.map((l) => l.length)).toEqual([1_000_000, 5]);
  });
});

describe('readExportItems', () => {
  const lines = [
    { Item: { pk: { S: 'a' }, n: { N: '12345678901234567890123456789012345678' } } },
    {
      Item: {
        pk: { S: 'b' },
        bin: { B: 'AAH/' },
        nested: { M: { l: { L: [{ B: 'AQI=' }, { BS: ['AQ==', 'Ag=='] }] } } },
      },
    },
  ];
  const ndjson = `${lines.map((l) => JSON.stringify(l)).join('\n')}\n`;

  it('gunzips a .gz file and decodes binary at any depth to bytes', async () => {
    const s3 = fakeS3({ 'p/data/x.json.gz': () => chunked(gzipSync(ndjson), 7) });
    const items = await collect(readExportItems(s3, 'bucket', 'p/data/x.json.gz'));
    expect(items).toHaveLength(2);
    expect(items[0]!.n).toEqual({ N: '12345678901234567890123456789012345678' });
    expect(items[1]!.bin!.B).toEqual(new Uint8Array([0, 1, 255]));
    const list = items[1]!.nested!.M!.l!.L!;
    expect(list[0]!.B).toEqual(new Uint8Array([1, 2]));
    expect(list[1]!.BS).toEqual([new Uint8Array([1]), new Uint8Array([2])]);
  });

  it('detects gzip by its magic bytes when the key has no .gz suffix, and reads plain text otherwise', async () => {
    const s3 = fakeS3({
      'gz-no-suffix': () => chunked(gzipSync(ndjson), 1),
      'plain.json': () => chunked(Buffer.from(ndjson), 5),
    });
    expect(await collect(readExportItems(s3, 'b', 'gz-no-suffix'))).toHaveLength(2);
    expect(await collect(readExportItems(s3, 'b', 'plain.json'))).toHaveLength(2);
  });

  it('names the file and line of a malformed line, without its content', async () => {
    const s3 = fakeS3({
      'bad.json': () => Readable.from([Buffer.from(`${ndjson}{"NotItem":{"secret":{"S":"v"}}}\n`)]),
    });
    const error = await collect(readExportItems(s3, 'b', 'bad.json')).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'EXPORT_LINE_INVALID', message: 'Line 3 of bad.json has no "Item"' });
  });

  it('closes the download when the consumer stops early', async () => {
    const many = `${Array.from({ length: 5000 }, (_, i) => JSON.stringify({ Item: { pk: { S: `k${i}` } } })).join('\n')}\n`;
    const s3 = fakeS3({ 'big.gz': () => chunked(gzipSync(many), 512) });
    for await (const item of readExportItems(s3, 'b', 'big.gz')) {
      expect(item.pk).toEqual({ S: 'k0' });
      break;
    }
    await new Promise((r) => setTimeout(r, 10));
    expect(s3.destroyed).toBe(1);
  });

  it('stops with the abort reason when the signal aborts', async () => {
    const many = `${Array.from({ length: 2000 }, (_, i) => JSON.stringify({ Item: { pk: { S: `k${i}` } } })).join('\n')}\n`;
    const s3 = fakeS3({ 'f.gz': () => chunked(gzipSync(many), 256) });
    const controller = new AbortController();
    let read = 0;
    const run = (async () => {
      for await (const _ of readExportItems(s3, 'b', 'f.gz', { signal: controller.signal })) {
        read += 1;
        if (read === 10) controller.abort(new Error('cancelled'));
      }
    })();
    await expect(run).rejects.toThrow('cancelled');
    expect(read).toBe(10);
  });
});

describe('verifyExportCounts', () => {
  const files = [
    { key: 'd/1.gz', itemCount: 3 },
    { key: 'd/2.gz', itemCount: 0 },
    { key: 'd/3.gz', itemCount: 5 },
  ];

  it('is ok when every file read its manifest count', () => {
    const check = verifyExportCounts(files, { 'd/1.gz': 3, 'd/2.gz': 0, 'd/3.gz': 5 }, { itemCount: 8 });
    expect(check).toEqual({ ok: true, read: 8, expected: 8, mismatches: [], unread: [] });
  });

  it('reports files whose count differs and files never read', () => {
    const check = verifyExportCounts(files, new Map([['d/1.gz', 2]]));
    expect(check.ok).toBe(false);
    expect(check.mismatches).toEqual([{ key: 'd/1.gz', expected: 3, read: 2 }]);
    expect(check.unread).toEqual(['d/3.gz']);
    expect(check.expected).toBe(8);
  });

  it('only reports the total when the files carry no counts (listing)', () => {
    expect(verifyExportCounts([{ key: 'a' }], { a: 10 })).toEqual({
      ok: true,
      read: 10,
      mismatches: [],
      unread: [],
    });
  });
});
