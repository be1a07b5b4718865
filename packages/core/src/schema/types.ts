import type {
  ContinuousBackupsDescription,
  OnDemandThroughput,
  StreamViewType,
  TableClass,
  TableDescription,
  Tag,
  TimeToLiveDescription,
  WarmThroughput,
} from '@aws-sdk/client-dynamodb';

/** Everything ddb-migrate reads about the source table before it plans a migration. */
export interface SourceTableInfo {
  /** DescribeTable's `Table`. */
  table: TableDescription;
  /** DescribeTimeToLive's description (absent when the call returned none). */
  ttl?: TimeToLiveDescription;
  /** DescribeContinuousBackups' description (PITR status and recovery period). */
  continuousBackups?: ContinuousBackupsDescription;
  /** All tags of the table (every ListTagsOfResource page). */
  tags: Tag[];
  /** The table's resource-based policy document, when it has one. */
  resourcePolicy?: string;
  /** Things that could not be read but do not block a migration (e.g. no permission for GetResourcePolicy). */
  warnings?: string[];
}

/**
 * The seed's capacity flags (`--target-table-read-capacity`, `--target-table-write-capacity`,
 * `--target-gsi-read-capacity`, `--target-gsi-write-capacity`). All optional: without them the
 * target copies the source's billing mode and capacity.
 */
export interface CapacityOverrides {
  tableReadCapacity?: number;
  tableWriteCapacity?: number;
  gsiReadCapacity?: number;
  gsiWriteCapacity?: number;
}

/**
 * What the target's stream should be.
 * - `undefined` / `false` (default): no stream; a source stream is reported as not carried.
 * - `'source'`: the source's view type (none when the source has no stream).
 * - a view type: that stream.
 */
export type TargetStreamOption = StreamViewType | 'source' | false;

/** Options of {@link toImportTableCreationParameters} and {@link toCreateTableInput}. */
export interface SchemaMappingOptions {
  /** Name of the table to create in the target account. */
  targetTableName: string;
  /** The seed's capacity overrides. */
  capacity?: CapacityOverrides;
  /** Stream on the target table; default none (see {@link TargetStreamOption}). */
  targetStream?: TargetStreamOption;
  /**
   * A KMS key (id, ARN or alias) in the target account. When set and the source uses KMS
   * encryption, the target is encrypted with it; otherwise with the target account's AWS managed key.
   */
  targetKmsKeyId?: string;
}

interface PostCreateBase {
  /** One human sentence for the plan and the drift report. */
  description: string;
}

/** A setting the create/import call cannot set; applied afterwards by {@link applyPostCreateSettings}. */
export type PostCreateSetting =
  | (PostCreateBase & { kind: 'ttl'; attributeName: string })
  | (PostCreateBase & { kind: 'pitr'; recoveryPeriodInDays?: number })
  | (PostCreateBase & { kind: 'tags'; tags: Tag[] })
  | (PostCreateBase & { kind: 'deletion-protection'; enabled: boolean })
  | (PostCreateBase & { kind: 'table-class'; tableClass: TableClass })
  | (PostCreateBase & { kind: 'stream'; streamViewType: StreamViewType })
  | (PostCreateBase & { kind: 'warm-throughput'; warmThroughput: WarmThroughput })
  | (PostCreateBase & { kind: 'resource-policy'; policy: string })
  | (PostCreateBase & { kind: 'on-demand-throughput'; onDemandThroughput: OnDemandThroughput });

/** The `kind` of a {@link PostCreateSetting}. */
export type PostCreateSettingKind = PostCreateSetting['kind'];

/** A source setting the target will not get, with the reason and what to do about it. */
export interface NotCarriedSetting {
  setting: string;
  reason: string;
}

/** The result of mapping a source table onto a create/import input. */
export interface SchemaMapping<T> {
  /** The request input, built field by field (never copied from DescribeTable). */
  input: T;
  /** Settings to apply once the table exists. */
  postCreate: PostCreateSetting[];
  /** Source settings the target will not have. */
  notCarried: NotCarriedSetting[];
  /** Things the user should know (capacity decisions, costs). */
  warnings: string[];
}
