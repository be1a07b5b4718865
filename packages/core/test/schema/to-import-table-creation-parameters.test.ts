import { describe, expect, it } from 'vitest';
import { toImportTableCreationParameters } from '../../src/schema/to-import-table-creation-parameters.js';
import { allKeys, onDemandTable, READ_ONLY_KEYS, richProvisionedTable } from './fixtures.js';

describe('toImportTableCreationParameters', () => {
  it('copies keys, GSIs with projections and capacity, and only the attribute definitions the keys use', () => {
    const { input } = toImportTableCreationParameters(richProvisionedTable(), {
      targetTableName: 'orders-copy',
    });

    expect(input.TableName).toBe('orders-copy');
    expect(input.KeySchema).toEqual([
      { AttributeName: 'pk', KeyType: 'HASH' },
      { AttributeName: 'sk', KeyType: 'RANGE' },
    ]);
    // createdAt is used only by the LSI, which import cannot create: its definition must go too.
    expect(input.AttributeDefinitions?.map((d) => d.AttributeName)).toEqual([
      'pk',
      'sk',
      'gsi1pk',
      'gsi1sk',
      'status',
    ]);
    expect(input.AttributeDefinitions?.find((d) => d.AttributeName === 'gsi1sk')?.AttributeType).toBe('N');
    expect(input.BillingMode).toBe('PROVISIONED');
    expect(input.ProvisionedThroughput).toEqual({ ReadCapacityUnits: 10, WriteCapacityUnits: 5 });
    expect(input.GlobalSecondaryIndexes).toEqual([
      {
        IndexName: 'byGsi1',
        KeySchema: [
          { AttributeName: 'gsi1pk', KeyType: 'HASH' },
          { AttributeName: 'gsi1sk', KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'INCLUDE', NonKeyAttributes: ['total', 'currency'] },
        ProvisionedThroughput: { ReadCapacityUnits: 7, WriteCapacityUnits: 3 },
        WarmThroughput: { ReadUnitsPerSecond: 15000 },
      },
      {
        IndexName: 'byStatus',
        KeySchema: [{ AttributeName: 'status', KeyType: 'HASH' }],
        Projection: { ProjectionType: 'KEYS_ONLY' },
        ProvisionedThroughput: { ReadCapacityUnits: 2, WriteCapacityUnits: 1 },
      },
    ]);
  });

  it('reports LSIs as not carried because ImportTable cannot create them', () => {
    const { input, notCarried } = toImportTableCreationParameters(richProvisionedTable(), {
      targetTableName: 't',
    });

    expect(input).not.toHaveProperty('LocalSecondaryIndexes');
    const lsi = notCarried.find((n) => n.setting.startsWith('local-secondary-indexes'));
    expect(lsi?.setting).toContain('byCreatedAt');
    expect(lsi?.reason).toMatch(/write mode/);
  });

  it('moves TTL, PITR, tags, table class, warm throughput and deletion protection to postCreate', () => {
    const { postCreate } = toImportTableCreationParameters(richProvisionedTable(), { targetTableName: 't' });
    const byKind = new Map(postCreate.map((s) => [s.kind, s]));

    expect(byKind.get('ttl')).toMatchObject({ attributeName: 'expiresAt' });
    expect(byKind.get('pitr')).toMatchObject({ recoveryPeriodInDays: 14 });
    expect(byKind.get('tags')).toMatchObject({
      tags: [
        { Key: 'team', Value: 'payments' },
        { Key: 'env', Value: 'prod' },
      ],
    });
    expect(byKind.get('table-class')).toMatchObject({ tableClass: 'STANDARD_INFREQUENT_ACCESS' });
    expect(byKind.get('warm-throughput')).toMatchObject({
      warmThroughput: { ReadUnitsPerSecond: 20000, WriteUnitsPerSecond: 8000 },
    });
    expect(byKind.get('deletion-protection')).toMatchObject({ enabled: true });
    for (const s of postCreate) expect(s.description.length).toBeGreaterThan(5);
  });

  it('reports aws: tags, the resource policy and the source stream as not carried by default', () => {
    const { postCreate, notCarried } = toImportTableCreationParameters(richProvisionedTable(), {
      targetTableName: 't',
    });
    const settings = notCarried.map((n) => n.setting);

    expect(settings).toContain('tag aws:cloudformation:stack-name');
    expect(settings).toContain('resource-policy');
    expect(settings).toContain('stream');
    expect(postCreate.some((s) => s.kind === 'stream')).toBe(false);
  });

  it('enables the source stream view type on the target when asked', () => {
    const { postCreate, notCarried } = toImportTableCreationParameters(richProvisionedTable(), {
      targetTableName: 't',
      targetStream: 'source',
    });

    expect(postCreate.find((s) => s.kind === 'stream')).toMatchObject({
      streamViewType: 'NEW_AND_OLD_IMAGES',
    });
    expect(notCarried.map((n) => n.setting)).not.toContain('stream');
  });

  it('encrypts with KMS under the target account key and reports the source key as not carried', () => {
    const { input, notCarried } = toImportTableCreationParameters(richProvisionedTable(), {
      targetTableName: 't',
    });

    expect(input.SSESpecification).toEqual({ Enabled: true, SSEType: 'KMS' });
    const kms = notCarried.find((n) => n.setting === 'sse-kms-key');
    expect(kms?.reason).toContain('arn:aws:kms:eu-west-1:123456789012:key/');
    expect(kms?.reason).toMatch(/target account/);
  });

  it('uses the given target-account KMS key', () => {
    const { input, notCarried } = toImportTableCreationParameters(richProvisionedTable(), {
      targetTableName: 't',
      targetKmsKeyId: 'arn:aws:kms:eu-west-1:222222222222:key/abc',
    });

    expect(input.SSESpecification).toEqual({
      Enabled: true,
      SSEType: 'KMS',
      KMSMasterKeyId: 'arn:aws:kms:eu-west-1:222222222222:key/abc',
    });
    expect(notCarried.map((n) => n.setting)).not.toContain('sse-kms-key');
  });

  it('keeps an on-demand table on-demand with its positive on-demand maximums and default encryption', () => {
    const { input, postCreate, notCarried } = toImportTableCreationParameters(onDemandTable(), {
      targetTableName: 'e',
    });

    expect(input.BillingMode).toBe('PAY_PER_REQUEST');
    expect(input).not.toHaveProperty('ProvisionedThroughput');
    expect(input.OnDemandThroughput).toEqual({ MaxReadRequestUnits: 500 });
    expect(input.GlobalSecondaryIndexes?.[0]).toEqual({
      IndexName: 'byDay',
      KeySchema: [{ AttributeName: 'day', KeyType: 'HASH' }],
      Projection: { ProjectionType: 'ALL' },
      OnDemandThroughput: { MaxReadRequestUnits: 100, MaxWriteRequestUnits: 50 },
    });
    expect(input).not.toHaveProperty('SSESpecification');
    expect(postCreate).toEqual([]);
    expect(notCarried).toEqual([]);
  });

  it('never copies read-only DescribeTable members', () => {
    for (const info of [richProvisionedTable(), onDemandTable()]) {
      const keys = allKeys(toImportTableCreationParameters(info, { targetTableName: 't' }).input);
      for (const readOnly of READ_ONLY_KEYS) expect(keys, readOnly).not.toContain(readOnly);
    }
  });

  it('does not modify the source description', () => {
    const info = richProvisionedTable();
    const before = structuredClone(info);
    toImportTableCreationParameters(info, { targetTableName: 't', capacity: { tableReadCapacity: 50 } });
    expect(info).toEqual(before);
  });
});
