import { PassThrough } from 'node:stream';
import type { MigrationProgress } from '@ddb-migrate/migration';
import { describe, expect, it } from 'vitest';
import { renderProgress } from '../src/commands/migrate/render.js';

/** Renders `events` on a plain (non-TTY) stream and returns the lines. */
function render(events: MigrationProgress[]): string[] {
  let text = '';
  const stream = new PassThrough().on('data', (chunk: Buffer) => {
    text += chunk.toString();
  });
  const draw = renderProgress(stream);
  for (const e of events) draw(e);
  return text.split('\n').filter((l) => l !== '');
}

describe("migrate's progress lines on stderr", () => {
  it('draws each phase with its label and ends it with the result line', () => {
    const lines = render([
      { phase: 'export', type: 'start' },
      { phase: 'export', type: 'update', elapsedSeconds: 3, exportStatus: 'IN_PROGRESS' },
      { phase: 'export', type: 'end', outcome: 'completed', elapsedSeconds: 4 },
      { phase: 'load', type: 'start', expectedItems: 1200 },
      { phase: 'load', type: 'update', items: 600, filesLoaded: 1, files: 2 },
      { phase: 'load', type: 'end', items: 1200, files: 2, throttles: 3 },
      { phase: 'cdc', type: 'start' },
      { phase: 'cdc', type: 'update', records: 5, lagMs: 2400 },
      { phase: 'cdc', type: 'end', records: 5, stoppedBy: 'idle' },
    ]);
    expect(lines).toHaveLength(6);
    expect(lines[0]).toMatch(/^Export: 3 s {2}.* {2}IN_PROGRESS$/);
    expect(lines[1]).toBe('Export completed in 4s');
    expect(lines[2]).toMatch(/^Load: 600\/1,200 items \(50%\) {2}.* {2}1\/2 files$/);
    expect(lines[3]).toBe('Load completed: 1,200 items from 2 files (3 throttles)');
    expect(lines[4]).toMatch(/^CDC: 5 records {2}.* {2}lag 2s$/);
    expect(lines[5]).toBe('CDC caught up: 5 records applied, stopped (idle)');
  });

  it('ends an import with its counts, and failed phases with one line', () => {
    const lines = render([
      { phase: 'import', type: 'start', expectedItems: 1500 },
      { phase: 'import', type: 'end', outcome: 'completed', importedItems: 1500, errorCount: 0 },
      { phase: 'import', type: 'start' },
      { phase: 'import', type: 'end', outcome: 'failed' },
      { phase: 'export', type: 'start' },
      { phase: 'export', type: 'end', outcome: 'failed', elapsedSeconds: 9 },
      { phase: 'cdc', type: 'start' },
      { phase: 'cdc', type: 'end', records: 1234, stoppedBy: 'drained' },
    ]);
    expect(lines).toEqual([
      'Import finished: 1,500 items imported, 0 errors',
      'Import failed',
      'Export failed',
      'CDC drained: 1,234 records applied, stopped (drained)',
    ]);
  });
});
