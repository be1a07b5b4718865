import type { CutoverRecord, FinishRecord, VerifyRecord } from '../cutover/cutover-state.js';
import type { CdcMode, LoadMode } from '../migration-options.js';
import type { CdcAccount } from '../migration-clients.js';

/** What identifies one migration: the same key always finds the same state file. */
export interface MigrationKey {
  sourceAccountId: string;
  sourceRegion: string;
  sourceTableName: string;
  targetAccountId: string;
  targetRegion: string;
  targetTableName: string;
}

/** A step's lifecycle: `started` is written BEFORE the side effect (write-ahead), `done` after. */
export type StepStatus = 'started' | 'done';

export interface PitrStep {
  status: StepStatus;
  enabledByUs: boolean;
}

export interface StreamStep {
  status: StepStatus;
  streamArn?: string;
  viewType?: string;
  /** ISO time the stream was enabled (or first seen, when it already existed). */
  enabledAt: string;
  enabledByUs: boolean;
}

export interface ExportStep {
  status: StepStatus;
  clientToken: string;
  bucket: string;
  bucketOwner: string;
  prefix: string;
  /** ISO time just before the export request: the cut-off when the service reports none. */
  requestedAt: string;
  exportArn?: string;
  /** The export's cut-off T (ISO): DescribeExport's ExportTime, else requestedAt. */
  exportTime?: string;
  exportTimeSource?: 'service' | 'requested';
  itemCount?: number;
  /** The export FAILED (DescribeExport's FailureCode/FailureMessage); a re-run starts a new one. */
  failure?: { code: string; message: string; at: string };
  /** ARNs of earlier exports of this run that FAILED (kept for the record). */
  failedExportArns?: string[];
}

export interface LoadedFile {
  key: string;
  items: number;
}

export interface LoadStep {
  status: StepStatus;
  mode: LoadMode;
  dataPrefix?: string;
  /** import mode */
  clientToken?: string;
  /** import mode: ISO time of the first ImportTable request with clientToken (idempotent for 8 h). */
  requestedAt?: string;
  importArn?: string;
  /** write mode: did we create the table? */
  tableCreated?: boolean;
  /** write mode: data files fully written. */
  loadedFiles: LoadedFile[];
  totalFiles?: number;
  itemsLoaded: number;
  /** import mode: the finished import's counts next to the export's. */
  importCounts?: ImportCounts;
  /** Why the load cannot finish as recorded (an incomplete or failed import): allows --load-mode write. */
  failure?: { code: string; message: string; at: string };
}

/** Where the expected item count of an import came from. */
export type ExpectedCountSource = 'export' | 'manifest' | 'data-files';

/** The counts of a finished import next to the export's count. */
export interface ImportCounts {
  expectedItems: number;
  expectedSource: ExpectedCountSource;
  /** ImportedItemCount; undefined when the service reported none. */
  importedItems?: number;
  processedItems?: number;
  errorCount: number;
  failureCode?: string;
  /** imported == expected and no errors. */
  complete: boolean;
}

/** A load given up on (an incomplete import replaced by a write-mode load), kept for the record. */
export interface AbandonedLoad {
  load: LoadStep;
  abandonedAt: string;
}

export interface SettingsStep {
  status: StepStatus;
  applied: string[];
  failed: { kind: string; error: string }[];
  notCarried: { setting: string; reason: string }[];
}

/** A statement ddb-migrate merged into a resource policy of the source (stream or table). */
export interface CdcAccessGrant {
  /** The stream or table ARN the policy is attached to. */
  resourceArn: string;
  sid: string;
  /** The RevisionId after the put. */
  revisionId: string;
  /** ISO time of the put. */
  putAt: string;
}

export interface CdcStep {
  status: StepStatus;
  mode: CdcMode;
  /** Lambda mode: the account of the function, its queue and mapping (absent: `source`). */
  account?: CdcAccount;
  /** Lambda mode: the function's ARN and execution role, as last configured. */
  functionArn?: string;
  functionRoleArn?: string;
  /** `account: 'target'`: the statements put on the source stream's (and table's) resource policy. */
  accessGrants?: CdcAccessGrant[];
  /** ISO time CDC (re)started applying from. */
  startedAt?: string;
  cutoff?: string;
  functionConfigured?: boolean;
  /** ISO time CreateEventSourceMapping was first sent (write-ahead: finds our mapping if the UUID was lost). */
  esmRequestedAt?: string;
  /** The mapping this migration created or adopted; the only one it reuses. */
  esmUuid?: string;
  checkpointDir?: string;
  applied?: number;
  drainedAt?: string;
}

