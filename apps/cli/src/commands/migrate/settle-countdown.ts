import type { MigrationProgress } from '@ddb-migrate/migration';
import { formatSeconds } from '../../progress.js';

type SettleEvent = Extract<MigrationProgress, { phase: 'settle' }>;

/**
 * The wait between a new stream and the export as a countdown on stderr: redrawn every second on
 * a TTY, otherwise a plain line at the start, one every `plainIntervalMs` (15 s) and one at the end.
 */
export function settleCountdown(
  stderr: NodeJS.WritableStream & { isTTY?: boolean },
  options: { plainIntervalMs?: number; now?: () => number } = {},
): (event: SettleEvent) => void {
  const now = options.now ?? Date.now;
  const interval = options.plainIntervalMs ?? 15_000;
  const tty = stderr.isTTY === true;
  let lastPlain = 0;
  const bar = (remaining: number, total: number) => {
    const width = 24;
    const filled = Math.round(((total - remaining) / Math.max(1, total)) * width);
    return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}]`;
  };
  return (e) => {
    if (e.type === 'start') {
      lastPlain = now();
      const line = `Waiting ${formatSeconds(e.seconds)} for the new source stream to settle before the export (exports are accurate to +-1 min)`;
      stderr.write(tty ? `\r\x1b[2K${line}\n` : `${line}\n`);
      return;
    }
    if (e.type === 'update') {
      const left = `Stream settle: ${formatSeconds(e.remainingSeconds)} left`;
      if (tty) {
        stderr.write(`\r\x1b[2K${bar(e.remainingSeconds, e.seconds)} ${left}`);
        return;
      }
      if (now() - lastPlain >= interval) {
        lastPlain = now();
        stderr.write(`${left}\n`);
      }
      return;
    }
    const line = `Stream settled after ${formatSeconds(e.seconds)}; exporting`;
    stderr.write(tty ? `\r\x1b[2K${line}\n` : `${line}\n`);
  };
}
