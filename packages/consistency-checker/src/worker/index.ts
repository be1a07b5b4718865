// The Distributed Map worker (and its local twin): one range of segments per item, checkpointed.
export {
  awsWorkerDeps,
  createLoadMergeHandler,
  createLoadWorker,
  createMergeHandler,
  createVerifyWorker,
} from './create-worker.js';
export type {
  LoadMergeResult,
  LoadWorkerHandler,
  MergeResult,
  VerifyWorkerHandler,
} from './create-worker.js';
export { DEFAULT_LOAD_RESERVE_MS, readMarkers as readLoadMarkers, runLoadBatch } from './run-load.js';
export type { LoadBatchSummary, LoadFileMarker, LoadWorkerDeps } from './run-load.js';
export { mergeLoadWork, parseItemList } from './merge-load.js';
export type { LoadSummary } from './merge-load.js';
export {
  fileBatches,
  LOAD_SUMMARY_KEY,
  loadBatchSummaryKey,
  loadDoneKey,
  parseLoadEvent,
} from './load-event.js';
export type {
  FailedLoadFile,
  LoadBatch,
  LoadEvent,
  LoadFile,
  LoadJob,
  LoadResult,
  LoadWorkerOptions,
} from './load-event.js';
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
