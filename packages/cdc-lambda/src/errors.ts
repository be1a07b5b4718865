import { InternalError } from '@ddb-migrate/core';

/**
 * The errors of the CDC engine. Only {@link RunnerInvariantError} reaches a user (a bug); the
 * others are signals inside a batch, named so that the retry and dead-letter logic classifies
 * them like the SDK's errors of the same kind.
 */

/**
 * A broken internal invariant of the stream runner: a bug, never a user error. An
 * {@link InternalError} (code `INTERNAL`, its hint asks for a bug report); the CLI exits 3 and
 * prints the stack with --verbose.
 */
export class RunnerInvariantError extends InternalError {
  constructor(message: string) {
    super(`${message} (attach the log and the checkpoint file to the report)`);
  }
}

/** A call refused because it could not end within the invocation's budget. Not retryable. */
export class InvocationDeadlineError extends Error {
  constructor() {
    super('no time left in the invocation for another request');
    this.name = 'InvocationDeadlineExceeded';
  }
}

/** A request cancelled after the request timeout. Named like the SDK's timeouts, so retryable. */
export class RequestTimeoutError extends Error {
  constructor(ms: number) {
    super(`request cancelled after the ${ms} ms request timeout`);
    this.name = 'TimeoutError';
  }
}

/**
 * A record that could not be decoded at all (malformed JSON, no keys, no sequence number): never
 * retried, parked in the dead-letter queue under this name.
 */
export class RecordDecodeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RecordDecodeError';
  }
}
