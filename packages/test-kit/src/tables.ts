import {
  type AttributeDefinition,
  type BillingMode,
  CreateTableCommand,
  type CreateTableCommandInput,
  type DynamoDBClient,
  type GlobalSecondaryIndex,
  type KeySchemaElement,
  type LocalSecondaryIndex,
  type Projection,
  type ScalarAttributeType,
  ScanCommand,
  BatchWriteItemCommand,
  type WriteRequest,
  type StreamViewType,
  type Tag,
  waitUntilTableExists,
} from '@aws-sdk/client-dynamodb';
import type { Item } from '@ddb-migrate/core';
import { uniqueName } from './names.js';

/** A key attribute: a name (type S) or a name with its scalar type. */
export type KeyAttribute = string | { name: string; type: ScalarAttributeType };

/** Projection shorthand: `'ALL'`, `'KEYS_ONLY'`, or the non-key attributes to include. */
export type ProjectionSpec = 'ALL' | 'KEYS_ONLY' | { include: string[] };

/** A global secondary index for {@link createTable}. */
export interface GsiSpec {
  name: string;
  partitionKey: KeyAttribute;
  sortKey?: KeyAttribute;
  /** Default `'ALL'`. */
  projection?: ProjectionSpec;
  /** Provisioned capacity for the index (only with provisioned billing; default the table's). */
  readCapacity?: number;
  writeCapacity?: number;
}

/** A local secondary index for {@link createTable} (shares the table's partition key). */
export interface LsiSpec {
  name: string;
  sortKey: KeyAttribute;
  projection?: ProjectionSpec;
}

/** Options of {@link createTable}. */
export interface CreateTableOptions {
  /** Default `uniqueName('t')`. */
  name?: string;
  /** Default `{ name: 'pk', type: 'S' }`. */
  partitionKey?: KeyAttribute;
  /** Default none. */
  sortKey?: KeyAttribute;
  /** Raw key schema; overrides partitionKey/sortKey (give attributeDefinitions too). */
  keySchema?: KeySchemaElement[];
  /** Extra (or, with keySchema, all) attribute definitions. */
  attributeDefinitions?: AttributeDefinition[];
  gsis?: GsiSpec[];
  lsis?: LsiSpec[];
  /** Stream view type, or `false`/undefined for no stream. */
  stream?: StreamViewType | false;
  /** `'PAY_PER_REQUEST'` (default) or provisioned capacity. */
  billing?: 'PAY_PER_REQUEST' | { readCapacity: number; writeCapacity: number };
  tags?: Tag[];
  deletionProtection?: boolean;
}

/** What {@link createTable} created. */
export interface CreatedTable {
  name: string;
  arn: string;
  streamArn?: string;
}

function keyAttr(k: KeyAttribute): { name: string; type: ScalarAttributeType } {
  return typeof k === 'string' ? { name: k, type: 'S' } : k;
}

function projection(p: ProjectionSpec | undefined): Projection {
  if (p === undefined || p === 'ALL') return { ProjectionType: 'ALL' };
  if (p === 'KEYS_ONLY') return { ProjectionType: 'KEYS_ONLY' };
  return { ProjectionType: 'INCLUDE', NonKeyAttributes: p.include };
}

function keySchema(pk: KeyAttribute, sk?: KeyAttribute): KeySchemaElement[] {
  const schema: KeySchemaElement[] = [{ AttributeName: keyAttr(pk).name, KeyType: 'HASH' }];
  if (sk !== undefined) schema.push({ AttributeName: keyAttr(sk).name, KeyType: 'RANGE' });
  return schema;
}

