import type { CreateTableInput } from '@aws-sdk/client-dynamodb';
import { resolveCapacity } from './capacity.js';
import {
  commonNotCarried,
  copyKeySchema,
  copyWarmThroughput,
  mapGlobalSecondaryIndexes,
  mapLocalSecondaryIndexes,
  mapSse,
  resolveStream,
  splitTags,
  ttlAndPitrSettings,
  usedAttributeDefinitions,
} from './table-parts.js';
import type { SchemaMapping, SchemaMappingOptions, SourceTableInfo } from './types.js';

/**
 * Maps the source table onto a full `CreateTableInput` (write mode): keys, used attribute
 * definitions, GSIs and LSIs, billing/capacity (the seed's override rules), on-demand maximums,
 * SSE, tags (without aws: tags), deletion protection, table class, warm throughput and, when
 * asked, a stream. TTL and PITR are not CreateTable members and land in `postCreate`.
 *
 * @throws ConfigError when the capacity overrides cannot give a valid table.
 * @example
 * const { input, postCreate } = toCreateTableInput(info, { targetTableName: 'orders' });
 * await target.send(new CreateTableCommand(input));
 * await applyPostCreateSettings(target, 'orders', postCreate);
 */
export function toCreateTableInput(
  info: SourceTableInfo,
  opts: SchemaMappingOptions,
): SchemaMapping<CreateTableInput> {
  const table = info.table;
  const capacity = resolveCapacity(table, opts.capacity);
  const gsis = mapGlobalSecondaryIndexes(table, capacity);
  const lsis = mapLocalSecondaryIndexes(table);
  const input: CreateTableInput = {
    TableName: opts.targetTableName,
    AttributeDefinitions: usedAttributeDefinitions(table, [
      table.KeySchema,
      ...gsis.map((g) => g.KeySchema),
      ...lsis.map((l) => l.KeySchema),
    ]),
    KeySchema: copyKeySchema(table.KeySchema),
    BillingMode: capacity.billingMode,
  };
  if (capacity.provisionedThroughput) input.ProvisionedThroughput = { ...capacity.provisionedThroughput };
  if (capacity.onDemandThroughput) input.OnDemandThroughput = { ...capacity.onDemandThroughput };
  if (gsis.length > 0) input.GlobalSecondaryIndexes = gsis;
  if (lsis.length > 0) input.LocalSecondaryIndexes = lsis;
  const sse = mapSse(table, opts);
  if (sse.spec) input.SSESpecification = sse.spec;
  const tags = splitTags(info.tags);
  if (tags.carried.length > 0) input.Tags = tags.carried;
  const tableClass = table.TableClassSummary?.TableClass;
  if (tableClass && tableClass !== 'STANDARD') input.TableClass = tableClass;
  if (table.DeletionProtectionEnabled) input.DeletionProtectionEnabled = true;
  const warm = copyWarmThroughput(table.WarmThroughput);
  if (warm) input.WarmThroughput = warm;
  const stream = resolveStream(table, opts);
  if (stream.viewType) input.StreamSpecification = { StreamEnabled: true, StreamViewType: stream.viewType };

  const warnings = [...(info.warnings ?? []), ...capacity.warnings, ...sse.warnings];
  if (warm) {
    warnings.push(
      `The target is pre-warmed to the source's warm throughput (${warm.ReadUnitsPerSecond ?? '-'} reads/s, ${warm.WriteUnitsPerSecond ?? '-'} writes/s); pre-warming is billed once and cannot be decreased.`,
    );
  }
  const notCarried = [
    ...capacity.notCarried,
    ...sse.notCarried,
    ...tags.notCarried,
    ...stream.notCarried,
    ...commonNotCarried(info),
  ];
  return { input, postCreate: ttlAndPitrSettings(info), notCarried, warnings };
}
