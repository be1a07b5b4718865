/**
 * Progress on stderr: a redrawn bar with rate and ETA on a TTY, plain lines (at most one every
 * few seconds) otherwise. Never writes to stdout, so `--output json` stays one document.
 */
export interface Progress {
  /** Sets the completed amount (absolute) and an optional detail text. */
  update(done: number, detail?: string): void;
  /** Finishes the bar with a final line. */
  done(message?: string): void;
}

export interface ProgressOptions {
  label: string;
  /** Expected total; unknown totals show a count and rate only. */
  total?: number;
  unit?: string;
  /** Minimum milliseconds between plain (non-TTY) lines. */
  plainIntervalMs?: number;
  now?: () => number;
}

export function createProgress(
  stream: NodeJS.WritableStream & { isTTY?: boolean },
  options: ProgressOptions,
): Progress {
  const now = options.now ?? Date.now;
  const started = now();
  const unit = options.unit ?? 'items';
  const tty = stream.isTTY === true;
  const interval = options.plainIntervalMs ?? 5000;
  let lastPlain = 0;
  let last = 0;

  const render = (done: number, detail?: string): string => {
    const elapsed = Math.max(1, now() - started) / 1000;
    const rate = done / elapsed;
    const parts = [`${options.label}: ${done.toLocaleString('en-US')}`];
    if (options.total !== undefined && options.total > 0) {
      const pct = Math.min(100, (done / options.total) * 100);
      parts[0] += `/${options.total.toLocaleString('en-US')} ${unit} (${pct.toFixed(0)}%)`;
      if (tty) {
        const width = 24;
        const filled = Math.round((pct / 100) * width);
        parts.unshift(`[${'#'.repeat(filled)}${'-'.repeat(width - filled)}]`);
      }
      if (rate > 0 && done < options.total) parts.push(`ETA ${formatSeconds((options.total - done) / rate)}`);
    } else {
      parts[0] += ` ${unit}`;
    }
    parts.push(`${rate.toFixed(0)} ${unit}/s`);
    if (detail) parts.push(detail);
    return parts.join('  ');
  };

  return {
    update(done, detail) {
      last = done;
      if (tty) {
        stream.write(`\r\x1b[2K${render(done, detail)}`);
        return;
      }
      const t = now();
      if (t - lastPlain >= interval) {
        lastPlain = t;
        stream.write(`${render(done, detail)}\n`);
      }
    },
    done(message) {
      const line = message ?? render(last);
      stream.write(tty ? `\r\x1b[2K${line}\n` : `${line}\n`);
    },
  };
}

/** 75 -> "1m15s". */
export function formatSeconds(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}

/**
 * How far CDC is behind the stream: `caught up` at 0 (the runner reports 0 once every shard was
 * read to its current end), else `lag 1m15s` (the newest applied record's age); undefined before
 * the first batch.
 */
export function formatLag(lagMs: number | undefined): string | undefined {
  if (lagMs === undefined) return undefined;
  return lagMs <= 0 ? 'caught up' : `lag ${formatSeconds(lagMs / 1000)}`;
}
