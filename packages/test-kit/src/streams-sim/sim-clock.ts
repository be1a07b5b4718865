/** The clock the simulated stream runs on: creation times, rollover, retention and iterator expiry. */
export interface SimClock {
  /** Milliseconds since the epoch, as the sim sees them. */
  now(): number;
  /** Moves the clock forward (never back). */
  advance(ms: number): void;
}

/** Options of {@link createSimClock}. */
export interface SimClockOptions {
  /** Start time (manual clock). Default 2023-11-14T22:13:20Z, so runs are reproducible. */
  startMs?: number;
  /** Follow the wall clock (plus every `advance`); for tests whose consumer sleeps for real. */
  followRealTime?: boolean;
  /** Base time source to follow instead (plus every `advance`), e.g. another test clock. */
  now?: () => number;
}

/** A fixed default start, so creation times and shard IDs repeat from run to run. */
export const DEFAULT_SIM_START_MS = 1_700_000_000_000;

/**
 * A test-controlled clock. Manual by default: time stands still until `advance(ms)`.
 *
 * @example
 * const clock = createSimClock();
 * clock.advance(15 * 60_000 + 1); // every iterator handed out before now is expired
 */
export function createSimClock(options: SimClockOptions = {}): SimClock {
  let offset = 0;
  const base: () => number = options.now
    ? options.now
    : options.followRealTime
      ? (() => {
          const t0 = Date.now();
          const start = options.startMs ?? t0;
          return () => start + (Date.now() - t0);
        })()
      : () => options.startMs ?? DEFAULT_SIM_START_MS;
  return {
    now: () => base() + offset,
    advance: (ms: number) => {
      if (!(ms >= 0)) throw new RangeError(`SimClock.advance needs a non-negative duration, got ${ms}`);
      offset += ms;
    },
  };
}
