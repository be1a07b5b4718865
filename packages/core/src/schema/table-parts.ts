import type {
  AttributeDefinition,
  GlobalSecondaryIndex,
  KeySchemaElement,
  LocalSecondaryIndex,
  Projection,
  SSESpecification,
  StreamViewType,
  TableDescription,
  Tag,
  WarmThroughput,
} from '@aws-sdk/client-dynamodb';
import type { ResolvedCapacity } from './capacity.js';
import type { NotCarriedSetting, PostCreateSetting, SchemaMappingOptions, SourceTableInfo } from './types.js';

// Every builder here copies named fields one by one: DescribeTable returns read-only members
// (TableClassSummary, IndexStatus, ItemCount, ...) that CreateTable/ImportTable reject.

/** Copies a key schema (AttributeName, KeyType only). */
export function copyKeySchema(keySchema: KeySchemaElement[] | undefined): KeySchemaElement[] {
  return (keySchema ?? []).map((k) => ({ AttributeName: k.AttributeName, KeyType: k.KeyType }));
}

function copyProjection(p: Projection | undefined): Projection {
  const out: Projection = { ProjectionType: p?.ProjectionType ?? 'ALL' };
  if (p?.NonKeyAttributes && p.NonKeyAttributes.length > 0) out.NonKeyAttributes = [...p.NonKeyAttributes];
  return out;
}

/**
 * The attribute definitions the given key schemas use, in first-use order. DynamoDB rejects
 * definitions that no key uses (e.g. an LSI's sort key once the LSI is dropped).
 */
export function usedAttributeDefinitions(
  table: TableDescription,
  keySchemas: (KeySchemaElement[] | undefined)[],
): AttributeDefinition[] {
  const byName = new Map((table.AttributeDefinitions ?? []).map((d) => [d.AttributeName, d]));
  const out: AttributeDefinition[] = [];
  const seen = new Set<string>();
  for (const ks of keySchemas) {
    for (const k of ks ?? []) {
      const name = k.AttributeName;
      if (name === undefined || seen.has(name)) continue;
      seen.add(name);
      const def = byName.get(name);
      if (def) out.push({ AttributeName: def.AttributeName, AttributeType: def.AttributeType });
    }
  }
  return out;
}

// Warm throughput a new table or GSI gets anyway (DynamoDB docs: 12,000 reads/s, 4,000 writes/s).
// DescribeTable reports warm throughput for every table; only values above these mean the source
// grew or was pre-warmed, and lower values can be refused by CreateTable.
const DEFAULT_WARM_READS = 12_000;
const DEFAULT_WARM_WRITES = 4_000;

/** The source's warm throughput dimensions above the defaults, or undefined (nothing to pre-warm). */
export function copyWarmThroughput(
  w: { ReadUnitsPerSecond?: number; WriteUnitsPerSecond?: number } | undefined,
): WarmThroughput | undefined {
  if (!w) return undefined;
  const out: WarmThroughput = {};
  if (w.ReadUnitsPerSecond !== undefined && w.ReadUnitsPerSecond > DEFAULT_WARM_READS) {
    out.ReadUnitsPerSecond = w.ReadUnitsPerSecond;
  }
  if (w.WriteUnitsPerSecond !== undefined && w.WriteUnitsPerSecond > DEFAULT_WARM_WRITES) {
    out.WriteUnitsPerSecond = w.WriteUnitsPerSecond;
  }
  return out.ReadUnitsPerSecond === undefined && out.WriteUnitsPerSecond === undefined ? undefined : out;
}

/** The source's GSIs with keys, projection and the resolved throughput. */
export function mapGlobalSecondaryIndexes(
  table: TableDescription,
  capacity: ResolvedCapacity,
): GlobalSecondaryIndex[] {
  return (table.GlobalSecondaryIndexes ?? []).map((gsi) => {
    const name = gsi.IndexName ?? '';
    const out: GlobalSecondaryIndex = {
      IndexName: name,
      KeySchema: copyKeySchema(gsi.KeySchema),
      Projection: copyProjection(gsi.Projection),
    };
    const provisioned = capacity.gsiProvisionedThroughput.get(name);
    if (provisioned) out.ProvisionedThroughput = { ...provisioned };
    const onDemand = capacity.gsiOnDemandThroughput.get(name);
    if (onDemand) out.OnDemandThroughput = { ...onDemand };
    const warm = copyWarmThroughput(gsi.WarmThroughput);
    if (warm) out.WarmThroughput = warm;
    return out;
  });
}

/** The source's LSIs with keys and projection. */
export function mapLocalSecondaryIndexes(table: TableDescription): LocalSecondaryIndex[] {
  return (table.LocalSecondaryIndexes ?? []).map((lsi) => ({
    IndexName: lsi.IndexName ?? '',
    KeySchema: copyKeySchema(lsi.KeySchema),
    Projection: copyProjection(lsi.Projection),
  }));
}

/**
 * SSE for the target. AWS owned (default) and AES256 map to the default (no specification).
 * KMS maps to KMS with `targetKmsKeyId` or the target account's AWS managed key: the source's
 * key ARN belongs to the source account and cannot encrypt a table in the target.
 */
