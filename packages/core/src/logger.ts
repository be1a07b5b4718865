/** Structured fields attached to a log line: keys, counts, durations. Never attribute values. */
export type LogFields = Record<string, unknown>;

/**
 * The logger every library function accepts. The CLI adapts it to stderr, the Lambda to
 * Powertools Logger. Libraries default to {@link noopLogger}.
 */
export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
}

/** A logger that drops everything. */
export const noopLogger: Logger = Object.freeze({
  debug() {},
  info() {},
  warn() {},
  error() {},
});
