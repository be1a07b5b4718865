import type { TableCreationParameters } from '@aws-sdk/client-dynamodb';
import { resolveCapacity } from './capacity.js';
import {
  commonNotCarried,
  copyKeySchema,
  copyWarmThroughput,
  mapGlobalSecondaryIndexes,
  mapSse,
  resolveStream,
  splitTags,
  ttlAndPitrSettings,
  usedAttributeDefinitions,
} from './table-parts.js';
import type { PostCreateSetting, SchemaMapping, SchemaMappingOptions, SourceTableInfo } from './types.js';

/**
 * Maps the source table onto ImportTable's `TableCreationParameters`: keys, the attribute
 * definitions the keys use, GSIs (keys, projection, throughput, warm throughput), billing mode
 * and capacity (the seed's override rules, see {@link CapacityOverrides}), on-demand maximums and SSE.
 * What ImportTable cannot set (TTL, PITR, tags, deletion protection, table class, table warm
 * throughput, stream) lands in `postCreate`; LSIs (ImportTable cannot create them: use write mode),
 * the source's KMS key, aws: tags and the resource policy land in `notCarried`.
 *
 * @throws ConfigError when the capacity overrides cannot give a valid table.
 * @example
 * const { input, postCreate, notCarried } = toImportTableCreationParameters(info, { targetTableName: 'orders' });
 */
export function toImportTableCreationParameters(
  info: SourceTableInfo,
  opts: SchemaMappingOptions,
): SchemaMapping<TableCreationParameters> {
  const table = info.table;
  const capacity = resolveCapacity(table, opts.capacity);
  const gsis = mapGlobalSecondaryIndexes(table, capacity);
  const input: TableCreationParameters = {
    TableName: opts.targetTableName,
    AttributeDefinitions: usedAttributeDefinitions(table, [table.KeySchema, ...gsis.map((g) => g.KeySchema)]),
    KeySchema: copyKeySchema(table.KeySchema),
    BillingMode: capacity.billingMode,
  };
  if (capacity.provisionedThroughput) input.ProvisionedThroughput = { ...capacity.provisionedThroughput };
  if (capacity.onDemandThroughput) input.OnDemandThroughput = { ...capacity.onDemandThroughput };
  if (gsis.length > 0) input.GlobalSecondaryIndexes = gsis;
  const sse = mapSse(table, opts);
  if (sse.spec) input.SSESpecification = sse.spec;

  const warnings = [...(info.warnings ?? []), ...capacity.warnings, ...sse.warnings];
  const notCarried = [...capacity.notCarried, ...sse.notCarried];
  const lsis = table.LocalSecondaryIndexes ?? [];
  if (lsis.length > 0) {
    notCarried.push({
      setting: `local-secondary-indexes (${lsis.map((l) => l.IndexName).join(', ')})`,
      reason:
        'ImportTable cannot create local secondary indexes and they cannot be added later; use write mode (CreateTable with the full schema, then BatchWriteItem).',
    });
  }

  const postCreate: PostCreateSetting[] = ttlAndPitrSettings(info);
  const tags = splitTags(info.tags);
  notCarried.push(...tags.notCarried);
  if (tags.carried.length > 0) {
    postCreate.push({
      kind: 'tags',
      tags: tags.carried,
      description: `Tag the table (${tags.carried.length} tags)`,
    });
  }
  const tableClass = table.TableClassSummary?.TableClass;
  if (tableClass && tableClass !== 'STANDARD') {
    postCreate.push({ kind: 'table-class', tableClass, description: `Set table class ${tableClass}` });
  }
  const warm = copyWarmThroughput(table.WarmThroughput);
  if (warm) {
    postCreate.push({
      kind: 'warm-throughput',
      warmThroughput: warm,
      description: `Pre-warm the table to ${warm.ReadUnitsPerSecond ?? '-'} reads/s, ${warm.WriteUnitsPerSecond ?? '-'} writes/s (billed once; cannot be decreased)`,
    });
  }
  const stream = resolveStream(table, opts);
  notCarried.push(...stream.notCarried);
  if (stream.viewType) {
    postCreate.push({
      kind: 'stream',
      streamViewType: stream.viewType,
      description: `Enable a ${stream.viewType} stream`,
    });
  }
  if (table.DeletionProtectionEnabled) {
    postCreate.push({
      kind: 'deletion-protection',
      enabled: true,
      description: 'Enable deletion protection',
    });
  }
  notCarried.push(...commonNotCarried(info));
  return { input, postCreate, notCarried, warnings };
}
