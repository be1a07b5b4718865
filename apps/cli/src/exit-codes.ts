import {
  ConfigError,
  describeSdkError,
  type ErrorCode,
  InternalError,
  isMigrationError,
  PreflightError,
} from '@ddb-migrate/core';

/** The CLI's exit codes (DESIGN.md "Contracts"). */
export const ExitCode = {
  /** Success, or the tables are identical. */
  Ok: 0,
  /** verify found differences. */
  Differences: 1,
  /** Bad input or a refused precondition; nothing was changed. */
  BadInput: 2,
  /** A failure while running. */
  Failure: 3,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/**
 * Codes that mean "the user must change something" whichever class carries them: the typed env
 * readers raise them as plain MigrationErrors, and so may another bundled copy of core, whose
 * classes `instanceof` does not know.
 */
const BAD_INPUT_CODES: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  'CONFIG_INVALID',
  'ENV_MISSING',
  'ENV_INVALID',
  'USAGE',
]);

/**
 * Maps any thrown value to an exit code, in one place (Nx `handleErrors`), by class and code:
 * a broken invariant ({@link InternalError}) is a failure (3) whatever else it is; a
 * {@link ConfigError} (bad flag, file or state dir) or {@link PreflightError} (refused
 * precondition, nothing changed) is bad input (2), as is a bad-input code; anything else is a
 * failure while running (3).
 */
export function exitCodeFor(error: unknown): ExitCode {
  if (error instanceof InternalError) return ExitCode.Failure;
  if (error instanceof ConfigError || error instanceof PreflightError) return ExitCode.BadInput;
  if (isMigrationError(error) && BAD_INPUT_CODES.has(error.code)) return ExitCode.BadInput;
  return ExitCode.Failure;
}

/** One clear line: what is wrong and, when known, how to fix it (never "Error: Error: ..."). */
export function formatErrorLine(error: unknown): string {
  if (isMigrationError(error)) {
    if (!error.hint) return `Error: ${error.message}`;
    return `Error: ${error.message}${/[.!?]$/.test(error.message) ? '' : '.'} ${error.hint}`;
  }
  return `Error: ${describeSdkError(error)}`;
}
