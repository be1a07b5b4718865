// The Distributed Map worker (and its local twin): one range of segments per item, checkpointed.
export { awsWorkerDeps, createMergeHandler, createVerifyWorker } from './create-worker.js';
export type { MergeResult, VerifyWorkerHandler } from './create-worker.js';
export { runVerifyRange, PART_LINES, checkpointKey, rangeSummaryKey } from './run-range.js';
export type { InvocationContext, WorkerDeps } from './run-range.js';
export { MERGED_SUMMARY_KEY, mergeWork, readMergedReport } from './merge-work.js';
export type { MergedWork } from './merge-work.js';
export type { RangeCheckpoint, RangeSummary } from './checkpoint.js';
export { directoryWorkStore, openWorkStore, parseS3Url, s3WorkStore } from './work-store.js';
export type { WorkStore } from './work-store.js';
export { parseWorkerEvent, rangeId, segmentRanges } from './worker-event.js';
export type {
  SegmentRange,
  VerifyJob,
  WorkerEvent,
  WorkerOptions,
  WorkerResult,
  WorkerSide,
} from './worker-event.js';
