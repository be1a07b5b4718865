import type { ApplyConfig, ApplyDeps, ApplyResult } from './apply/apply-config.js';
import { applyStreamBatch } from './apply/apply-stream-batch.js';
import type { InvocationContext, LambdaStreamEvent, StreamBatchResponse } from './apply/stream-event.js';

/** Where the handler sends its numbers (Powertools Metrics in the Lambda, a spy in tests). */
export interface MetricsSink {
  addMetric(name: string, unit: 'Count' | 'Milliseconds', value: number): void;
  publishStoredMetrics(): void;
}

/** Dependencies of a handler: the engine's clients plus metrics and a result hook. */
export interface HandlerDeps extends ApplyDeps {
  metrics?: MetricsSink;
  /** Called with every batch's full result (the local runner reads the counters here). */
  onResult?: (result: ApplyResult) => void;
}

/** A DynamoDB Streams Lambda handler. */
export type StreamHandler = (
  event: LambdaStreamEvent,
  context?: InvocationContext,
) => Promise<StreamBatchResponse>;

/** Used when there is no Lambda context (a plain call): the Lambda maximum, 15 minutes. */
const DEFAULT_REMAINING_MS = 15 * 60_000;

/**
 * Builds the stream handler around {@link applyStreamBatch} with injected clients: the Lambda
 * entry (handler.ts) wires real clients once per cold start; tests and the local runner pass
 * their own. Returns exactly `{ batchItemFailures }`; it throws only when a record cannot be
 * named (no sequence number), which makes Lambda retry the whole batch.
 *
 * @example
 * const handler = createHandler(config, { target, source, sqs });
 * const { batchItemFailures } = await handler(event, context);
 */
export function createHandler(config: Readonly<ApplyConfig>, deps: HandlerDeps): StreamHandler {
  return async (event, context) => {
    const remaining = context?.getRemainingTimeInMillis() ?? DEFAULT_REMAINING_MS;
    const result = await applyStreamBatch(event.Records ?? [], deps, config, remaining);
    const { counters } = result;
    const now = (deps.now ?? Date.now)();
    if (deps.metrics) {
      const m = deps.metrics;
      if (counters.newestCreatedAt !== undefined) {
        m.addMetric('ReplicationLagMs', 'Milliseconds', Math.max(0, now - counters.newestCreatedAt * 1000));
      }
      m.addMetric('RecordsApplied', 'Count', counters.applied);
      m.addMetric('RecordsSkipped', 'Count', counters.skipped);
      m.addMetric('RecordsCoalesced', 'Count', counters.coalesced);
      m.addMetric('RecordsFailed', 'Count', counters.failed + counters.dlq);
      m.publishStoredMetrics();
    }
    deps.logger?.info('batch processed', {
      records: counters.records,
      applied: counters.applied,
      skipped: counters.skipped,
      coalesced: counters.coalesced,
      failed: counters.failed,
      dlq: counters.dlq,
      fetched: counters.fetched,
      writeCalls: counters.writeCalls,
      throttles: counters.throttles,
      batchItemFailures: result.batchItemFailures.length,
    });
    deps.onResult?.(result);
    return { batchItemFailures: result.batchItemFailures };
  };
}
