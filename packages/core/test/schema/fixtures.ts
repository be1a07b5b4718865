import type { TableDescription } from '@aws-sdk/client-dynamodb';
import type { SourceTableInfo } from '../../src/schema/types.js';

// Hand-built in the shape of real DescribeTable / DescribeTimeToLive / DescribeContinuousBackups
// responses, read-only members included, so the tests prove they are never copied.

const created = new Date('2024-03-01T10:00:00Z');
const arn = 'arn:aws:dynamodb:eu-west-1:123456789012:table/orders';

/** A provisioned table with everything: 2 GSIs, 1 LSI, KMS, IA class, deletion protection, warm throughput, stream, TTL, PITR, tags. */
export function richProvisionedTable(): SourceTableInfo {
  const table: TableDescription = {
    TableName: 'orders',
    TableArn: arn,
    TableId: '8f5c6e0e-1a2b-4c3d-9e8f-001122334455',
    TableStatus: 'ACTIVE',
    CreationDateTime: created,
    TableSizeBytes: 123456,
    ItemCount: 1000,
    AttributeDefinitions: [
      { AttributeName: 'pk', AttributeType: 'S' },
      { AttributeName: 'sk', AttributeType: 'S' },
      { AttributeName: 'gsi1pk', AttributeType: 'S' },
      { AttributeName: 'gsi1sk', AttributeType: 'N' },
      { AttributeName: 'status', AttributeType: 'S' },
      { AttributeName: 'createdAt', AttributeType: 'N' },
    ],
    KeySchema: [
      { AttributeName: 'pk', KeyType: 'HASH' },
      { AttributeName: 'sk', KeyType: 'RANGE' },
    ],
    ProvisionedThroughput: {
      ReadCapacityUnits: 10,
      WriteCapacityUnits: 5,
      NumberOfDecreasesToday: 1,
      LastIncreaseDateTime: created,
      LastDecreaseDateTime: created,
    },
    GlobalSecondaryIndexes: [
      {
        IndexName: 'byGsi1',
        KeySchema: [
          { AttributeName: 'gsi1pk', KeyType: 'HASH' },
          { AttributeName: 'gsi1sk', KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'INCLUDE', NonKeyAttributes: ['total', 'currency'] },
        IndexStatus: 'ACTIVE',
        Backfilling: false,
        ProvisionedThroughput: { ReadCapacityUnits: 7, WriteCapacityUnits: 3, NumberOfDecreasesToday: 0 },
        IndexSizeBytes: 999,
        ItemCount: 900,
        IndexArn: `${arn}/index/byGsi1`,
        WarmThroughput: { ReadUnitsPerSecond: 15000, WriteUnitsPerSecond: 4000, Status: 'ACTIVE' },
      },
      {
        IndexName: 'byStatus',
        KeySchema: [{ AttributeName: 'status', KeyType: 'HASH' }],
        Projection: { ProjectionType: 'KEYS_ONLY' },
        IndexStatus: 'ACTIVE',
        ProvisionedThroughput: { ReadCapacityUnits: 2, WriteCapacityUnits: 1, NumberOfDecreasesToday: 0 },
        IndexSizeBytes: 10,
        ItemCount: 10,
        IndexArn: `${arn}/index/byStatus`,
        // The defaults every index reports: nothing to pre-warm.
        WarmThroughput: { ReadUnitsPerSecond: 12000, WriteUnitsPerSecond: 4000, Status: 'ACTIVE' },
      },
    ],
    LocalSecondaryIndexes: [
      {
        IndexName: 'byCreatedAt',
        KeySchema: [
          { AttributeName: 'pk', KeyType: 'HASH' },
          { AttributeName: 'createdAt', KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'ALL' },
        IndexSizeBytes: 100,
        ItemCount: 100,
        IndexArn: `${arn}/index/byCreatedAt`,
      },
    ],
    StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' },
    LatestStreamLabel: '2024-03-01T10:00:00.000',
    LatestStreamArn: `${arn}/stream/2024-03-01T10:00:00.000`,
    SSEDescription: {
      Status: 'ENABLED',
      SSEType: 'KMS',
      KMSMasterKeyArn: 'arn:aws:kms:eu-west-1:123456789012:key/11111111-2222-3333-4444-555555555555',
    },
    TableClassSummary: { TableClass: 'STANDARD_INFREQUENT_ACCESS', LastUpdateDateTime: created },
    DeletionProtectionEnabled: true,
    WarmThroughput: { ReadUnitsPerSecond: 20000, WriteUnitsPerSecond: 8000, Status: 'ACTIVE' },
  };
  return {
    table,
    ttl: { TimeToLiveStatus: 'ENABLED', AttributeName: 'expiresAt' },
    continuousBackups: {
      ContinuousBackupsStatus: 'ENABLED',
      PointInTimeRecoveryDescription: {
        PointInTimeRecoveryStatus: 'ENABLED',
        RecoveryPeriodInDays: 14,
        EarliestRestorableDateTime: created,
        LatestRestorableDateTime: created,
      },
    },
    tags: [
      { Key: 'team', Value: 'payments' },
      { Key: 'env', Value: 'prod' },
      { Key: 'aws:cloudformation:stack-name', Value: 'orders-stack' },
    ],
    resourcePolicy: '{"Version":"2012-10-17","Statement":[]}',
  };
}

/** A plain on-demand table: one GSI, AWS owned encryption, no TTL/PITR/tags. */
export function onDemandTable(): SourceTableInfo {
  const table: TableDescription = {
    TableName: 'events',
    TableArn: 'arn:aws:dynamodb:us-east-1:123456789012:table/events',
    TableStatus: 'ACTIVE',
    CreationDateTime: created,
    ItemCount: 5,
    TableSizeBytes: 500,
    AttributeDefinitions: [
      { AttributeName: 'id', AttributeType: 'S' },
      { AttributeName: 'day', AttributeType: 'S' },
    ],
    KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
    BillingModeSummary: { BillingMode: 'PAY_PER_REQUEST', LastUpdateToPayPerRequestDateTime: created },
    // DescribeTable reports zeros for an on-demand table: never valid input.
    ProvisionedThroughput: { ReadCapacityUnits: 0, WriteCapacityUnits: 0, NumberOfDecreasesToday: 0 },
    OnDemandThroughput: { MaxReadRequestUnits: 500, MaxWriteRequestUnits: -1 },
    GlobalSecondaryIndexes: [
      {
        IndexName: 'byDay',
        KeySchema: [{ AttributeName: 'day', KeyType: 'HASH' }],
        Projection: { ProjectionType: 'ALL' },
        IndexStatus: 'ACTIVE',
        ProvisionedThroughput: { ReadCapacityUnits: 0, WriteCapacityUnits: 0, NumberOfDecreasesToday: 0 },
        OnDemandThroughput: { MaxReadRequestUnits: 100, MaxWriteRequestUnits: 50 },
        IndexArn: 'arn:aws:dynamodb:us-east-1:123456789012:table/events/index/byDay',
      },
    ],
    TableClassSummary: { TableClass: 'STANDARD' },
    DeletionProtectionEnabled: false,
    // Defaults every new on-demand table reports: nothing to pre-warm.
    WarmThroughput: { ReadUnitsPerSecond: 12000, WriteUnitsPerSecond: 4000, Status: 'ACTIVE' },
  };
  return {
    table,
    ttl: { TimeToLiveStatus: 'DISABLED' },
    continuousBackups: {
      ContinuousBackupsStatus: 'ENABLED',
      PointInTimeRecoveryDescription: { PointInTimeRecoveryStatus: 'DISABLED' },
    },
    tags: [],
  };
}

/** DescribeTable members that are read-only: CreateTable/ImportTable reject them. */
export const READ_ONLY_KEYS = [
  'TableClassSummary',
  'BillingModeSummary',
  'SSEDescription',
  'KMSMasterKeyArn',
  'TableStatus',
  'TableArn',
  'TableId',
  'TableSizeBytes',
  'CreationDateTime',
  'ItemCount',
  'IndexStatus',
  'IndexSizeBytes',
  'IndexArn',
  'Backfilling',
  'NumberOfDecreasesToday',
  'LastIncreaseDateTime',
  'LastDecreaseDateTime',
  'LatestStreamArn',
  'LatestStreamLabel',
  'GlobalTableVersion',
  'Replicas',
  'RestoreSummary',
  'ArchivalSummary',
  'Status',
];

/** Every object key anywhere in `value`. */
export function allKeys(value: unknown, out = new Set<string>()): Set<string> {
  if (Array.isArray(value)) for (const v of value) allKeys(v, out);
  else if (value && typeof value === 'object' && !(value instanceof Date)) {
    for (const [k, v] of Object.entries(value)) {
      out.add(k);
      allKeys(v, out);
    }
  }
  return out;
}
