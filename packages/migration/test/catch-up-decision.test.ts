import { describe, expect, it } from 'vitest';
import {
  CATCH_UP_LAG_MS,
  closedWindows,
  decideCatchUp,
  MAX_WINDOW_MS,
  MIN_WINDOW_MS,
  planWindows,
} from '../src/catch-up/catch-up-decision.js';
import type { MigrationState } from '../src/state/migration-state.js';
import { STREAM_RETENTION_MS, STREAM_SAFETY_MS, streamWindowProblem } from '../src/steps/stream-window.js';

const T = Date.parse('2026-11-01T00:00:00Z');
const HOUR = 3_600_000;
const margin = 300_000;
// The oldest record CDC needs is T - margin; the stream keeps it 24 h, less an hour of slack.
const deadline = T - margin + STREAM_RETENTION_MS - STREAM_SAFETY_MS;

/** Every window 15 min .. 24 h, each starting no later than the previous one's end minus the margin. */
function expectChained(windows: { from: number; to: number }[], from: number, to: number) {
  expect(windows[0]?.from).toBeLessThanOrEqual(from);
  expect(windows.at(-1)?.to).toBe(to);
  windows.forEach((w, i) => {
    expect(w.to - w.from).toBeGreaterThanOrEqual(MIN_WINDOW_MS);
    expect(w.to - w.from).toBeLessThanOrEqual(MAX_WINDOW_MS);
    expect(w.from % 1000).toBe(0);
    const previous = windows[i - 1];
    if (previous) expect(w.from).toBeLessThanOrEqual(previous.to - margin);
  });
}

describe('decideCatchUp', () => {
  it('starts CDC from the stream just inside the window (the last millisecond the record is safe)', () => {
    const decision = decideCatchUp({ cutoff: T, now: deadline, marginMs: margin });
    expect(decision).toEqual({ path: 'stream', oldestNeeded: T - margin, deadline });
  });

  it('catches up just outside the window: T - margin .. T2 = now - lag, CDC then from T2', () => {
    const now = deadline + 1;
    const decision = decideCatchUp({ cutoff: T, now, marginMs: margin });
    if (decision.path !== 'catch-up') throw new Error('expected a catch-up');
    const t2 = Math.floor((now - CATCH_UP_LAG_MS) / 1000) * 1000;
    expect(decision.cdcExportTime).toBe(t2);
    expect(decision.windows).toEqual([{ from: T - margin, to: t2 }]);
    expectChained(decision.windows, T - margin, t2);
  });

  it('agrees with the STREAM_WINDOW_EXCEEDED guard on both sides of the edge', () => {
    const state = { cdcMode: 'lambda', export: { exportTime: new Date(T).toISOString() } } as MigrationState;
    for (const now of [deadline - 1, deadline, deadline + 1, deadline + HOUR]) {
      const refused = streamWindowProblem(state, margin / 1000, now, undefined) !== undefined;
      expect(decideCatchUp({ cutoff: T, now, marginMs: margin }).path).toBe(refused ? 'catch-up' : 'stream');
    }
  });

  it('bridges a load of three days with overlapping windows of at most 24 h', () => {
    const now = T + 72 * HOUR + 17 * 60_000;
    const decision = decideCatchUp({ cutoff: T, now, marginMs: margin });
    if (decision.path !== 'catch-up') throw new Error('expected a catch-up');
    expect(decision.windows).toHaveLength(4);
    expectChained(decision.windows, T - margin, decision.cdcExportTime);
    // And CDC from T2 - margin is safely inside the stream.
    expect(decideCatchUp({ cutoff: decision.cdcExportTime, now, marginMs: margin }).path).toBe('stream');
  });

  it('honours a custom retention and slack', () => {
    const input = { cutoff: T, marginMs: margin, retentionMs: 2 * HOUR, safetyMs: 0 };
    expect(decideCatchUp({ ...input, now: T - margin + 2 * HOUR }).path).toBe('stream');
    expect(decideCatchUp({ ...input, now: T - margin + 2 * HOUR + 1 }).path).toBe('catch-up');
  });
});

describe('planWindows', () => {
  it('ends with a window of at least 15 minutes, starting earlier when the remainder is shorter', () => {
    const from = T;
    const to = T + MAX_WINDOW_MS + 5 * 60_000;
    const windows = planWindows(from, to, margin);
    expect(windows).toEqual([
      { from: T, to: T + MAX_WINDOW_MS },
      { from: to - MIN_WINDOW_MS, to },
    ]);
    expectChained(windows, from, to);
  });

  it('rounds to whole seconds (an earlier start, an earlier end)', () => {
    const windows = planWindows(T + 1500, T + 2 * HOUR + 999, margin);
    expect(windows).toEqual([{ from: T + 1000, to: T + 2 * HOUR }]);
  });

  it('still advances when the margin is as long as a window', () => {
    const windows = planWindows(T, T + 60 * HOUR, 24 * HOUR);
    expect(windows.length).toBeLessThan(10);
    expect(windows.at(-1)?.to).toBe(T + 60 * HOUR);
  });
});

describe('closedWindows', () => {
  it('returns nothing until a full 24 h window has closed (plus the lag), then each closed one', () => {
    const from = T - margin;
    expect(closedWindows(from, from + MAX_WINDOW_MS + CATCH_UP_LAG_MS - 1, margin)).toEqual([]);
    expect(closedWindows(from, from + MAX_WINDOW_MS + CATCH_UP_LAG_MS, margin)).toEqual([
      { from, to: from + MAX_WINDOW_MS },
    ]);
    const two = closedWindows(from, from + 2 * MAX_WINDOW_MS + CATCH_UP_LAG_MS, margin);
    expect(two).toEqual([
      { from, to: from + MAX_WINDOW_MS },
      { from: from + MAX_WINDOW_MS - margin, to: from + 2 * MAX_WINDOW_MS - margin },
    ]);
  });
});
