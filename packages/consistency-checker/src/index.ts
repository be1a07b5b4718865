export { verifyTables, verifyTablesResumable } from './verify-tables.js';
export type {
  Difference,
  DifferenceKind,
  ResumableVerifyOptions,
  ResumableVerifyResult,
  SegmentCursor,
  TableSide,
  VerifyCounts,
  VerifyOptions,
  VerifyProgress,
  VerifySummary,
} from './types.js';
export { parseSegmentRange } from './segments.js';
export {
  createReportWriter,
  differenceToJson,
  mergeSummaries,
  readSummaryFile,
  writeSummaryFile,
} from './report.js';
export type { ReportWriter } from './report.js';
export { KeyNotStableError } from './errors.js';
export { resyncKey } from './resync-key.js';
export type { ResyncOptions, ResyncOutcome, ResyncTable } from './resync-key.js';
export { DEFAULT_RECHECK_ATTEMPTS, DEFAULT_RECHECK_DELAY_SECONDS, recheckDelaysMs } from './recheck-queue.js';