/** Builds the CreateTable input {@link createTable} sends (exported for tests of schema code). */
export function createTableInput(opts: CreateTableOptions = {}): CreateTableCommandInput {
  const name = opts.name ?? uniqueName('t');
  const defs = new Map<string, ScalarAttributeType>();
  const define = (k: KeyAttribute | undefined) => {
    if (k === undefined) return;
    const { name: attr, type } = keyAttr(k);
    const existing = defs.get(attr);
    if (existing && existing !== type)
      throw new Error(`Attribute ${attr} defined as ${existing} and ${type}`);
    defs.set(attr, type);
  };
  const partitionKey = opts.partitionKey ?? { name: 'pk', type: 'S' };
  const tableKeySchema = opts.keySchema ?? keySchema(partitionKey, opts.sortKey);
  if (!opts.keySchema) {
    define(partitionKey);
    define(opts.sortKey);
  }
  for (const d of opts.attributeDefinitions ?? []) {
    if (d.AttributeName && d.AttributeType) define({ name: d.AttributeName, type: d.AttributeType });
  }
  const provisioned = opts.billing && opts.billing !== 'PAY_PER_REQUEST' ? opts.billing : undefined;
  const billingMode: BillingMode = provisioned ? 'PROVISIONED' : 'PAY_PER_REQUEST';
  const hashName = tableKeySchema.find((e) => e.KeyType === 'HASH')?.AttributeName ?? 'pk';

  const gsis: GlobalSecondaryIndex[] | undefined = opts.gsis?.map((g) => {
    define(g.partitionKey);
    define(g.sortKey);
    return {
      IndexName: g.name,
      KeySchema: keySchema(g.partitionKey, g.sortKey),
      Projection: projection(g.projection),
      ...(provisioned
        ? {
            ProvisionedThroughput: {
              ReadCapacityUnits: g.readCapacity ?? provisioned.readCapacity,
              WriteCapacityUnits: g.writeCapacity ?? provisioned.writeCapacity,
            },
          }
        : {}),
    };
  });
  const lsis: LocalSecondaryIndex[] | undefined = opts.lsis?.map((l) => {
    define(l.sortKey);
    return {
      IndexName: l.name,
      KeySchema: [
        { AttributeName: hashName, KeyType: 'HASH' },
        { AttributeName: keyAttr(l.sortKey).name, KeyType: 'RANGE' },
      ],
      Projection: projection(l.projection),
    };
  });

  return {
    TableName: name,
    KeySchema: tableKeySchema,
    AttributeDefinitions: [...defs].map(([AttributeName, AttributeType]) => ({
      AttributeName,
      AttributeType,
    })),
    BillingMode: billingMode,
    ...(provisioned
      ? {
          ProvisionedThroughput: {
            ReadCapacityUnits: provisioned.readCapacity,
            WriteCapacityUnits: provisioned.writeCapacity,
          },
        }
      : {}),
    ...(gsis?.length ? { GlobalSecondaryIndexes: gsis } : {}),
    ...(lsis?.length ? { LocalSecondaryIndexes: lsis } : {}),
    ...(opts.stream ? { StreamSpecification: { StreamEnabled: true, StreamViewType: opts.stream } } : {}),
    ...(opts.tags?.length ? { Tags: opts.tags } : {}),
    ...(opts.deletionProtection !== undefined ? { DeletionProtectionEnabled: opts.deletionProtection } : {}),
  };
}

/**
 * Creates a table and waits until it is ACTIVE.
 *
 * @example
 * const { name, streamArn } = await createTable(ddb, { sortKey: { name: 'sk', type: 'N' }, stream: 'NEW_AND_OLD_IMAGES' });
 */
export async function createTable(
  client: DynamoDBClient,
  opts: CreateTableOptions = {},
): Promise<CreatedTable> {
  const input = createTableInput(opts);
  const out = await client.send(new CreateTableCommand(input));
  const name = input.TableName as string;
  await waitUntilTableExists({ client, maxWaitTime: 60, minDelay: 1, maxDelay: 2 }, { TableName: name });
  const desc = out.TableDescription;
  return {
    name,
    arn: desc?.TableArn ?? '',
    ...(desc?.LatestStreamArn ? { streamArn: desc.LatestStreamArn } : {}),
  };
}

/**
 * Every item of a table through a paginated plain Scan (raw AttributeValue maps).
 * For assertions on small tables; moto scans ~2,400 small items/s.
 */
export async function scanAll(
  client: DynamoDBClient,
  tableName: string,
  opts: { consistentRead?: boolean } = {},
): Promise<Item[]> {
  const items: Item[] = [];
  let startKey: Item | undefined;
  do {
    const page = await client.send(
      new ScanCommand({
        TableName: tableName,
        ExclusiveStartKey: startKey,
        ConsistentRead: opts.consistentRead,
      }),
    );
    items.push(...((page.Items ?? []) as Item[]));
    startKey = page.LastEvaluatedKey as Item | undefined;
  } while (startKey);
  return items;
}

/**
 * Seeds a table: plain BatchWriteItem calls of 25 puts (`concurrency` in flight, default 1),
 * re-sending UnprocessedItems (a few rounds), independent of the batch writer under test.
 * Throws when items stay unprocessed.
 */
export async function putItems(
  client: DynamoDBClient,
  tableName: string,
  items: readonly Item[],
  opts: { concurrency?: number } = {},
): Promise<void> {
  const chunks: Item[][] = [];
  for (let i = 0; i < items.length; i += 25) chunks.push(items.slice(i, i + 25));
  const worker = async () => {
    for (let chunk = chunks.shift(); chunk; chunk = chunks.shift()) {
      let requests: WriteRequest[] = chunk.map((Item) => ({ PutRequest: { Item } }));
      for (let round = 0; requests.length > 0; round += 1) {
        if (round === 5)
          throw new Error(`putItems: ${requests.length} items stayed unprocessed in ${tableName}`);
        const out = await client.send(new BatchWriteItemCommand({ RequestItems: { [tableName]: requests } }));
        requests = out.UnprocessedItems?.[tableName] ?? [];
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, opts.concurrency ?? 1) }, worker));
}
