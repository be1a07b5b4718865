import {
  CreateTableCommand,
  DescribeContinuousBackupsCommand,
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  DynamoDBClient,
  ListTagsOfResourceCommand,
  PutResourcePolicyCommand,
  type TableDescription,
  UpdateContinuousBackupsCommand,
  UpdateTableCommand,
  UpdateTimeToLiveCommand,
  waitUntilTableExists,
} from '@aws-sdk/client-dynamodb';
import {
  createTable,
  SOURCE_ACCOUNT,
  sourceSide,
  TARGET_ACCOUNT,
  targetSide,
  uniqueName,
} from '@ddb-migrate/test-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PreflightError } from '../../src/errors.js';
import { applyPostCreateSettings } from '../../src/schema/apply-post-create-settings.js';
import { checkKeyCompatibility } from '../../src/schema/check-key-compatibility.js';
import { describeSourceTable } from '../../src/schema/describe-source-table.js';
import { toCreateTableInput } from '../../src/schema/to-create-table-input.js';
import { toImportTableCreationParameters } from '../../src/schema/to-import-table-creation-parameters.js';
import type { SourceTableInfo } from '../../src/schema/types.js';

const fast = { pollIntervalMs: 100, activeTimeoutMs: 30_000 };

describe('schema carry-over across accounts (moto)', () => {
  let source: DynamoDBClient;
  let target: DynamoDBClient;
  let sourceTable: { name: string; arn: string };
  let info: SourceTableInfo;

  beforeAll(async () => {
    source = new DynamoDBClient(sourceSide());
    target = new DynamoDBClient(targetSide());
    sourceTable = await createTable(source, {
      name: uniqueName('schema-src'),
      partitionKey: 'pk',
      sortKey: 'sk',
      gsis: [
        {
          name: 'byGsi1',
          partitionKey: 'gsi1pk',
          sortKey: { name: 'gsi1sk', type: 'N' },
          projection: { include: ['total'] },
        },
        {
          name: 'byStatus',
          partitionKey: 'status',
          projection: 'KEYS_ONLY',
          readCapacity: 2,
          writeCapacity: 1,
        },
      ],
      lsis: [{ name: 'byCreatedAt', sortKey: { name: 'createdAt', type: 'N' } }],
      billing: { readCapacity: 5, writeCapacity: 4 },
      stream: 'NEW_AND_OLD_IMAGES',
      tags: [
        { Key: 'team', Value: 'payments' },
        { Key: 'env', Value: 'test' },
      ],
    });
    await source.send(
      new UpdateTimeToLiveCommand({
        TableName: sourceTable.name,
        TimeToLiveSpecification: { Enabled: true, AttributeName: 'expiresAt' },
      }),
    );
    await source.send(
      new UpdateContinuousBackupsCommand({
        TableName: sourceTable.name,
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      }),
    );
    await source.send(
      new UpdateTableCommand({ TableName: sourceTable.name, DeletionProtectionEnabled: true }),
    );
    await source.send(
      new UpdateTableCommand({
        TableName: sourceTable.name,
        WarmThroughput: { ReadUnitsPerSecond: 15000, WriteUnitsPerSecond: 5000 },
      }),
    );
    info = await describeSourceTable(source, sourceTable.name);
  });

  afterAll(() => {
    source?.destroy();
    target?.destroy();
  });

  it('reads the source table, TTL, PITR, tags and (absent) resource policy', () => {
    expect(info.table.TableArn).toContain(`:${SOURCE_ACCOUNT}:table/${sourceTable.name}`);
    expect(info.table.LocalSecondaryIndexes?.map((l) => l.IndexName)).toEqual(['byCreatedAt']);
    expect(info.ttl).toMatchObject({ TimeToLiveStatus: 'ENABLED', AttributeName: 'expiresAt' });
    expect(info.continuousBackups?.PointInTimeRecoveryDescription?.PointInTimeRecoveryStatus).toBe('ENABLED');
    expect(info.tags).toEqual(
      expect.arrayContaining([
        { Key: 'team', Value: 'payments' },
        { Key: 'env', Value: 'test' },
      ]),
    );
    expect(info.resourcePolicy).toBeUndefined();
  });

  it('creates the target in the target account with the full schema and applies TTL, PITR afterwards', async () => {
    const targetName = uniqueName('schema-tgt');
    const mapping = toCreateTableInput(info, { targetTableName: targetName });
    expect(mapping.postCreate.map((s) => s.kind)).toEqual(['ttl', 'pitr']);

    await target.send(new CreateTableCommand(mapping.input));
    await waitUntilTableExists(
      { client: target, maxWaitTime: 60, minDelay: 1, maxDelay: 2 },
      { TableName: targetName },
    );
    const result = await applyPostCreateSettings(target, targetName, mapping.postCreate, undefined, fast);
    expect(result.failed).toEqual([]);
    expect(result.applied).toHaveLength(2);

    const desc = await describeTable(target, targetName);
    expect(desc.TableArn).toContain(`:${TARGET_ACCOUNT}:table/${targetName}`);
    expect(checkKeyCompatibility(info.table, desc)).toEqual([]);
    expect(desc.LocalSecondaryIndexes?.map((l) => l.IndexName)).toEqual(['byCreatedAt']);
    expect(desc.GlobalSecondaryIndexes?.find((g) => g.IndexName === 'byGsi1')?.Projection).toMatchObject({
      ProjectionType: 'INCLUDE',
      NonKeyAttributes: ['total'],
    });
    expect(
      desc.GlobalSecondaryIndexes?.find((g) => g.IndexName === 'byStatus')?.ProvisionedThroughput,
    ).toMatchObject({
      ReadCapacityUnits: 2,
      WriteCapacityUnits: 1,
    });
    expect(desc.ProvisionedThroughput).toMatchObject({ ReadCapacityUnits: 5, WriteCapacityUnits: 4 });
    expect(desc.DeletionProtectionEnabled).toBe(true);
    expect(desc.WarmThroughput).toMatchObject({ ReadUnitsPerSecond: 15000, WriteUnitsPerSecond: 5000 });
    // The source's stream is not carried unless asked.
    expect(desc.StreamSpecification?.StreamEnabled ?? false).toBe(false);
    await expectTtlPitrAndTags(targetName, desc.TableArn!);
  });

  it('creates the target from the import parameters and carries the rest through post-create settings', async () => {
    const targetName = uniqueName('schema-imp');
    const mapping = toImportTableCreationParameters(info, {
      targetTableName: targetName,
      targetStream: 'source',
    });
    expect(mapping.notCarried.map((n) => n.setting)).toEqual(['local-secondary-indexes (byCreatedAt)']);
    expect(mapping.postCreate.map((s) => s.kind)).toEqual([
      'ttl',
      'pitr',
      'tags',
      'warm-throughput',
      'stream',
      'deletion-protection',
    ]);

    // ImportTable needs export data; CreateTable with the same parameters yields the same table.
    await target.send(new CreateTableCommand(mapping.input));
    await waitUntilTableExists(
      { client: target, maxWaitTime: 60, minDelay: 1, maxDelay: 2 },
      { TableName: targetName },
    );
    const result = await applyPostCreateSettings(target, targetName, mapping.postCreate, undefined, fast);
    expect(result.failed).toEqual([]);

    const desc = await describeTable(target, targetName);
    expect(desc.LocalSecondaryIndexes ?? []).toEqual([]);
    expect(desc.DeletionProtectionEnabled).toBe(true);
    expect(desc.StreamSpecification).toMatchObject({
      StreamEnabled: true,
      StreamViewType: 'NEW_AND_OLD_IMAGES',
    });
    expect(desc.WarmThroughput).toMatchObject({ ReadUnitsPerSecond: 15000, WriteUnitsPerSecond: 5000 });
    await expectTtlPitrAndTags(targetName, desc.TableArn!);

    // Re-applying (a resumed migration) succeeds again.
    const again = await applyPostCreateSettings(target, targetName, mapping.postCreate, undefined, fast);
    expect(again.failed).toEqual([]);
    expect(again.applied).toHaveLength(mapping.postCreate.length);
  });

  it('reads a resource policy and reports it as not carried', async () => {
    const { name, arn } = await createTable(source, { name: uniqueName('schema-rbp') });
    const policy = JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Principal: { AWS: `arn:aws:iam::${SOURCE_ACCOUNT}:root` },
          Action: 'dynamodb:GetItem',
          Resource: arn,
        },
      ],
    });
    await source.send(new PutResourcePolicyCommand({ ResourceArn: arn, Policy: policy }));

    const withPolicy = await describeSourceTable(source, name);

    expect(withPolicy.resourcePolicy).toBe(policy);
    const { notCarried } = toCreateTableInput(withPolicy, { targetTableName: 'x' });
    expect(notCarried.map((n) => n.setting)).toContain('resource-policy');
  });

  it('refuses a missing source table with SOURCE_TABLE_NOT_FOUND and a hint', async () => {
    const error = await describeSourceTable(source, uniqueName('absent')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PreflightError);
    expect((error as PreflightError).code).toBe('SOURCE_TABLE_NOT_FOUND');
    expect((error as PreflightError).hint).toMatch(/--source-table-name/);
  });

  async function describeTable(client: DynamoDBClient, name: string): Promise<TableDescription> {
    const out = await client.send(new DescribeTableCommand({ TableName: name }));
    return out.Table!;
  }

  async function expectTtlPitrAndTags(name: string, arn: string): Promise<void> {
    const ttl = await target.send(new DescribeTimeToLiveCommand({ TableName: name }));
    expect(ttl.TimeToLiveDescription).toMatchObject({
      TimeToLiveStatus: 'ENABLED',
      AttributeName: 'expiresAt',
    });
    const pitr = await target.send(new DescribeContinuousBackupsCommand({ TableName: name }));
    expect(pitr.ContinuousBackupsDescription?.PointInTimeRecoveryDescription?.PointInTimeRecoveryStatus).toBe(
      'ENABLED',
    );
    const tags = await target.send(new ListTagsOfResourceCommand({ ResourceArn: arn }));
    expect(tags.Tags).toEqual(
      expect.arrayContaining([
        { Key: 'team', Value: 'payments' },
        { Key: 'env', Value: 'test' },
      ]),
    );
  }
});
