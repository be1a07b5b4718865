import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import type { S3Client } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import {
  describeImportCounts,
  expectedExportItemCount,
  importCounts,
} from '../src/steps/import-completeness.js';

/** An S3 stand-in serving gzipped export data files from memory. */
function fakeS3(files: Record<string, string[]>): S3Client & { gets: string[] } {
  const gets: string[] = [];
  return {
    gets,
    send: async (command: { input: { Key: string } }) => {
      gets.push(command.input.Key);
      const lines = files[command.input.Key] ?? [];
      return { Body: Readable.from([gzipSync(`${lines.join('\n')}\n`)]) };
    },
  } as unknown as S3Client & { gets: string[] };
}

const line = (i: number) => JSON.stringify({ Item: { pk: { S: `k${i}` } } });

describe('import completeness', () => {
  it('is complete only when ImportedItemCount equals the export count and nothing errored', () => {
    const expected = { items: 10, source: 'export' as const };
    expect(importCounts(expected, { ImportedItemCount: 10, ErrorCount: 0 }).complete).toBe(true);
    expect(importCounts(expected, { ImportedItemCount: 0, ErrorCount: 0 }).complete).toBe(false);
    expect(importCounts(expected, { ImportedItemCount: 9, ErrorCount: 1 }).complete).toBe(false);
    expect(importCounts(expected, { ImportedItemCount: 10, ErrorCount: 2 }).complete).toBe(false);
    expect(importCounts(expected, { ProcessedItemCount: 10 }).complete).toBe(false);
  });

  it('names both counts, the error count and the failure code', () => {
    const counts = importCounts(
      { items: 1200, source: 'data-files' },
      { ImportedItemCount: 0, ErrorCount: 3, FailureCode: 'ItemValidationError' },
    );
    expect(describeImportCounts(counts)).toBe(
      'imported 0 items of the 1,200 in the export data files (ErrorCount 3, FailureCode ItemValidationError)',
    );
  });

  it("takes the export's count first, then the manifest, and counts data-file lines only when neither has one", async () => {
    const s3 = fakeS3({ a: [line(1), line(2), line(3)], b: [line(4)] });
    const files = [{ key: 'a' }, { key: 'b' }];
    const base = { files, s3, bucket: 'bucket' };
    expect(
      await expectedExportItemCount({ ...base, exportItemCount: 7, manifest: { itemCount: 9 } }),
    ).toEqual({
      items: 7,
      source: 'export',
    });
    expect(await expectedExportItemCount({ ...base, manifest: { itemCount: 9 } })).toEqual({
      items: 9,
      source: 'manifest',
    });
    expect(
      await expectedExportItemCount({
        ...base,
        files: [
          { key: 'a', itemCount: 3 },
          { key: 'b', itemCount: 2 },
        ],
      }),
    ).toEqual({ items: 5, source: 'manifest' });
    expect(s3.gets).toEqual([]);
    expect(await expectedExportItemCount(base)).toEqual({ items: 4, source: 'data-files' });
    expect(s3.gets).toEqual(['a', 'b']);
  });
});
