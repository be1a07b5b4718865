// Errors, logging, env (lead)
export {
  MigrationError,
  ConfigError,
  PreflightError,
  AwsCallError,
  InternalError,
  BUG_REPORT_HINT,
  DynamoJsonError,
  isMigrationError,
} from './errors.js';
export type { MigrationErrorOptions } from './errors.js';
export type { ErrorCode } from './error-codes.js';
export { describeSdkError, sdkErrorName, unreachableEndpoint } from './sdk-error.js';
export type { UnreachableEndpoint } from './sdk-error.js';
export { localPathError } from './local-path-error.js';
export type { LocalPath } from './local-path-error.js';
export { noopLogger } from './logger.js';
export type { Logger, LogFields } from './logger.js';
export { getStringFromEnv, getOptionalStringFromEnv, getIntFromEnv, getEnumFromEnv } from './env.js';
export type { Env } from './env.js';

// --- attribute-value (section owned by the attribute-value work) ---
export { attributeValueType } from './attribute-value/attribute-type.js';
export { fromDynamoJson, toDynamoJson } from './attribute-value/dynamo-json.js';
export { attributeValuesEqual, diffItemAttributes, itemsEqual } from './attribute-value/equality.js';
export { itemSizeBytes } from './attribute-value/item-size.js';
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
export type {
  SourceTableInfo,
  CapacityOverrides,
  SchemaMappingOptions,
  TargetStreamOption,
  PostCreateSetting,
  NotCarriedSetting,
  SchemaMapping,
} from './schema/types.js';
// --- end schema ---

// --- clients, write, export (section owned by the clients/writer/export work) ---
// clients
export type {
  AssumeRoleConfig,
  AwsCredentialIdentity,
  AwsCredentialIdentityProvider,
  AwsSideConfig,
  TargetAccess,
} from './clients/aws-side-config.js';
export { partitionFromRegion, roleArnFromName } from './clients/role-arn.js';
export {
  assumeRoleCredentials,
  CREDENTIAL_REFRESH_WINDOW_MS,
  DEFAULT_ROLE_SESSION_NAME,
  memoizeCredentials,
} from './clients/assume-role.js';
export {
  createDynamoDbClient,
  createS3Client,
  createStreamsClient,
  createStsClient,
} from './clients/create-clients.js';
export { sideClientConfig, sideCredentials } from './clients/side-client-config.js';
export { createHttpHandler, DEFAULT_MAX_SOCKETS } from './clients/http-handler.js';
// write
export type { BackoffOptions } from './write/backoff.js';
export { backoffDelayMs, isRetryableError, isThrottlingError, sleep } from './write/backoff.js';
export { isRetryableCallError, retryCall } from './write/retry-call.js';
export type { RetryCallOptions } from './write/retry-call.js';
export { TokenBucket } from './write/token-bucket.js';
export type {
  BatchWriteClient,
  BatchWriteOptions,
  BatchWriteResult,
  FailedWrite,
  WriteOp,
} from './write/write-op.js';
export type { BatchWriter } from './write/batch-writer.js';
export { batchWrite, createBatchWriter } from './write/batch-writer.js';
export { loadExportFiles } from './write/load-export-files.js';
export type {
  LoadedFileStats,
  LoadExportFilesOptions,
  LoadExportFilesResult,
} from './write/load-export-files.js';
// export
export type {
  ExportDataFile,
  ExportLocation,
  ExportManifestSummary,
  LocatedExport,
} from './export/locate-export.js';
export { locateExportDataFiles } from './export/locate-export.js';
export type { ReadExportItemsOptions } from './export/read-export-items.js';
export { readExportItems } from './export/read-export-items.js';
export type { S3ReadClient } from './export/s3-objects.js';
export type { ExportCountCheck, ExportCountMismatch } from './export/verify-export-counts.js';
export { verifyExportCounts } from './export/verify-export-counts.js';
export type {
  IncrementalManifestSummary,
  IncrementalViewType,
  LocatedIncrementalExport,
} from './export/incremental-manifest.js';
export { locateIncrementalExport } from './export/incremental-manifest.js';
export type { IncrementalRecord } from './export/incremental-records.js';
export { parseIncrementalLine, readIncrementalRecords } from './export/incremental-records.js';
// --- end clients, write, export ---
