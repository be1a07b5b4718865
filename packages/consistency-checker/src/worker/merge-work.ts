import { mergeSummaries } from '../report.js';
import type { VerifySummary } from '../types.js';
import type { RangeSummary } from './checkpoint.js';
import type { WorkStore } from './work-store.js';

/** `summary.json`: the merged summary of every range, and every NDJSON part in range order. */
export const MERGED_SUMMARY_KEY = 'summary.json';

/** What {@link mergeWork} wrote: the merged summary and the report's parts in order. */
export interface MergedWork {
  summary: VerifySummary;
  reportParts: string[];
  ranges: number;
}

/**
 * Merges the range summaries a fanned-out verify's workers wrote (`reports/*.summary.json`) with
 * the same code as `verify merge` ({@link mergeSummaries}: counts add up, duration is the longest
 * range's, `complete` only when the ranges cover every segment) and writes `summary.json`.
 *
 * @throws ConfigError when no range finished, or the ranges are of different verifies (overlap).
 */
export async function mergeWork(store: WorkStore): Promise<MergedWork> {
  const keys = (await store.list('reports/')).filter((key) => key.endsWith('.summary.json'));
  const ranges = await Promise.all(
    keys.map(async (key) => JSON.parse((await store.read(key)) ?? 'null') as RangeSummary),
  );
  const merged = mergeSummaries(ranges.map(({ reportParts: _parts, ...summary }) => summary));
  const reportParts = ranges.flatMap((r) => r.reportParts);
  await store.write(MERGED_SUMMARY_KEY, `${JSON.stringify({ ...merged, reportParts }, null, 2)}\n`);
  return { summary: merged, reportParts, ranges: ranges.length };
}

/**
 * Reads the merged report back: `summary.json` and its parts' lines, in order, for the caller to
 * write to a local `--report` file (the same lines a local verify writes).
 */
export async function* readMergedReport(
  store: WorkStore,
  reportParts: readonly string[],
): AsyncGenerator<string> {
  for (const key of reportParts) {
    const text = await store.read(key);
    if (text === undefined) throw new Error(`report part ${store.locate(key)} is missing`);
    yield text;
  }
}
