/**
 * The errors of the consistency checker. Differences are data, not errors; what fails is an AWS
 * call (core's `AwsCallError`), an unknown table or key schema (core's `PreflightError`), a bad
 * option or report (core's `ConfigError`), or one key's repair, below.
 */

/**
 * A key that kept changing (or failing) for every read-write-reread round of a repair. Not
 * user-facing on its own: `verify --repair` counts it as `repairFailed` and `replay-dlq` keeps the
 * message, leaving the key to CDC and a later run.
 */
export class KeyNotStableError extends Error {
  constructor(rounds: number) {
    super(`the source item kept changing during ${rounds} read-write-reread rounds`);
    this.name = 'KeyNotStableError';
  }
}
