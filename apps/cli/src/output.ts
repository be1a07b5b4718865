import { isMigrationError } from '@ddb-migrate/core';
import { exitCodeFor, formatErrorLine } from './exit-codes.js';
import type { OutputFormat } from './options.js';

/** What a command's run function returns to the entry: the document to print and the exit code. */
export interface CommandResult<T = unknown> {
  /** The JSON document (`--output json`) and the source of the text rendering. */
  data: T;
  /** Human rendering for `--output text`. */
  text: string;
  /** Exit code; 0 unless the command says otherwise (verify: 1 on differences). */
  exitCode?: number;
}

/** Prints a result: exactly one JSON document on stdout for json, the text otherwise. */
export function printResult(result: CommandResult, format: OutputFormat, out: NodeJS.WritableStream): void {
  if (format === 'json') out.write(`${JSON.stringify(result.data, jsonReplacer, 2)}\n`);
  else if (result.text) out.write(result.text.endsWith('\n') ? result.text : `${result.text}\n`);
}

function jsonReplacer(_key: string, value: unknown): unknown {
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Uint8Array) return Buffer.from(value).toString('base64');
  if (value instanceof Date) return value.toISOString();
  return value;
}

/** The one JSON document a failed command writes on stdout with `--output json`. */
export interface ErrorDocument {
  error: {
    /** The stable code (`TABLE_NOT_FOUND`, `USAGE`, ...); `INTERNAL` for an error without one. */
    code: string;
    /** The line printed on stderr, without its `Error: ` prefix: what is wrong and how to fix it. */
    message: string;
    /** The process's exit code (2 bad input, nothing changed; 3 failure while running). */
    exitCode: number;
    /** Every problem a refusal found, each with its fix (preflight). */
    problems?: unknown[];
  };
}

/** The JSON error document for `error`, which exits with `exitCode`. */
export function errorDocument(error: unknown, exitCode: number): ErrorDocument {
  const code = isMigrationError(error) ? error.code : 'INTERNAL';
  const problems = (error as { problems?: unknown } | undefined)?.problems;
  return {
    error: {
      code,
      message: formatErrorLine(error).replace(/^Error: /, ''),
      exitCode,
      ...(Array.isArray(problems) ? { problems } : {}),
    },
  };
}

/** Where and how {@link reportError} prints. */
export interface ErrorReportTarget {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  output: OutputFormat;
  verbose: boolean;
}

/**
 * Reports a failure: one line on stderr (the stack after it only with --verbose) and, with
 * `--output json`, exactly one JSON error document on stdout. Returns the exit code.
 */
export function reportError(error: unknown, target: ErrorReportTarget): number {
  const exitCode = exitCodeFor(error);
  target.stderr.write(`${formatErrorLine(error)}\n`);
  if (target.verbose && error instanceof Error && error.stack) target.stderr.write(`${error.stack}\n`);
  if (target.output === 'json') target.stdout.write(`${JSON.stringify(errorDocument(error, exitCode))}\n`);
  return exitCode;
}
