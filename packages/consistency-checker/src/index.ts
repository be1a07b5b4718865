export { verifyTables } from './verify-tables.js';
export type {
  Difference,
  DifferenceKind,
  TableSide,
  VerifyCounts,
  VerifyOptions,
  VerifyProgress,
  VerifySummary,
} from './types.js';
export {
  coversAllSegments,
  defaultSegmentCount,
  MAX_DEFAULT_SEGMENTS,
  parseSegmentRange,
  selectSegments,
} from './segments.js';
export { keySchemaProblems } from './preflight.js';
export {
  createReportWriter,
  differenceToJson,
  mergeSummaries,
  readSummaryFile,
  summaryPathFor,
  writeSummaryFile,
} from './report.js';
export type { ReportWriter } from './report.js';
export { UnmatchedBuffer } from './unmatched-buffer.js';
export { KeyNotStableError, resyncKey } from './resync-key.js';
export type { ResyncOptions, ResyncOutcome, ResyncTable } from './resync-key.js';
export {
  DEFAULT_RECHECK_ATTEMPTS,
  DEFAULT_RECHECK_DELAY_SECONDS,
  MAX_RECHECK_DELAY_MS,
  recheckDelaysMs,
} from './recheck-queue.js';
