import { gzipSync } from 'node:zlib';
import {
  DescribeExportCommand,
  type DynamoDBClient,
  ExportTableToPointInTimeCommand,
  UpdateContinuousBackupsCommand,
} from '@aws-sdk/client-dynamodb';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import {
  createBucket,
  createTable,
  generateItems,
  scanAll,
  sourceSide,
  TARGET_ACCOUNT,
  TARGET_ROLE_NAME,
  uniqueName,
} from '@ddb-migrate/test-kit';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { itemsEqual } from '../../src/attribute-value/equality.js';
import { canonicalKey, extractKey } from '../../src/attribute-value/key.js';
import type { Item } from '../../src/attribute-value/types.js';
import { assumeRoleCredentials } from '../../src/clients/assume-role.js';
import type { AwsSideConfig } from '../../src/clients/aws-side-config.js';
import { createDynamoDbClient, createS3Client } from '../../src/clients/create-clients.js';
import { roleArnFromName } from '../../src/clients/role-arn.js';
import { locateExportDataFiles } from '../../src/export/locate-export.js';
import { readExportItems } from '../../src/export/read-export-items.js';
import { verifyExportCounts } from '../../src/export/verify-export-counts.js';
import { batchWrite } from '../../src/write/batch-writer.js';

const keyNames = { partitionKey: 'pk' };
const source: AwsSideConfig = sourceSide();
const target: AwsSideConfig = {
  ...source,
  credentials: assumeRoleCredentials(source, { roleArn: roleArnFromName(TARGET_ACCOUNT, TARGET_ROLE_NAME) }),
};

async function readAll(s3: S3Client, bucket: string, keys: string[]) {
  const items: Item[] = [];
  const counts = new Map<string, number>();
  for (const key of keys) {
    let n = 0;
    for await (const item of readExportItems(s3, bucket, key, { expectedBucketOwner: TARGET_ACCOUNT })) {
      items.push(item);
      n += 1;
    }
    counts.set(key, n);
  }
  return { items, counts };
}

function hasNestedBinary(value: AttributeValue, depth = 0): boolean {
  if (value.B !== undefined || value.BS !== undefined) return depth > 0;
  if (value.M !== undefined) return Object.values(value.M).some((v) => hasNestedBinary(v, depth + 1));
  if (value.L !== undefined) return value.L.some((v) => hasNestedBinary(v, depth + 1));
  return false;
}

