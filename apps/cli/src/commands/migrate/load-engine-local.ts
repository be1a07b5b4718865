import { join } from 'node:path';
import {
  directoryWorkStore,
  type LoadEvent,
  type LoadJob,
  type LoadResult,
  mergeLoadWork,
} from '@ddb-migrate/consistency-checker/worker';
import type { SidesFlags } from '../../sides.js';
import { type ChildReply, startChild } from '../verify/engine-local.js';
import type { LoadChildRequest } from './load-engine-child.js';
import { createDoneRecorder, type ExportFilesLoader, itemListFor } from './load-engine-files.js';

/** Time a local load worker gets per invocation before it returns "continue" (Lambda's maximum). */
export const LOCAL_LOAD_INVOCATION_MS = 15 * 60_000;

/** What `migrate --load-engine local` needs. */
export interface LocalLoadEngineOptions {
  flags: SidesFlags;
  env: NodeJS.ProcessEnv;
  /** The target's Region (the worker event names it; the children resolve the same sides). */
  targetRegion: string;
  workers: number;
  /** The work directory's parent: `<state-dir>/load-work/<run id>/` keeps the done-markers. */
  stateDir: string;
  filesPerBatch?: number;
  /** Per-invocation budget (tests force "continue" with a small one). */
  budgetMs?: number;
}

type LoadChildReply = ChildReply | { type: 'loaded'; result: LoadResult };

/**
 * The write-mode load as the Distributed Map runs it, on this machine: the export's data files as
 * the same item list, N child processes each running the load worker handler over one batch at a
 * time (called again while it answers "continue"), done-markers in `<state-dir>/load-work/<run>/`
 * (so a re-run skips finished files even before the state says so), each finished file recorded
 * with the migration, and the batch summaries added up at the end. `--max-wcu` is split across
 * the workers.
 */
export function localLoadEngine(options: LocalLoadEngineOptions): ExportFilesLoader {
  return {
    name: `--load-engine local (${options.workers} workers)`,
    async load(request) {
      const workDir = join(options.stateDir, 'load-work', request.runId);
      const store = directoryWorkStore(workDir);
      const { batches, itemsKey, body } = itemListFor(request, options.filesPerBatch ?? 1);
      await store.write(itemsKey, body);
      const workers = Math.max(1, Math.min(options.workers, batches.length));
      const job: LoadJob = {
        workUrl: workDir,
        exportBucket: request.bucket,
        target: { tableName: request.tableName, region: options.targetRegion },
        keyNames: request.keyNames,
        itemsKey,
        options: {
          concurrency: request.concurrency,
          ...(request.maxWcu === undefined ? {} : { maxWcuPerWorker: request.maxWcu / workers }),
        },
      };
      request.logger.info('load fan-out (local)', {
        files: request.files.length,
        batches: batches.length,
        workers,
        workDir,
      });
      const recorder = createDoneRecorder(store, request);
      const entry = new URL('./load-engine-child', import.meta.url).href;
      const children = Array.from({ length: workers }, () =>
        startChild<LoadChildRequest, LoadChildReply>(options.env, entry),
      );
      const stopAll = () => {
        for (const child of children) child.stop();
      };
      request.signal?.addEventListener('abort', stopAll, { once: true });
      try {
        await Promise.all(
          children.map((child) => child.call({ type: 'init', flags: options.flags, workDir })),
        );
        const queue = [...batches];
        await Promise.all(
          children.map(async (child) => {
            for (let batch = queue.shift(); batch; batch = queue.shift()) {
              let event: LoadEvent = { job, batch };
              for (;;) {
                request.signal?.throwIfAborted();
                const reply = await child.call({
                  type: 'run',
                  event,
                  budgetMs: options.budgetMs ?? LOCAL_LOAD_INVOCATION_MS,
                });
                if (reply.type !== 'loaded') throw new Error('load worker child answered out of turn');
                await recorder.collect();
                if (reply.result.status === 'done') break;
                event = reply.result;
              }
            }
          }),
        );
      } catch (error) {
        request.signal?.throwIfAborted();
        throw error;
      } finally {
        request.signal?.removeEventListener('abort', stopAll);
        stopAll();
      }
      const summary = await mergeLoadWork(store, itemsKey);
      return { ...summary, filesLeft: 0 };
    },
  };
}
