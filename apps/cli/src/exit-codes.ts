import { isMigrationError } from '@ddb-migrate/core';

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

/** Error codes that mean "the user must change something"; everything else is a runtime failure. */
const BAD_INPUT_CODES = new Set(['CONFIG_INVALID', 'ENV_MISSING', 'ENV_INVALID', 'USAGE']);

/** Maps any thrown value to an exit code, in one place (Nx `handleErrors`). */
export function exitCodeFor(error: unknown): ExitCode {
  if (!isMigrationError(error)) return ExitCode.Failure;
  if (error.name === 'PreflightError' || error.name === 'ConfigError') return ExitCode.BadInput;
  return BAD_INPUT_CODES.has(error.code) ? ExitCode.BadInput : ExitCode.Failure;
}

/** One clear line: what is wrong and, when known, how to fix it. */
export function formatErrorLine(error: unknown): string {
  if (isMigrationError(error)) {
    return error.hint ? `Error: ${error.message}. ${error.hint}` : `Error: ${error.message}`;
  }
  if (error instanceof Error) return `Error: ${error.name}: ${error.message}`;
  return `Error: ${String(error)}`;
}
