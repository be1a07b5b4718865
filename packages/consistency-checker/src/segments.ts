import { ConfigError } from '@ddb-migrate/core';

/**
 * Highest default segment count. moto assigns an item to segment md5(partition key)[0] % N, so
 * N > 256 only adds empty segments there (segments >= 256 are always empty); on AWS one segment
 * per ~1 GiB already gives 256 GiB tables full parallelism. Pass `--segments` to go higher.
 */
export const MAX_DEFAULT_SEGMENTS = 256;

/** Scan's TotalSegments upper bound (AWS rejects more with a ValidationException). */
export const MAX_TOTAL_SEGMENTS = 1_000_000;

/** Bytes per segment when choosing a default (AWS suggests about one segment per 2 GB; we go finer). */
export const BYTES_PER_SEGMENT = 1024 ** 3;

/** Items per segment when the table size is not reported (moto reports TableSizeBytes 0). */
export const ITEMS_PER_SEGMENT = 250_000;

/**
 * Default TotalSegments from the larger table's size: one segment per GiB (or per 250k items when
 * no size is reported), at least 4, at most {@link MAX_DEFAULT_SEGMENTS}.
 */
export function defaultSegmentCount(sizes: { bytes?: number; items?: number }[]): number {
  let wanted = 1;
  for (const { bytes = 0, items = 0 } of sizes) {
    wanted = Math.max(wanted, Math.ceil(bytes / BYTES_PER_SEGMENT), Math.ceil(items / ITEMS_PER_SEGMENT));
  }
  return Math.min(MAX_DEFAULT_SEGMENTS, Math.max(4, wanted));
}

/** Parses `--segment-range a-b` (inclusive, 0-based) against `totalSegments`. */
export function parseSegmentRange(text: string, totalSegments: number): { first: number; last: number } {
  const match = /^\s*(\d+)\s*-\s*(\d+)\s*$/.exec(text);
  if (!match) {
    throw new ConfigError(`--segment-range "${text}" is not of the form a-b`, {
      hint: 'Give an inclusive 0-based range, e.g. --segment-range 0-7 --segments 16',
    });
  }
  const first = Number(match[1]);
  const last = Number(match[2]);
  if (first > last || last >= totalSegments) {
    throw new ConfigError(`--segment-range ${first}-${last} is outside 0-${totalSegments - 1}`, {
      hint: `Use a range within 0-${totalSegments - 1} for --segments ${totalSegments}`,
    });
  }
  return { first, last };
}

/**
 * The segments a run scans: the range (default all), thinned to `sample` (0, 1] of them, evenly
 * spread so a sample touches the whole key space.
 */
export function selectSegments(
  totalSegments: number,
  range?: { first: number; last: number },
  sample = 1,
): number[] {
  if (!Number.isInteger(totalSegments) || totalSegments < 1 || totalSegments > MAX_TOTAL_SEGMENTS) {
    throw new ConfigError(
      `--segments must be an integer from 1 to ${MAX_TOTAL_SEGMENTS}, got ${totalSegments}`,
      {
        hint: 'Scan accepts TotalSegments 1-1,000,000; about one segment per GB of table is plenty',
      },
    );
  }
  if (!(sample > 0 && sample <= 1)) {
    throw new ConfigError(`--sample must be in (0, 1], got ${sample}`);
  }
  const first = range?.first ?? 0;
  const last = range?.last ?? totalSegments - 1;
  const all: number[] = [];
  for (let s = first; s <= last; s++) all.push(s);
  if (sample >= 1) return all;
  const count = Math.max(1, Math.round(all.length * sample));
  const picked = new Set<number>();
  for (let i = 0; i < count; i++) picked.add(all[Math.floor((i * all.length) / count)]!);
  return [...picked].sort((a, b) => a - b);
}

/** True when `segments` is exactly 0..totalSegments-1. */
export function coversAllSegments(segments: readonly number[], totalSegments: number): boolean {
  const set = new Set(segments);
  if (set.size !== totalSegments) return false;
  for (let s = 0; s < totalSegments; s++) if (!set.has(s)) return false;
  return true;
}