/**
 * One incremental export of a catch-up, ExportFromTime (inclusive) .. ExportToTime (exclusive).
 * `requested` is written BEFORE the request is sent (write-ahead, with its ClientToken), so a re-run
 * sends the same request (the token returns the same export) instead of a second export;
 * `exported` once it is COMPLETED; `applied` once its changes are written to the target.
 */
export interface CatchUpWindow {
  status: 'requested' | 'exported' | 'applied';
  /** ISO ExportFromTime. */
  from: string;
  /** ISO ExportToTime. */
  to: string;
  clientToken: string;
  /** S3Prefix of this window's export (one prefix per window). */
  prefix: string;
  /** ISO time the request was first recorded (the ClientToken is idempotent for 8 h). */
  requestedAt: string;
  exportArn?: string;
  /** DescribeExport's counts once COMPLETED. */
  itemCount?: number;
  billedSizeBytes?: number;
  /** What applying the window wrote: puts, deletes, and lines skipped for a newer write of the same key. */
  applied?: { files: number; puts: number; deletes: number; superseded: number };
  /** The export FAILED; a re-run requests the window again with a new token. */
  failure?: { code: string; message: string; at: string };
  failedExportArns?: string[];
}

/**
 * The incremental-export catch-up: when the load ended too late for the stream's 24 h, windows
 * bridge T - margin .. T2, applied in order, then CDC starts with its cut-off at T2 - margin.
 */
export interface CatchUpStep {
  status: StepStatus;
  /** ISO time the catch-up was first decided. */
  startedAt: string;
  windows: CatchUpWindow[];
  /** ISO T2, set once every window is applied: CDC's EXPORT_TIME (it replays from T2 - margin). */
  cdcExportTime?: string;
}

/** Everything a migration has done so far; written atomically after every step. */
export interface MigrationState {
  version: 1;
  key: MigrationKey;
  runId: string;
  createdAt: string;
  updatedAt: string;
  loadMode: LoadMode;
  cdcMode: CdcMode;
  pitr?: PitrStep;
  stream?: StreamStep;
  export?: ExportStep;
  load?: LoadStep;
  /** Earlier loads replaced by a write-mode load (after IMPORT_INCOMPLETE). */
  abandonedLoads?: AbandonedLoad[];
  settings?: SettingsStep;
  /** The incremental-export catch-up, when the load ended too late for the stream. */
  catchUp?: CatchUpStep;
  cdc?: CdcStep;
  completedAt?: string;
  /** The last verify of these tables run with this state dir (cutover's precondition). */
  verify?: VerifyRecord;
  /** The cutover to the target, once started. */
  cutover?: CutoverRecord;
  /** The way back to the source, once started. */
  rollback?: CutoverRecord;
  /** `ddb-migrate finish` cleaned up. */
  finish?: FinishRecord;
}

/**
 * The export time CDC starts from (its EXPORT_TIME; it replays from this minus the margin): T2 of a
 * finished catch-up, else the full export's cut-off T.
 */
export function cdcExportTime(state: MigrationState): string | undefined {
  return state.catchUp?.cdcExportTime ?? state.export?.exportTime;
}

/** The last step that finished, for status lines. */
export function lastFinishedStep(state: MigrationState): string {
  if (state.completedAt) return 'completed';
  const order: [keyof MigrationState, string][] = [
    ['cdc', 'cdc'],
    ['catchUp', 'catch-up'],
    ['settings', 'settings'],
    ['load', 'load'],
    ['export', 'export'],
    ['stream', 'stream'],
    ['pitr', 'pitr'],
  ];
  for (const [k, name] of order) {
    const step = state[k] as { status?: StepStatus } | undefined;
    if (step?.status === 'done') return name;
  }
  return 'none';
}

/** The account that holds this migration's CDC function, queue and mapping (`source` unless recorded). */
export function cdcAccountOf(state: Pick<MigrationState, 'cdc'> | undefined): CdcAccount {
  return state?.cdc?.account ?? 'source';
}
