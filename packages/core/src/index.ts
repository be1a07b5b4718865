// Errors, logging, env (lead)
export { MigrationError, ConfigError, PreflightError, AwsCallError, isMigrationError } from './errors.js';
export type { MigrationErrorOptions } from './errors.js';
export { noopLogger } from './logger.js';
export type { Logger, LogFields } from './logger.js';
export { getStringFromEnv, getOptionalStringFromEnv, getIntFromEnv, getEnumFromEnv } from './env.js';
export type { Env } from './env.js';

// --- attribute-value (section owned by the attribute-value work) ---
export { attributeValueType } from './attribute-value/attribute-type.js';
export { bytesEqual, bytesToBase64 } from './attribute-value/bytes.js';
export { compareDecimalStrings, normalizeNumber } from './attribute-value/decimal.js';
export {
  attributeValueFromDynamoJson,
  attributeValueToDynamoJson,
  DynamoJsonError,
  fromDynamoJson,
  toDynamoJson,
} from './attribute-value/dynamo-json.js';
export { attributeValuesEqual, diffItemAttributes, itemsEqual } from './attribute-value/equality.js';
export { attributeValueSizeBytes, itemSizeBytes } from './attribute-value/item-size.js';
export { canonicalKey, extractKey, keyNamesFromSchema } from './attribute-value/key.js';
export type { AttributeTypeTag, Item, KeyNames } from './attribute-value/types.js';
// --- end attribute-value ---

// --- schema (section owned by the schema work) ---
export { describeSourceTable } from './schema/describe-source-table.js';
export { toImportTableCreationParameters } from './schema/to-import-table-creation-parameters.js';
export { toCreateTableInput } from './schema/to-create-table-input.js';
export { applyPostCreateSettings } from './schema/apply-post-create-settings.js';
export type { ApplyPostCreateOptions, ApplyPostCreateResult } from './schema/apply-post-create-settings.js';
export { checkKeyCompatibility } from './schema/check-key-compatibility.js';
export { resolveCapacity, sourceBillingMode } from './schema/capacity.js';
export type { ResolvedCapacity } from './schema/capacity.js';
export type {
  SourceTableInfo,
  CapacityOverrides,
  SchemaMappingOptions,
  TargetStreamOption,
  PostCreateSetting,
  PostCreateSettingKind,
  NotCarriedSetting,
  SchemaMapping,
} from './schema/types.js';
// --- end schema ---

// --- clients, write, export (section owned by the clients/writer/export work) ---
// --- end clients, write, export ---
