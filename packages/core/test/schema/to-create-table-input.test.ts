import { describe, expect, it } from 'vitest';
import { toCreateTableInput } from '../../src/schema/to-create-table-input.js';
import { allKeys, onDemandTable, READ_ONLY_KEYS, richProvisionedTable } from './fixtures.js';

describe('toCreateTableInput', () => {
  it('carries the full schema including LSIs and their attribute definitions', () => {
    const { input, notCarried } = toCreateTableInput(richProvisionedTable(), {
      targetTableName: 'orders-copy',
    });

    expect(input.TableName).toBe('orders-copy');
    expect(input.AttributeDefinitions?.map((d) => d.AttributeName)).toEqual([
      'pk',
      'sk',
      'gsi1pk',
      'gsi1sk',
      'status',
      'createdAt',
    ]);
    expect(input.LocalSecondaryIndexes).toEqual([
      {
        IndexName: 'byCreatedAt',
        KeySchema: [
          { AttributeName: 'pk', KeyType: 'HASH' },
          { AttributeName: 'createdAt', KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'ALL' },
      },
    ]);
    expect(input.GlobalSecondaryIndexes?.map((g) => g.IndexName)).toEqual(['byGsi1', 'byStatus']);
    expect(notCarried.some((n) => n.setting.startsWith('local-secondary-indexes'))).toBe(false);
  });

  it('sets deletion protection, table class, warm throughput and tags directly', () => {
    const { input, warnings } = toCreateTableInput(richProvisionedTable(), { targetTableName: 't' });

    expect(input.DeletionProtectionEnabled).toBe(true);
    expect(input.TableClass).toBe('STANDARD_INFREQUENT_ACCESS');
    expect(input.WarmThroughput).toEqual({ ReadUnitsPerSecond: 20000, WriteUnitsPerSecond: 8000 });
    expect(input.Tags).toEqual([
      { Key: 'team', Value: 'payments' },
      { Key: 'env', Value: 'prod' },
    ]);
    expect(warnings.some((w) => /cannot be decreased/.test(w))).toBe(true);
  });

  it('leaves only TTL and PITR for after creation', () => {
    const { postCreate } = toCreateTableInput(richProvisionedTable(), { targetTableName: 't' });

    expect(postCreate.map((s) => s.kind)).toEqual(['ttl', 'pitr']);
  });

  it('adds a stream only when asked', () => {
    expect(toCreateTableInput(richProvisionedTable(), { targetTableName: 't' }).input).not.toHaveProperty(
      'StreamSpecification',
    );
    const { input } = toCreateTableInput(richProvisionedTable(), {
      targetTableName: 't',
      targetStream: 'KEYS_ONLY',
    });
    expect(input.StreamSpecification).toEqual({ StreamEnabled: true, StreamViewType: 'KEYS_ONLY' });
  });

  it('omits defaults for a plain on-demand table', () => {
    const { input, postCreate } = toCreateTableInput(onDemandTable(), { targetTableName: 'e' });

    expect(input).toEqual({
      TableName: 'e',
      AttributeDefinitions: [
        { AttributeName: 'id', AttributeType: 'S' },
        { AttributeName: 'day', AttributeType: 'S' },
      ],
      KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
      BillingMode: 'PAY_PER_REQUEST',
      OnDemandThroughput: { MaxReadRequestUnits: 500 },
      GlobalSecondaryIndexes: [
        {
          IndexName: 'byDay',
          KeySchema: [{ AttributeName: 'day', KeyType: 'HASH' }],
          Projection: { ProjectionType: 'ALL' },
          OnDemandThroughput: { MaxReadRequestUnits: 100, MaxWriteRequestUnits: 50 },
        },
      ],
    });
    expect(postCreate).toEqual([]);
  });

  it('treats a table without BillingModeSummary as provisioned', () => {
    const info = richProvisionedTable();
    delete info.table.BillingModeSummary;
    expect(toCreateTableInput(info, { targetTableName: 't' }).input.BillingMode).toBe('PROVISIONED');
  });

  it('reports global-table replicas as not carried', () => {
    const info = onDemandTable();
    info.table.Replicas = [{ RegionName: 'us-west-2', ReplicaStatus: 'ACTIVE' }];
    const { input, notCarried } = toCreateTableInput(info, { targetTableName: 't' });
    expect(notCarried.map((n) => n.setting)).toContain('replicas');
    expect(input).not.toHaveProperty('Replicas');
  });

  it('never copies read-only DescribeTable members', () => {
    for (const info of [richProvisionedTable(), onDemandTable()]) {
      const keys = allKeys(toCreateTableInput(info, { targetTableName: 't', targetStream: 'source' }).input);
      for (const readOnly of READ_ONLY_KEYS) expect(keys, readOnly).not.toContain(readOnly);
    }
  });
});
