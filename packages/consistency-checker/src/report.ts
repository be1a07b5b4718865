import { createWriteStream, openSync, type WriteStream } from 'node:fs';
import { once } from 'node:events';
import { readFile, writeFile } from 'node:fs/promises';
import { ConfigError, localPathError, toDynamoJson } from '@ddb-migrate/core';
import { coversAllSegments } from './segments.js';
import type { Difference, VerifyCounts, VerifySummary } from './types.js';

/** The NDJSON line of a difference: DynamoDB JSON key (binary as base64), attribute names, values only if kept. */
export function differenceToJson(difference: Difference): Record<string, unknown> {
  const line: Record<string, unknown> = {
    kind: difference.kind,
    key: toDynamoJson(difference.key),
    attributes: difference.attributes,
  };
  if (difference.source) line.source = toDynamoJson(difference.source);
  if (difference.target) line.target = toDynamoJson(difference.target);
  if (difference.repaired !== undefined) line.repaired = difference.repaired;
  return line;
}

/** Appends differences to an NDJSON file, honouring stream backpressure. */
export interface ReportWriter {
  write(difference: Difference): Promise<void>;
  close(): Promise<void>;
}

const reportPathError = (error: unknown, path: string) =>
  localPathError(error, { path, label: 'Report file', flag: '--report' });

/**
 * Opens (truncates) `path` for the NDJSON report.
 *
 * @throws ConfigError `LOCAL_PATH_INVALID` when the file cannot be created there (no such
 * directory, a directory of that name, no permission).
 */
export function createReportWriter(path: string): ReportWriter {
  // Opened synchronously so that a bad --report fails before the scan, not after it.
  let fd: number;
  try {
    fd = openSync(path, 'w');
  } catch (error) {
    throw reportPathError(error, path) ?? error;
  }
  const stream: WriteStream = createWriteStream(path, { fd });
  const failed = once(stream, 'error').then(([error]) => Promise.reject(error));
  failed.catch(() => {});
  return {
    async write(difference) {
      if (!stream.write(`${JSON.stringify(differenceToJson(difference))}\n`)) {
        await Promise.race([once(stream, 'drain'), failed]);
      }
    },
    async close() {
      await Promise.race([new Promise<void>((resolve) => stream.end(resolve)), failed]);
    },
  };
}

/** Where a report's summary lives: `orders.ndjson` -> `orders.summary.json` (what `verify merge` reads). */
export function summaryPathFor(reportPath: string): string {
  return `${reportPath.replace(/\.(ndjson|jsonl|json)$/i, '')}.summary.json`;
}

/**
 * Writes `summary` as JSON next to its report (`orders.ndjson` -> `orders.summary.json`), so split
 * runs can be merged later; resolves with the path written.
 *
 * @example
 * await writeSummaryFile('orders.ndjson', summary); // orders.summary.json
 */
export async function writeSummaryFile(reportPath: string, summary: VerifySummary): Promise<string> {
  const path = summaryPathFor(reportPath);
  try {
    await writeFile(path, `${JSON.stringify(summary, null, 2)}\n`);
  } catch (error) {
    throw reportPathError(error, path) ?? error;
  }
  return path;
}

/**
 * Reads the summary written next to a report by {@link writeSummaryFile}.
 *
 * @throws ConfigError when there is no summary next to the report.
 * @example
 * const merged = mergeSummaries(await Promise.all(['a.ndjson', 'b.ndjson'].map(readSummaryFile)));
 */
export async function readSummaryFile(reportPath: string): Promise<VerifySummary> {
  const path = summaryPathFor(reportPath);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new ConfigError(`No summary next to report ${reportPath} (looked for ${path})`, {
      hint: 'Pass the --report files of finished verify runs',
      cause: error,
    });
  }
  return JSON.parse(text) as VerifySummary;
}

const COUNT_FIELDS: (keyof VerifyCounts)[] = [
  'sourceScanned',
  'targetScanned',
  'matched',
  'missingInTarget',
  'extraInTarget',
  'different',
  'rechecked',
  'resolvedByRecheck',
  'pointReads',
  'spilled',
  'repaired',
  'repairFailed',
  'throttles',
  'retries',
  'unprocessedKeys',
];

/**
 * Combines the summaries of runs that split one verify with `--segment-range` (same tables, same
 * TotalSegments, disjoint segments): counts and capacity add up, duration is the longest run's.
 *
 * @throws ConfigError when the runs are of different tables or segment counts, or overlap.
 */
export function mergeSummaries(parts: readonly VerifySummary[]): VerifySummary {
  const first = parts[0];
  if (!first) throw new ConfigError('verify merge needs at least one report');
  const seen = new Set<number>();
  for (const part of parts) {
    if (
      part.sourceTable !== first.sourceTable ||
      part.targetTable !== first.targetTable ||
      part.totalSegments !== first.totalSegments
    ) {
      throw new ConfigError('The reports are of different verify runs (tables or --segments differ)');
    }
    for (const s of part.segments) {
      if (seen.has(s)) throw new ConfigError(`Segment ${s} is in more than one report; the ranges overlap`);
      seen.add(s);
    }
  }
  const merged = { ...first, segments: [...seen].sort((a, b) => a - b) } as VerifySummary;
  for (const field of COUNT_FIELDS) merged[field] = parts.reduce((sum, p) => sum + (p[field] ?? 0), 0); // older summaries lack newer counters
  merged.consumedRcu = {
    source: parts.reduce((sum, p) => sum + p.consumedRcu.source, 0),
    target: parts.reduce((sum, p) => sum + p.consumedRcu.target, 0),
  };
  merged.durationMs = Math.max(...parts.map((p) => p.durationMs));
  const starts = parts.map((p) => p.startedAt).filter((t): t is string => t !== undefined);
  if (starts.length > 0) merged.startedAt = starts.sort()[0];
  merged.differences = merged.missingInTarget + merged.extraInTarget + merged.different;
  merged.remaining = parts.reduce((sum, p) => sum + p.remaining, 0);
  merged.identical = merged.differences === 0;
  merged.complete = coversAllSegments(merged.segments, merged.totalSegments);
  return merged;
}
