import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli, createFixture } from './migrate-fixtures.js';

/** The fixture's args without its `--stream-settle-seconds 0` (moto's exports are exact). */
function withSettle(args: string[], seconds: number): string[] {
  const i = args.indexOf('--stream-settle-seconds');
  const rest = i < 0 ? args : [...args.slice(0, i), ...args.slice(i + 2)];
  return [...rest, '--stream-settle-seconds', String(seconds)];
}

describe('export point in time vs the stream start', () => {
  it('takes the export no earlier than the settle time after the stream it enabled started', async () => {
    const fx = await createFixture({ items: 40 });
    const run = await cli(
      [
        ...withSettle(fx.args, 4),
        'migrate',
        '--load-mode',
        'write',
        '--cdc-mode',
        'none',
        '--yes',
        '--output',
        'json',
      ],
      fx.env,
    );
    expect(run.stderr).not.toMatch(/^Error/m);
    expect(run.code).toBe(0);

    const [file] = readdirSync(fx.stateDir).filter((f) => f.endsWith('.json'));
    const state = JSON.parse(readFileSync(join(fx.stateDir, file ?? ''), 'utf8')) as {
      stream: { enabledAt: string; enabledByUs: boolean };
      export: { requestedAt: string };
    };
    expect(state.stream.enabledByUs).toBe(true);
    const gapMs = Date.parse(state.export.requestedAt) - Date.parse(state.stream.enabledAt);
    expect(gapMs).toBeGreaterThanOrEqual(4000);
    expect(run.stderr).toMatch(/below the export accuracy of 60 s/);
  });
});
