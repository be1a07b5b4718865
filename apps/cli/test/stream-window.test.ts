import { describe, expect, it } from 'vitest';
import type { MigrationState } from '../src/migration/state/migration-state.js';
import {
  STREAM_RETENTION_MS,
  STREAM_SAFETY_MS,
  streamWindowProblem,
} from '../src/migration/steps/stream-window.js';

const T = Date.parse('2026-11-01T00:00:00Z');

function stateExportedAt(exportTime: string | undefined, cdcMode: MigrationState['cdcMode'] = 'lambda') {
  return {
    cdcMode,
    ...(exportTime === undefined ? {} : { export: { exportTime } }),
  } as unknown as MigrationState;
}

describe('streamWindowProblem', () => {
  const margin = 300;
  // The oldest record CDC needs is at T - margin; it must still be inside 24 h minus an hour of slack.
  const limit = T - margin * 1000 + STREAM_RETENTION_MS - STREAM_SAFETY_MS;

  it('lets CDC start while the oldest needed record is inside the window minus the slack', () => {
    expect(streamWindowProblem(stateExportedAt(new Date(T).toISOString()), margin, limit)).toBeUndefined();
  });

  it('refuses once records after T minus the margin may have been trimmed, naming the catch-up remedy', () => {
    const problem = streamWindowProblem(stateExportedAt(new Date(T).toISOString()), margin, limit + 1);
    expect(problem?.message).toContain(new Date(T - margin * 1000).toISOString());
    expect(problem?.fix).toMatch(/incremental export/i);
  });

  it('has nothing to guard before the export or without CDC', () => {
    expect(streamWindowProblem(stateExportedAt(undefined), margin, limit + 1)).toBeUndefined();
    expect(
      streamWindowProblem(stateExportedAt(new Date(T).toISOString(), 'none'), margin, limit + 1),
    ).toBeUndefined();
  });
});