export function mapSse(
  table: TableDescription,
  opts: SchemaMappingOptions,
): { spec?: SSESpecification; notCarried: NotCarriedSetting[]; warnings: string[] } {
  const sse = table.SSEDescription;
  const isKms =
    sse?.SSEType === 'KMS' && (sse.Status === 'ENABLED' || sse.Status === 'ENABLING' || !sse.Status);
  if (!isKms) return { notCarried: [], warnings: [] };
  const spec: SSESpecification = { Enabled: true, SSEType: 'KMS' };
  if (opts.targetKmsKeyId) {
    spec.KMSMasterKeyId = opts.targetKmsKeyId;
    return {
      spec,
      notCarried: [],
      warnings: [
        `The source is encrypted with KMS key ${sse.KMSMasterKeyArn ?? '(unknown)'}; the target uses ${opts.targetKmsKeyId}.`,
      ],
    };
  }
  return {
    spec,
    notCarried: [
      {
        setting: 'sse-kms-key',
        reason: `The source's KMS key ${sse.KMSMasterKeyArn ?? '(unknown)'} belongs to the source account and cannot encrypt the target; the target uses KMS with the target account's AWS managed key (aws/dynamodb). To use a customer managed key, create one in the target account and pass it as the target KMS key.`,
      },
    ],
    warnings: [
      "Source KMS key not carried: the target is encrypted with the target account's AWS managed key.",
    ],
  };
}

/** Tags the target can carry, and aws:-prefixed (reserved, system-owned) tags it cannot. */
export function splitTags(tags: Tag[]): { carried: Tag[]; notCarried: NotCarriedSetting[] } {
  const carried: Tag[] = [];
  const reserved: string[] = [];
  for (const t of tags) {
    if (t.Key === undefined) continue;
    if (t.Key.toLowerCase().startsWith('aws:')) reserved.push(t.Key);
    else carried.push({ Key: t.Key, Value: t.Value ?? '' });
  }
  const notCarried: NotCarriedSetting[] = reserved.map((key) => ({
    setting: `tag ${key}`,
    reason: 'Tags with the aws: prefix are reserved for AWS and cannot be set by users.',
  }));
  return { carried, notCarried };
}

/** The stream the target should get, or a not-carried entry for the source's stream. */
export function resolveStream(
  table: TableDescription,
  opts: SchemaMappingOptions,
): { viewType?: StreamViewType; notCarried: NotCarriedSetting[] } {
  const source = table.StreamSpecification?.StreamEnabled
    ? table.StreamSpecification.StreamViewType
    : undefined;
  const wanted = opts.targetStream;
  if (wanted === 'source') return source ? { viewType: source, notCarried: [] } : { notCarried: [] };
  if (wanted) return { viewType: wanted, notCarried: [] };
  if (!source) return { notCarried: [] };
  return {
    notCarried: [
      {
        setting: 'stream',
        reason: `The source has a ${source} stream; the target gets no stream unless asked (target stream option: 'source' or a view type).`,
      },
    ],
  };
}

/** TTL and PITR: never part of CreateTable/ImportTable, always applied afterwards. */
export function ttlAndPitrSettings(info: SourceTableInfo): PostCreateSetting[] {
  const out: PostCreateSetting[] = [];
  const ttl = info.ttl;
  if (ttl?.AttributeName && (ttl.TimeToLiveStatus === 'ENABLED' || ttl.TimeToLiveStatus === 'ENABLING')) {
    out.push({
      kind: 'ttl',
      attributeName: ttl.AttributeName,
      description: `Enable TTL on attribute ${ttl.AttributeName}`,
    });
  }
  const pitr = info.continuousBackups?.PointInTimeRecoveryDescription;
  if (pitr?.PointInTimeRecoveryStatus === 'ENABLED') {
    const days = pitr.RecoveryPeriodInDays;
    out.push(
      days !== undefined
        ? {
            kind: 'pitr',
            recoveryPeriodInDays: days,
            description: `Enable point-in-time recovery (${days} days)`,
          }
        : { kind: 'pitr', description: 'Enable point-in-time recovery' },
    );
  }
  return out;
}

/** Source settings neither CreateTable nor ImportTable carries in ddb-migrate. */
export function commonNotCarried(info: SourceTableInfo): NotCarriedSetting[] {
  const out: NotCarriedSetting[] = [];
  if (info.resourcePolicy) {
    out.push({
      setting: 'resource-policy',
      reason:
        "The source's resource policy names source-account principals; the target gets only the CDC writer policy ddb-migrate creates. Review and re-create other statements by hand.",
    });
  }
  if ((info.table.Replicas ?? []).length > 0) {
    out.push({
      setting: 'replicas',
      reason:
        'The source is a global table; the target is created in one Region. Add replicas to the target after the migration.',
    });
  }
  if ((info.table.VectorIndexes ?? []).length > 0) {
    out.push({
      setting: 'vector-indexes',
      reason: 'Vector indexes are not carried; re-create them on the target.',
    });
  }
  return out;
}
