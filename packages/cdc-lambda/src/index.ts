// Apply engine (a plain function: used by the Lambda handler and the local runner)
export { applyStreamBatch, emptyApplyCounters } from './apply/apply-stream-batch.js';
export type { ApplyConfig, ApplyCounters, ApplyDeps, ApplyResult } from './apply/apply-config.js';
export { sendDeadLetter } from './apply/dead-letter.js';
export type { DeadLetterMessage } from './apply/dead-letter.js';
export type {
  BatchItemFailure,
  InvocationContext,
  LambdaStreamEvent,
  LambdaStreamRecord,
  StreamBatchResponse,
} from './apply/stream-event.js';

// Configuration
export {
  DEFAULT_EXPORT_TIME_MARGIN_SECONDS,
  MIN_EXPORT_TIME_MARGIN_SECONDS,
  readCdcLambdaConfig,
  tableArn,
} from './config/cdc-config.js';
export type { CdcLambdaConfig, TtlDeletesMode } from './config/cdc-config.js';
export { cutoffEpochSeconds, parseExportTime } from './config/export-time.js';

// Handler factory (handler.ts, the Lambda entry, only wires it)
export { createHandler } from './create-handler.js';
export type { HandlerDeps, MetricsSink, StreamHandler } from './create-handler.js';
export { createLambdaClients, toApplyConfig } from './lambda-clients.js';
export type { LambdaClients } from './lambda-clients.js';

// Local stream runner
export { runStream, STREAM_RETENTION_MS } from './runner/stream-runner.js';
export type { RunnerProgress, RunnerSummary, StreamRunnerOptions } from './runner/stream-runner.js';
export type { CheckpointState, ShardCheckpoint } from './runner/checkpoint-store.js';
export { oldestPendingRecord } from './runner/checkpoint-window.js';
export type { PendingRecords } from './runner/checkpoint-window.js';
export { RunnerInvariantError } from './errors.js';
export { describeAllShards } from './runner/shard-lineage.js';
export type { ShardInfo, StreamDescription } from './runner/shard-lineage.js';
export { ShardReader } from './runner/shard-reader.js';
export { toLambdaRecord } from './runner/to-lambda-record.js';
