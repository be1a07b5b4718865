import {
  fileBatches,
  type LoadBatch,
  type LoadFileMarker,
  loadDoneKey,
  type WorkStore,
} from '@ddb-migrate/consistency-checker/worker';
import type { MigrationOptions } from '@ddb-migrate/migration';

/** A write-mode load engine (the migration's `loadEngine` option). */
export type ExportFilesLoader = NonNullable<MigrationOptions['loadEngine']>;
/** What the migration asks an engine to load. */
export type ExportFilesLoadRequest = Parameters<ExportFilesLoader['load']>[0];

/** This run's item list (one batch of data files a line) under the work location; a name per run. */
export function itemListFor(request: ExportFilesLoadRequest, filesPerBatch: number) {
  const batches: LoadBatch[] = fileBatches(
    request.files.map((f) => ({
      key: f.key,
      ...(f.itemCount === undefined ? {} : { itemCount: f.itemCount }),
    })),
    filesPerBatch,
  );
  const itemsKey = `load/items/${new Date().toISOString().replace(/[:.]/g, '-')}.jsonl`;
  return { batches, itemsKey, body: batches.map((b) => `${JSON.stringify(b)}\n`).join('') };
}

/**
 * Records the files the workers marked done (their `load/done/` markers) with the migration, once
 * each, and reports their items as progress: what a re-run of migrate resumes from.
 */
export function createDoneRecorder(store: WorkStore, request: ExportFilesLoadRequest) {
  const byMarker = new Map(request.files.map((f) => [loadDoneKey(f.key), f]));
  const recorded = new Set<string>();
  return {
    /** Lists the markers and records the new ones; returns how many files are recorded. */
    async collect(): Promise<number> {
      const fresh = (await store.list('load/done/')).filter((key) => byMarker.has(key) && !recorded.has(key));
      for (const key of fresh) {
        const marker = JSON.parse((await store.read(key)) ?? '{}') as Partial<LoadFileMarker>;
        const file = byMarker.get(key)!;
        // A marker of another file of the same name (another export in the same place) is not this one.
        if (marker.key !== file.key) continue;
        recorded.add(key);
        request.onItems(marker.items ?? 0);
        await request.onFileDone(file, marker.items ?? 0);
      }
      return recorded.size;
    },
  };
}
