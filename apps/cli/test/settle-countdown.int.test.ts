import { describe, expect, it } from 'vitest';
import { cli, createFixture } from './migrate-fixtures.js';

/** The fixture's args without its `--stream-settle-seconds 0` (moto's exports are exact). */
function withSettle(args: string[], seconds: string): string[] {
  const i = args.indexOf('--stream-settle-seconds');
  return [...args.slice(0, i), ...args.slice(i + 2), '--stream-settle-seconds', seconds];
}

describe('the wait for a new stream to settle before the export', () => {
  it('counts down on stderr (plain lines off a TTY: at the start, every 15 s, at the end)', async () => {
    const fx = await createFixture({ items: 20 });
    const started = Date.now();
    const run = await cli(
      ['migrate', ...withSettle(fx.args, '17'), '--load-mode', 'write', '--cdc-mode', 'none', '--yes'],
      fx.env,
    );
    expect(run.stderr).not.toMatch(/^Error/m);
    expect(run.code).toBe(0);
    expect(Date.now() - started).toBeGreaterThanOrEqual(17_000);
    const lines = run.stderr.split('\n');
    const first = lines.findIndex((l) =>
      /^Waiting 17s for the new source stream to settle before the export/.test(l),
    );
    const countdown = lines.findIndex((l) => /^Stream settle: [1-3]s left$/.test(l));
    const end = lines.findIndex((l) => l === 'Stream settled after 17s; exporting');
    expect(first, run.stderr).toBeGreaterThanOrEqual(0);
    expect(countdown, run.stderr).toBeGreaterThan(first);
    expect(end, run.stderr).toBeGreaterThan(countdown);
    expect(
      lines.filter((l) => l.startsWith('Stream settle:')),
      run.stderr,
    ).toHaveLength(1);
  });

  it('suggests a safe settle time, not the unsafe minimum, for a value out of range', async () => {
    const fx = await createFixture({ items: 1 });
    const run = await cli(['plan', ...withSettle(fx.args, '-5')], fx.env);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/--stream-settle-seconds must be an integer from 0 to 3600 \(got "?-5"?\)/);
    expect(run.stderr).toMatch(/Pass e\.g\. --stream-settle-seconds 65/);
    expect(run.stderr).not.toMatch(/--stream-settle-seconds 0\b/);
  });
});
