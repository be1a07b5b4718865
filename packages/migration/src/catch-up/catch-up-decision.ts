import { STREAM_RETENTION_MS, STREAM_SAFETY_MS } from '../steps/stream-window.js';

/**
 * Incremental exports cover 15 minutes to 24 hours each (DynamoDB Developer Guide, "DynamoDB
 * incremental export"; the AWS blog "Introducing incremental export from Amazon DynamoDB to
 * Amazon S3": "Pick an export period ... from 15 minutes up to 24 hours").
 */
export const MIN_WINDOW_MS = 15 * 60_000;
export const MAX_WINDOW_MS = 24 * 3_600_000;
/**
 * How far before now the last window ends (T2). ExportToTime must be "time in the past"
 * (API reference, IncrementalExportSpecification); a quarter of an hour keeps clear of the
 * newest backup data, and CDC picks up from T2 - margin anyway.
 */
export const CATCH_UP_LAG_MS = 15 * 60_000;

/** One incremental export's period: ExportFromTime (inclusive) .. ExportToTime (exclusive), epoch ms. */
export interface WindowSpan {
  from: number;
  to: number;
}

/** What {@link decideCatchUp} decides from. Times in epoch ms. */
export interface CatchUpDecisionInput {
  /** The cut-off CDC would start from: the full export's time T, or the end of the last catch-up window. */
  cutoff: number;
  now: number;
  /** The export-time margin (exports are accurate to about a minute). */
  marginMs: number;
  /** The stream's retention (default 24 h). */
  retentionMs?: number;
  /** Slack kept for CDC to start and catch up (default 1 h). */
  safetyMs?: number;
}

/**
 * - `stream`: CDC can start from TRIM_HORIZON now; the oldest record it needs (cutoff - margin)
 *   stays in the stream until `deadline` (minus the slack).
 * - `catch-up`: that record may be trimmed. The windows bridge cutoff - margin .. `cdcExportTime`
 *   (T2); CDC then starts from TRIM_HORIZON with its cut-off at T2 - margin.
 */
export type CatchUpDecision =
  | { path: 'stream'; oldestNeeded: number; deadline: number }
  | {
      path: 'catch-up';
      oldestNeeded: number;
      deadline: number;
      windows: WindowSpan[];
      cdcExportTime: number;
    };

/**
 * Decides whether CDC can still start from the stream, or a catch-up with incremental exports must
 * bridge the gap first. Pure: the same inputs always give the same answer. The stream path holds
 * while `now - (cutoff - margin) <= retention - safety` (the same rule as the STREAM_WINDOW_EXCEEDED
 * guard); past that, windows from cutoff - margin up to T2 = now - {@link CATCH_UP_LAG_MS}.
 *
 * @example
 * decideCatchUp({ cutoff: Date.parse(state.export.exportTime), now: Date.now(), marginMs: 300_000 });
 */
export function decideCatchUp(input: CatchUpDecisionInput): CatchUpDecision {
  const retention = input.retentionMs ?? STREAM_RETENTION_MS;
  const safety = input.safetyMs ?? STREAM_SAFETY_MS;
  const oldestNeeded = input.cutoff - input.marginMs;
  const deadline = oldestNeeded + retention - safety;
  if (input.now <= deadline) return { path: 'stream', oldestNeeded, deadline };
  const windows = planWindows(oldestNeeded, input.now - CATCH_UP_LAG_MS, input.marginMs);
  return {
    path: 'catch-up',
    oldestNeeded,
    deadline,
    windows,
    cdcExportTime: windows[windows.length - 1]?.to ?? floorSecond(input.now - CATCH_UP_LAG_MS),
  };
}

/**
 * Consecutive windows covering `from` .. `to` (whole seconds): each at most 24 h, the next starting
 * `marginMs` before the previous one ends (exports are accurate to about a minute), the last one at
 * least 15 minutes long: a short remainder starts earlier instead (replaying more is harmless: a
 * window holds each changed item's state at its end).
 */
export function planWindows(from: number, to: number, marginMs: number): WindowSpan[] {
  const end = floorSecond(to);
  // A margin as long as a window would never advance; half a window still overlaps plenty.
  const overlap = Math.min(marginMs, MAX_WINDOW_MS / 2);
  const windows: WindowSpan[] = [];
  for (let start = floorSecond(from); ; start = floorSecond(start + MAX_WINDOW_MS - overlap)) {
    if (end - start <= MAX_WINDOW_MS) {
      windows.push({ from: Math.min(start, end - MIN_WINDOW_MS), to: end });
      return windows;
    }
    windows.push({ from: start, to: start + MAX_WINDOW_MS });
  }
}

/**
 * Full-length (24 h) windows that have already closed, from `from` on: what can be requested while
 * the load still runs, before the final window's end T2 is known. Returns [] until the first one closed.
 */
export function closedWindows(from: number, now: number, marginMs: number): WindowSpan[] {
  const limit = now - CATCH_UP_LAG_MS;
  const overlap = Math.min(marginMs, MAX_WINDOW_MS / 2);
  const windows: WindowSpan[] = [];
  for (let start = floorSecond(from); start + MAX_WINDOW_MS <= limit; start += MAX_WINDOW_MS - overlap) {
    windows.push({ from: start, to: start + MAX_WINDOW_MS });
  }
  return windows;
}

function floorSecond(ms: number): number {
  return Math.floor(ms / 1000) * 1000;
}