async function exportTo(
  ddb: DynamoDBClient,
  tableArn: string,
  bucket: string,
  prefix: string,
): Promise<string> {
  const started = await ddb.send(
    new ExportTableToPointInTimeCommand({
      TableArn: tableArn,
      S3Bucket: bucket,
      S3BucketOwner: TARGET_ACCOUNT,
      S3Prefix: prefix,
      ExportFormat: 'DYNAMODB_JSON',
    }),
  );
  const arn = started.ExportDescription!.ExportArn!;
  for (let i = 0; i < 200; i += 1) {
    const d = await ddb.send(new DescribeExportCommand({ ExportArn: arn }));
    if (d.ExportDescription?.ExportStatus === 'COMPLETED') return arn;
    if (d.ExportDescription?.ExportStatus === 'FAILED')
      throw new Error(`export failed: ${d.ExportDescription.FailureMessage}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error('export did not complete');
}

describe('export reader on an export moto wrote (cross-account bucket)', () => {
  const sourceDdb = createDynamoDbClient(source);
  const targetS3 = createS3Client(target);
  let table: { name: string; arn: string };
  let expected: Map<string, Item>;

  beforeAll(async () => {
    table = await createTable(sourceDdb, { name: uniqueName('exp-src') });
    await sourceDdb.send(
      new UpdateContinuousBackupsCommand({
        TableName: table.name,
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      }),
    );
    const written = await batchWrite(
      sourceDdb,
      generateItems(400, { seed: 21, largeEvery: 200 }).map((item) => ({ type: 'put' as const, item })),
      { tableName: table.name, keyNames },
    );
    expect(written.failed).toEqual([]);
    const stored = await scanAll(sourceDdb, table.name);
    expected = new Map(stored.map((item) => [canonicalKey(extractKey(item, keyNames), keyNames), item]));
  });

  it.each([
    ['a unique prefix', () => `${uniqueName('exports')}/run`],
    ['an empty prefix', () => ''],
  ])('locates and reads every item, binary at any depth included, from %s', async (_, prefixOf) => {
    const bucket = await createBucket(targetS3 as never, {});
    const prefix = prefixOf();
    const exportArn = await exportTo(sourceDdb, table.arn, bucket, prefix);

    const located = await locateExportDataFiles(targetS3, {
      bucket,
      prefix,
      exportArn,
      expectedBucketOwner: TARGET_ACCOUNT,
    });
    expect(located.source).toBe('listing');
    expect(located.files.length).toBeGreaterThan(0);
    expect(located.dataPrefix).toMatch(/AWSDynamoDB\/[^/]+\/data\/$/);
    expect(located.files.every((f) => f.key.startsWith(located.dataPrefix))).toBe(true);

    const { items, counts } = await readAll(
      targetS3,
      bucket,
      located.files.map((f) => f.key),
    );
    expect(verifyExportCounts(located.files, counts).read).toBe(expected.size);
    expect(items).toHaveLength(expected.size);
    const different = items.filter((item) => {
      const want = expected.get(canonicalKey(extractKey(item, keyNames), keyNames));
      return want === undefined || !itemsEqual(want, item);
    });
    expect(different).toHaveLength(0);
    expect(items.some((item) => Object.values(item).some((v) => v.B instanceof Uint8Array))).toBe(true);
    expect(items.some((item) => Object.values(item).some((v) => hasNestedBinary(v)))).toBe(true);
  });
});

describe('export reader on hand-written AWS layouts', () => {
  const s3 = createS3Client(target);
  const exportId = '01700000000000-abcd1234';
  const arn = (id = exportId) => `arn:aws:dynamodb:us-east-1:123456789012:table/orders/export/${id}`;
  const line = (pk: string) => JSON.stringify({ Item: { pk: { S: pk }, b: { B: 'AAH/' } } });
  let bucket: string;

  const put = (key: string, body: string | Uint8Array) =>
    s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));

  beforeAll(async () => {
    bucket = await createBucket(s3 as never, {});
    const root = `hand/AWSDynamoDB/${exportId}`;
    await put(`${root}/_started`, '');
    await put(`${root}/data/a.json.gz`, gzipSync(`${['a1', 'a2', 'a3'].map(line).join('\n')}\n`));
    await put(`${root}/data/b.json.gz`, gzipSync(`${['b1', 'b2'].map(line).join('\n')}\n`));
    await put(
      `${root}/manifest-summary.json`,
      JSON.stringify({
        version: '2020-06-30',
        exportArn: arn(),
        itemCount: 5,
        outputFormat: 'DYNAMODB_JSON',
        manifestFilesS3Key: `${root}/manifest-files.json`,
      }),
    );
    // One key without the S3Prefix (2020 example), one with it (incremental example).
    await put(
      `${root}/manifest-files.json`,
      [
        { itemCount: 3, md5Checksum: 'x', dataFileS3Key: `AWSDynamoDB/${exportId}/data/a.json.gz` },
        { itemCount: 2, md5Checksum: 'y', dataFileS3Key: `${root}/data/b.json.gz` },
      ]
        .map((l) => JSON.stringify(l))
        .join('\n'),
    );
    // An export without a manifest, found by listing its own data folder.
    await put(`listed/AWSDynamoDB/${exportId}/data/c.json.gz`, gzipSync(`${line('c1')}\n`));
    // Two foreign export folders without manifests under one prefix.
    await put('shared/AWSDynamoDB/one/data/x.json.gz', gzipSync(`${line('x')}\n`));
    await put('shared/AWSDynamoDB/two/data/y.json.gz', gzipSync(`${line('y')}\n`));
  });

  it.each(['hand', 'hand/'])(
    'reads the manifest files with or without the prefix in their keys (prefix %j)',
    async (prefix) => {
      const located = await locateExportDataFiles(s3, { bucket, prefix, exportArn: arn() });
      expect(located.source).toBe('manifest');
      expect(located.manifest?.itemCount).toBe(5);
      expect(located.dataPrefix).toBe(`hand/AWSDynamoDB/${exportId}/data/`);
      expect(located.files).toEqual([
        { key: `hand/AWSDynamoDB/${exportId}/data/a.json.gz`, itemCount: 3, md5Checksum: 'x' },
        { key: `hand/AWSDynamoDB/${exportId}/data/b.json.gz`, itemCount: 2, md5Checksum: 'y' },
      ]);
      const { items, counts } = await readAll(
        s3,
        bucket,
        located.files.map((f) => f.key),
      );
      expect(items.map((i) => i.pk?.S)).toEqual(['a1', 'a2', 'a3', 'b1', 'b2']);
      expect(items[0]!.b!.B).toEqual(new Uint8Array([0, 1, 255]));
      expect(verifyExportCounts(located.files, counts, located.manifest)).toMatchObject({
        ok: true,
        read: 5,
        expected: 5,
      });
      counts.set(located.files[1]!.key, 1);
      expect(verifyExportCounts(located.files, counts, located.manifest).mismatches).toEqual([
        { key: located.files[1]!.key, expected: 2, read: 1 },
      ]);
    },
  );

  it('falls back to listing <prefix>/AWSDynamoDB/<exportId>/data/ without a manifest', async () => {
    const located = await locateExportDataFiles(s3, { bucket, prefix: 'listed', exportArn: arn() });
    expect(located).toMatchObject({ source: 'listing', dataPrefix: `listed/AWSDynamoDB/${exportId}/data/` });
    expect(located.files.map((f) => f.key)).toEqual([`listed/AWSDynamoDB/${exportId}/data/c.json.gz`]);
  });

  it('refuses to guess when several export folders share the prefix, and reports a missing export', async () => {
    await expect(
      locateExportDataFiles(s3, { bucket, prefix: 'shared', exportArn: arn('other') }),
    ).rejects.toMatchObject({
      code: 'EXPORT_LOCATION_AMBIGUOUS',
    });
    await expect(
      locateExportDataFiles(s3, { bucket, prefix: 'nothing-here', exportArn: arn() }),
    ).rejects.toMatchObject({
      code: 'EXPORT_FILES_NOT_FOUND',
    });
  });
});
