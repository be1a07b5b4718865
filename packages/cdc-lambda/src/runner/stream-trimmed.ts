import { MigrationError } from '@ddb-migrate/core';

/** What to do when stream records that were still needed may have been trimmed. */
export const STREAM_TRIMMED_REMEDY =
  'Changes may be missing from the target: repair it with `ddb-migrate verify --repair` (rewrites every item that differs from the source) or start a new migration; then move the checkpoint file away so cdc starts again from TRIM_HORIZON';

/**
 * The `STREAM_TRIMMED` error: records the runner still had to apply may be gone (24-hour
 * retention). The CLI maps it to exit 3.
 */
export function streamTrimmedError(message: string, cause?: unknown): MigrationError {
  return new MigrationError('STREAM_TRIMMED', message, {
    hint: STREAM_TRIMMED_REMEDY,
    ...(cause === undefined ? {} : { cause }),
  });
}
