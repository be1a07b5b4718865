import { gzipSync } from 'node:zlib';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { createBucket, createTable, generateItems, isolatedSides, scanAll } from '@ddb-migrate/test-kit';
import { describe, expect, it } from 'vitest';
import type { ExportDataFile } from '../../src/export/locate-export.js';
import { toDynamoJson } from '../../src/attribute-value/dynamo-json.js';
import { loadExportFiles } from '../../src/write/load-export-files.js';

async function setup(files: number, perFile: number) {
  const sides = isolatedSides();
  const ddb = new DynamoDBClient(sides.target);
  const s3 = new S3Client({ ...sides.target, forcePathStyle: true });
  const table = await createTable(ddb, { partitionKey: 'pk' });
  const bucket = await createBucket(s3);
  const items = generateItems(files * perFile, { seed: 7 });
  const dataFiles: ExportDataFile[] = [];
  for (let f = 0; f < files; f++) {
    const lines = items
      .slice(f * perFile, (f + 1) * perFile)
      .map((item) => JSON.stringify({ Item: toDynamoJson(item) }));
    const key = `x/AWSDynamoDB/1-a/data/f${f}.json.gz`;
    await s3.send(
      new PutObjectCommand({ Bucket: bucket, Key: key, Body: gzipSync(`${lines.join('\n')}\n`) }),
    );
    dataFiles.push({ key });
  }
  const base = {
    s3,
    bucket,
    files: dataFiles,
    client: ddb,
    tableName: table.name,
    keyNames: { partitionKey: 'pk' },
  };
  return { ddb, table: table.name, base, dataFiles };
}

describe('loadExportFiles on moto', () => {
  it('reports each file done with its own counts, and stops starting files when shouldStop says so', async () => {
    const ctx = await setup(3, 30);
    const done: { key: string; items: number; calls: number }[] = [];

    const result = await loadExportFiles({
      ...ctx.base,
      fileConcurrency: 1,
      shouldStop: () => done.length >= 1,
      onFileDone: (file, items, stats) => {
        done.push({ key: file.key, items, calls: stats.calls });
      },
    });

    expect(done).toEqual([{ key: ctx.dataFiles[0]!.key, items: 30, calls: 2 }]);
    expect(result).toMatchObject({ files: 1, items: 30, calls: 2, failedItems: 0, filesLeft: 2 });
    expect(await scanAll(ctx.ddb, ctx.table)).toHaveLength(30);
  });

  it('throws LOAD_WRITE_FAILED on items it cannot write, or counts them with onFileFailed and goes on', async () => {
    const ctx = await setup(2, 5);
    const missing = { ...ctx.base, tableName: 'no-such-table-x' };

    await expect(loadExportFiles(missing)).rejects.toMatchObject({ code: 'LOAD_WRITE_FAILED' });
    const failed: string[] = [];
    const result = await loadExportFiles({ ...missing, onFileFailed: (file) => void failed.push(file.key) });
    expect(result).toMatchObject({ files: 0, items: 0, failedItems: 10, filesLeft: 0 });
    expect(failed.sort()).toEqual(ctx.dataFiles.map((f) => f.key));
  });
});
