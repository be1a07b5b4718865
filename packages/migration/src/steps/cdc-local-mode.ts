import { createHandler, cutoffEpochSeconds, runStream, type RunnerSummary } from '@ddb-migrate/cdc-lambda';
import { join } from 'node:path';
import { InternalError, keyNamesFromSchema } from '@ddb-migrate/core';
import { cdcExportTime } from '../state/migration-state.js';
import { StateStore } from '../state/state-store.js';
import type { StepContext } from '../step-context.js';

/**
 * Local mode: the CDC handler runs in this process through the local stream runner, from
 * TRIM_HORIZON (records before T - margin are skipped by the handler), with a checkpoint file next
 * to the state so a killed run resumes. Returns when the stream has been idle for
 * --stop-after-idle seconds (or on abort). Re-running migrate runs it again from the checkpoint.
 */
export async function cdcLocalStep(ctx: StepContext): Promise<RunnerSummary> {
  const streamArn = ctx.state.stream?.streamArn;
  // T, or T2 after an incremental-export catch-up: records before it minus the margin are skipped.
  const exportTime = cdcExportTime(ctx.state);
  if (!streamArn || !exportTime) throw new InternalError('CDC before the export finished');
  // A recorded name too long for its lease file never held a checkpoint (the runner could not start).
  const recorded = ctx.state.cdc?.checkpointDir;
  const checkpointFile =
    recorded !== undefined && StateStore.fitsCheckpoint(recorded)
      ? recorded
      : join(ctx.options.stateDir, StateStore.checkpointFileName(ctx.state.key));
  ctx.state.cdc = {
    ...(ctx.state.cdc ?? {}),
    status: 'started',
    mode: 'local',
    startedAt: new Date().toISOString(),
    cutoff: exportTime,
    checkpointDir: checkpointFile,
  };
  await ctx.save();
  const source = ctx.facts.source.table;
  const handler = createHandler(
    {
      targetTableId: ctx.options.targetTableName,
      cutoffEpochSeconds: cutoffEpochSeconds(
        Date.parse(exportTime) / 1000,
        ctx.options.exportTimeMarginSeconds,
      ),
      ttlDeletes: 'replicate',
      ...(ctx.facts.fetchOnChange ? { sourceTableArn: ctx.options.sourceTableName } : {}),
      ...(ctx.options.dlqUrl ? { dlqUrl: ctx.options.dlqUrl } : {}),
      ...(source.KeySchema ? { keyNames: keyNamesFromSchema(source.KeySchema) } : {}),
    },
    {
      target: ctx.clients.targetDdb,
      source: ctx.clients.sourceDdb,
      sqs: ctx.clients.sourceSqs,
      logger: { ...ctx.logger, info: ctx.logger.debug },
    },
  );
  ctx.progress({ phase: 'cdc', type: 'start' });
  const summary = await runStream({
    streams: ctx.clients.sourceStreams,
    streamArn,
    handler,
    checkpointFile,
    batchSize: Math.min(1000, ctx.options.lambdaEventSourceBatchSize),
    ...(ctx.options.stopAfterIdleSeconds === undefined
      ? {}
      : { stopAfterIdleSeconds: ctx.options.stopAfterIdleSeconds }),
    ...(ctx.signal ? { signal: ctx.signal } : {}),
    logger: ctx.logger,
    onProgress: (p) => {
      ctx.progress({
        phase: 'cdc',
        type: 'update',
        records: p.records,
        ...(p.lagMs === undefined ? {} : { lagMs: p.lagMs }),
      });
    },
  });
  ctx.signal?.throwIfAborted();
  ctx.progress({ phase: 'cdc', type: 'end', records: summary.records, stoppedBy: summary.stoppedBy });
  ctx.state.cdc.applied = (ctx.state.cdc.applied ?? 0) + summary.records;
  ctx.state.cdc.drainedAt = new Date().toISOString();
  await ctx.save();
  return summary;
}
