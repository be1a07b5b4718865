import type { CapacityOverrides } from '@ddb-migrate/core';
import type { ExportFilesLoader } from './loader/export-files-loader.js';
import type { CdcAccount } from './migration-clients.js';

/** How the data gets into the target table: ImportTable, or BatchWriteItem into a created or existing table. */
export type LoadMode = 'import' | 'write';

/** How changes after the export reach the target: the CDC Lambda's event source mapping, this process, or not at all. */
export type CdcMode = 'lambda' | 'local' | 'none';

/**
 * Lambda mode: the account holding the CDC function, its queue and the event source mapping.
 * `source` is the seed's layout (the function writes across accounts); `target` reads the source
 * stream across accounts through a resource policy on the stream and writes locally.
 */
export type { CdcAccount };

/**
 * When the load ends too late for the stream's 24 h: bridge the gap with incremental exports before
 * CDC starts (`incremental`), or stop with STREAM_WINDOW_EXCEEDED (`refuse`).
 */
export type CatchUpMode = 'incremental' | 'refuse';

/**
 * How a migration runs. Every field has a default ({@link DEFAULT_MIGRATION_OPTIONS}); the CLI's
 * migrate flags map one to one onto these.
 */
export interface MigrationOptions {
  /** `auto`: import, unless the source has LSIs or the target table exists (then write). */
  loadMode: 'auto' | LoadMode;
  cdcMode: CdcMode;
  /** Lambda mode: the account of the CDC function, its queue and mapping (default `source`). */
  cdcAccount: CdcAccount;
  /** When the load ends too late for the stream's 24 h: incremental-export catch-up, or refuse. */
  catchUp: CatchUpMode;
  /** Provisioned capacity of the target; default: copy the source's billing mode. */
  capacity: CapacityOverrides;
  /** The CDC Lambda function (lambda mode), in the account `cdcAccount` names. */
  cdcLambdaFunctionName: string;
  /** Records per Lambda batch (lambda mode); local mode reads at most 1,000 a call. */
  lambdaEventSourceBatchSize: number;
  /** Concurrent Lambda batches per shard (1-10). */
  parallelizationFactor: number;
  /** The mapping's MaximumRetryAttempts; -1 retries until the record expires. */
  maxRetryAttempts: number;
  /** SQS queue URL for records CDC cannot apply; lambda mode defaults to the function's SQS_QUEUE_URL_FOR_FAILED_EVENTS. */
  dlqUrl?: string;
  /** Local CDC: return once the stream is drained and idle this many seconds (default: run until aborted). */
  stopAfterIdleSeconds?: number;
  /** Directory of the state file (one JSON file per source/target pair) and the local CDC checkpoint. */
  stateDir: string;
  /** Turn on PITR at the source when it is off (the export needs it). */
  enablePitr: boolean;
  /** Write mode: write units per second across all files (undefined: unlimited). */
  maxWcu?: number;
  /** Write mode: BatchWriteItem calls in flight. */
  writeConcurrency: number;
  /**
   * Write mode: load the data files on this engine instead of in this process (the CLI's
   * `--load-engine local|stepfunctions`). Code, not data: never part of a plan document.
   */
  loadEngine?: ExportFilesLoader;
  /** CDC replays records from the export time minus this margin (exports are accurate to +-1 min; at least 120). */
  exportTimeMarginSeconds: number;
  /** Minimum seconds between the stream's start and the export time T. */
  streamSettleSeconds: number;
  /** Root of the export's S3 prefix; `<table>/<runId>` is appended. */
  s3Prefix: string;
  /** Seconds between export/import status polls. */
  pollSeconds: number;
}

/** The defaults of {@link MigrationOptions} (the same as the CLI's flag defaults). */
export const DEFAULT_MIGRATION_OPTIONS: Readonly<MigrationOptions> = Object.freeze({
  loadMode: 'auto',
  cdcMode: 'lambda',
  cdcAccount: 'source',
  catchUp: 'incremental',
  capacity: {},
  cdcLambdaFunctionName: 'dynamodb-cross-account-cdc-lambda-function',
  lambdaEventSourceBatchSize: 100,
  parallelizationFactor: 1,
  // -1 (Lambda's own default): retry until the record expires; the handler parks what never succeeds.
  maxRetryAttempts: -1,
  stateDir: '.ddb-migrate',
  enablePitr: false,
  writeConcurrency: 8,
  // 120 is the CDC Lambda's own floor (EXPORT_TIME_MARGIN_SECONDS): exports are accurate to +-1 min.
  exportTimeMarginSeconds: 300,
  streamSettleSeconds: 65,
  s3Prefix: 'ddb-migrate',
  pollSeconds: 10,
});

/** The seed's default bucket: `dynamodb-export-to-s3-<target-region>-<target-account-id>`. */
export function defaultBucketName(targetRegion: string, targetAccountId: string): string {
  return `dynamodb-export-to-s3-${targetRegion}-${targetAccountId}`;
}
