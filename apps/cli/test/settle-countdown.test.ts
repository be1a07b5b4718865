import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { settleCountdown } from '../src/commands/migrate/settle-countdown.js';

function capture(tty: boolean) {
  let text = '';
  const stream = Object.assign(new PassThrough(), { isTTY: tty });
  stream.on('data', (c: Buffer) => {
    text += c.toString();
  });
  return { stream, text: () => text };
}

describe('settleCountdown', () => {
  it('redraws the seconds left every update on a TTY', () => {
    const out = capture(true);
    const show = settleCountdown(out.stream);
    show({ phase: 'settle', type: 'start', seconds: 65 });
    show({ phase: 'settle', type: 'update', remainingSeconds: 64, seconds: 65 });
    show({ phase: 'settle', type: 'update', remainingSeconds: 1, seconds: 65 });
    show({ phase: 'settle', type: 'end', seconds: 65 });
    const text = out.text();
    expect(text).toContain('Waiting 1m05s for the new source stream to settle');
    // Each redraw clears the line first (carriage return, ESC [2K).
    const redraw = '\r\u001b[2K';
    expect(text).toContain(`${redraw}[${'-'.repeat(24)}] Stream settle: 1m04s left`);
    expect(text).toContain(`${redraw}[${'#'.repeat(24)}] Stream settle: 1s left`);
    expect(text.endsWith(`${redraw}Stream settled after 1m05s; exporting\n`)).toBe(true);
  });

  it('prints a plain line at most every 15 s off a TTY', () => {
    const out = capture(false);
    let t = 0;
    const show = settleCountdown(out.stream, { now: () => t });
    show({ phase: 'settle', type: 'start', seconds: 65 });
    for (let left = 64; left > 0; left--) {
      t += 1000;
      show({ phase: 'settle', type: 'update', remainingSeconds: left, seconds: 65 });
    }
    show({ phase: 'settle', type: 'end', seconds: 65 });
    expect(out.text().split('\n').filter(Boolean)).toEqual([
      'Waiting 1m05s for the new source stream to settle before the export (exports are accurate to +-1 min)',
      'Stream settle: 50s left',
      'Stream settle: 35s left',
      'Stream settle: 20s left',
      'Stream settle: 5s left',
      'Stream settled after 1m05s; exporting',
    ]);
  });
});
