import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { MigrationState } from '../src/state/migration-state.js';
import { STREAM_RETENTION_MS, STREAM_SAFETY_MS, streamWindowProblem } from '../src/steps/stream-window.js';

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

describe('streamWindowProblem with local CDC checkpoints', () => {
  const margin = 300;
  const HOUR = 3_600_000;
  const STREAM_ARN = 'arn:aws:dynamodb:us-east-1:123456789012:table/t/stream/label';

  /** A local-mode state whose runner checkpoint file holds `shards` (format version 2 unless told). */
  function localStateWithCheckpoint(shards: Record<string, unknown>, extra: Record<string, unknown> = {}) {
    const file = join(mkdtempSync(join(tmpdir(), 'stream-window-')), 'cp.json');
    writeFileSync(
      file,
      JSON.stringify({
        version: 2,
        streamArn: STREAM_ARN,
        updatedAt: new Date(T).toISOString(),
        shards,
        ...extra,
      }),
    );
    return {
      cdcMode: 'local',
      export: { exportTime: new Date(T).toISOString() },
      cdc: { status: 'started', mode: 'local', checkpointDir: file },
    } as unknown as MigrationState;
  }

  it('lets a local re-run start more than 23 h after the export when the checkpoints are fresh', () => {
    const now = T + 30 * HOUR;
    const state = localStateWithCheckpoint({
      s1: { sequenceNumber: '100', fromTrimHorizon: true, pendingSince: new Date(now - HOUR).toISOString() },
      s0: { closed: true, fromTrimHorizon: true, pendingSince: new Date(T).toISOString() },
      s2: {
        parentShardId: 's0',
        fromTrimHorizon: true,
        pendingSince: new Date(now - 2 * HOUR).toISOString(),
      },
    });
    expect(streamWindowProblem(state, margin, now)).toBeUndefined();
  });

  it('refuses when the oldest unfinished shard position is older than the window, naming it', () => {
    const now = T + 30 * HOUR;
    const stale = new Date(now - 24 * HOUR).toISOString();
    const state = localStateWithCheckpoint({
      fresh: { sequenceNumber: '100', pendingSince: new Date(now - HOUR).toISOString() },
      stale: { sequenceNumber: '200', pendingSince: stale },
    });
    const problem = streamWindowProblem(state, margin, now);
    expect(problem?.message).toContain(stale);
    expect(problem?.message).toMatch(/checkpoint/);
    expect(problem?.message).toContain('stale');
  });

  it('falls back to the export time when a checkpoint position has no time (a version 1 file)', () => {
    const now = T + 30 * HOUR;
    const state = localStateWithCheckpoint({ s1: { sequenceNumber: '100' } }, { version: 1 });
    expect(streamWindowProblem(state, margin, now)?.message).toContain(
      new Date(T - margin * 1000).toISOString(),
    );
  });

  it('has nothing to guard once the checkpoint says the stream was read to its end', () => {
    const now = T + 30 * HOUR;
    const state = localStateWithCheckpoint(
      { s1: { closed: true, pendingSince: new Date(T).toISOString() } },
      { streamFinishedAt: new Date(T + HOUR).toISOString() },
    );
    expect(streamWindowProblem(state, margin, now)).toBeUndefined();
  });
});
