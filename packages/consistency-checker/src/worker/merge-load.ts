import { LOAD_SUMMARY_KEY, type LoadBatch, loadBatchSummaryKey } from './load-event.js';
import type { LoadBatchSummary } from './run-load.js';
import type { WorkStore } from './work-store.js';

/** `load/summary.json`: every batch summary added up, and the files not loaded. */
export interface LoadSummary extends Omit<LoadBatchSummary, 'batch' | 'invocations'> {
  batches: number;
  invocations: number;
}

/**
 * The load's final step: adds up the batch summaries the workers wrote (`load/batches/*`) and
 * writes `load/summary.json`. With `itemsKey` (this run's item list, relative to the store) only
 * the batches of that list count: a re-run lists only the files left, under the same work prefix.
 */
export async function mergeLoadWork(store: WorkStore, itemsKey?: string): Promise<LoadSummary> {
  let keys = (await store.list('load/batches/')).filter((key) => key.endsWith('.summary.json'));
  if (itemsKey !== undefined) {
    const text = (await store.read(itemsKey)) ?? '';
    const listed = parseItemList(text).map((batch) => loadBatchSummaryKey(batch.id));
    const present = new Set(keys);
    const absent = listed.filter((key) => !present.has(key));
    if (absent.length > 0)
      throw new Error(
        `${absent.length} batches of ${store.locate(itemsKey)} wrote no summary (${store.locate(absent[0]!)})`,
      );
    keys = listed;
  }
  const batches = await Promise.all(
    keys.map(async (key) => JSON.parse((await store.read(key)) ?? 'null') as LoadBatchSummary),
  );
  const total = (
    field: 'files' | 'items' | 'calls' | 'retries' | 'throttles' | 'failedItems' | 'invocations',
  ) => batches.reduce((sum, b) => sum + b[field], 0);
  const summary: LoadSummary = {
    batches: batches.length,
    files: total('files'),
    items: total('items'),
    calls: total('calls'),
    retries: total('retries'),
    throttles: total('throttles'),
    failedItems: total('failedItems'),
    failedFiles: batches.flatMap((b) => b.failedFiles),
    invocations: total('invocations'),
  };
  await store.write(LOAD_SUMMARY_KEY, `${JSON.stringify(summary, null, 2)}\n`);
  return summary;
}

/** The item list as the CLI writes it: JSONL (one batch a line) or a JSON array. */
export function parseItemList(text: string): LoadBatch[] {
  const trimmed = text.trim();
  if (trimmed.startsWith('[')) return JSON.parse(trimmed) as LoadBatch[];
  return trimmed === '' ? [] : trimmed.split('\n').map((line) => JSON.parse(line) as LoadBatch);
}
