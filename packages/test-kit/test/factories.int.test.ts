import { DescribeTableCommand, DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { IAMClient } from '@aws-sdk/client-iam';
import { HeadBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { SQSClient } from '@aws-sdk/client-sqs';
import { describe, expect, it } from 'vitest';
import {
  createBucket,
  createLambdaRole,
  createQueue,
  createTable,
  expectTablesEqual,
  isolatedSides,
  scanAll,
  uniqueName,
} from '../src/index.js';

describe('factories', () => {
  it('uniqueName gives distinct names valid for buckets', () => {
    const names = new Set(Array.from({ length: 200 }, () => uniqueName('My_Bucket')));
    expect(names.size).toBe(200);
    for (const n of names) expect(n).toMatch(/^[a-z0-9][a-z0-9-]{2,62}$/);
  });

  it('createTable builds keys, indexes, stream and billing and returns the ARNs', async () => {
    const { source, sourceAccount } = isolatedSides();
    const ddb = new DynamoDBClient(source);
    const t = await createTable(ddb, {
      sortKey: { name: 'sk', type: 'N' },
      gsis: [
        { name: 'by-g', partitionKey: 'g', sortKey: { name: 'sk', type: 'N' }, projection: 'KEYS_ONLY' },
      ],
      lsis: [{ name: 'by-l', sortKey: 'l', projection: { include: ['x'] } }],
      stream: 'NEW_AND_OLD_IMAGES',
      billing: { readCapacity: 3, writeCapacity: 4 },
    });
    expect(t.arn).toBe(`arn:aws:dynamodb:us-east-1:${sourceAccount}:table/${t.name}`);
    expect(t.streamArn).toContain(`${t.name}/stream/`);
    const d = (await ddb.send(new DescribeTableCommand({ TableName: t.name }))).Table!;
    expect(d.TableStatus).toBe('ACTIVE');
    expect(d.KeySchema).toEqual([
      { AttributeName: 'pk', KeyType: 'HASH' },
      { AttributeName: 'sk', KeyType: 'RANGE' },
    ]);
    expect(d.GlobalSecondaryIndexes?.[0]?.IndexName).toBe('by-g');
    expect(d.LocalSecondaryIndexes?.[0]?.Projection).toEqual({
      ProjectionType: 'INCLUDE',
      NonKeyAttributes: ['x'],
    });
    expect(d.ProvisionedThroughput?.WriteCapacityUnits).toBe(4);
    const plain = await createTable(ddb, {});
    expect(plain.streamArn).toBeUndefined();
  });

  it('createBucket, createQueue and createLambdaRole create resources in the caller account', async () => {
    const { target, targetAccount } = isolatedSides();
    const s3 = new S3Client({ ...target, forcePathStyle: true });
    const bucket = await createBucket(s3);
    await expect(s3.send(new HeadBucketCommand({ Bucket: bucket }))).resolves.toBeDefined();
    const q = await createQueue(new SQSClient(target));
    expect(q.arn).toBe(`arn:aws:sqs:us-east-1:${targetAccount}:${q.name}`);
    const role = await createLambdaRole(new IAMClient(target));
    expect(role).toMatch(new RegExp(`^arn:aws:iam::${targetAccount}:role/lambda-role-`));
  });

  it('expectTablesEqual accepts decimal-equal tables and names the differing keys otherwise', async () => {
    const { source, target } = isolatedSides();
    const src = new DynamoDBClient(source);
    const tgt = new DynamoDBClient(target);
    const a = await createTable(src, {});
    const b = await createTable(tgt, {});
    await src.send(new PutItemCommand({ TableName: a.name, Item: { pk: { S: 'k1' }, n: { N: '1.0' } } }));
    await tgt.send(new PutItemCommand({ TableName: b.name, Item: { pk: { S: 'k1' }, n: { N: '1' } } }));
    await expectTablesEqual(src, a.name, tgt, b.name);
    await src.send(new PutItemCommand({ TableName: a.name, Item: { pk: { S: 'k2' } } }));
    await tgt.send(new PutItemCommand({ TableName: b.name, Item: { pk: { S: 'k1' }, n: { N: '2' } } }));
    await expect(expectTablesEqual(src, a.name, tgt, b.name)).rejects.toThrow(
      /1 missing in target, 0 extra in target, 1 different[\s\S]*\{"pk":\{"S":"k2"\}\}[\s\S]*attributes n/,
    );
    expect(await scanAll(src, a.name)).toHaveLength(2);
  });
});
