import type { ErrorCode } from './error-codes.js';
import { describeSdkError } from './sdk-error.js';

/** Options every {@link MigrationError} accepts. */
export interface MigrationErrorOptions {
  /** One sentence that tells the user how to fix the problem. */
  hint?: string;
  /** The underlying error (an SDK error, an I/O error). */
  cause?: unknown;
}

/**
 * Base class of every error ddb-migrate raises on purpose. `code` is stable and documented;
 * callers branch on it, never on the message.
 *
 * @example
 * throw new MigrationError('STATE_CONFLICT', 'An export is already in flight', { hint: 'Re-run migrate to resume it' });
 */
export class MigrationError extends Error {
  readonly code: ErrorCode;
  readonly hint?: string;

  constructor(code: ErrorCode, message: string, options: MigrationErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    if (options.hint !== undefined) this.hint = options.hint;
  }
}

/** A flag, environment variable or file the user supplied is missing or malformed. */
export class ConfigError extends MigrationError {
  constructor(message: string, options: MigrationErrorOptions & { code?: ErrorCode } = {}) {
    super(options.code ?? 'CONFIG_INVALID', message, options);
  }
}

/** A precondition checked before any write does not hold; nothing has been changed. */
export class PreflightError extends MigrationError {
  constructor(code: ErrorCode, message: string, options: MigrationErrorOptions = {}) {
    super(code, message, options);
  }
}

/** An AWS call failed for a reason ddb-migrate cannot handle; the SDK error is in `cause`. */
export class AwsCallError extends MigrationError {
  readonly operation: string;

  constructor(operation: string, cause: unknown, options: Omit<MigrationErrorOptions, 'cause'> = {}) {
    super('AWS_CALL_FAILED', `${operation} failed: ${describeSdkError(cause)}`, { ...options, cause });
    this.operation = operation;
  }
}

/**
 * DynamoDB JSON that is not a valid item or AttributeValue. `path` names the attribute
 * (`photos[2].thumb`), never its value.
 */
export class DynamoJsonError extends MigrationError {
  readonly path: string;

  constructor(path: string, problem: string) {
    super('INVALID_DYNAMODB_JSON', `Invalid DynamoDB JSON at ${path || '(item)'}: ${problem}`);
    this.path = path;
  }
}

/** The hint of every {@link InternalError}. */
export const BUG_REPORT_HINT =
  'This is a bug in ddb-migrate, not a problem with your input: please report it with the command line and the output of the same run with --verbose';

/**
 * A broken internal invariant: a bug in ddb-migrate, never something the user can fix, so it has
 * no code of its own (`INTERNAL`) and its hint asks for a bug report. The CLI exits 3 and prints
 * the stack with --verbose.
 *
 * @example
 * if (!state.export) throw new InternalError('The load step ran before the export was recorded');
 */
export class InternalError extends MigrationError {
  constructor(message: string, options: Pick<MigrationErrorOptions, 'cause'> = {}) {
    super('INTERNAL', message, { ...options, hint: BUG_REPORT_HINT });
  }
}

/** True when `error` is a {@link MigrationError} (also across bundled copies of core). */
export function isMigrationError(error: unknown): error is MigrationError {
  return (
    error instanceof MigrationError ||
    (error instanceof Error && typeof (error as { code?: unknown }).code === 'string' && 'hint' in error)
  );
}
