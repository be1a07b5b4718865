import type { MigrationState } from '../state/migration-state.js';

/** DynamoDB Streams keep records 24 h; leave an hour of slack for CDC to catch up. */
export const STREAM_RETENTION_MS = 24 * 3_600_000;
export const STREAM_SAFETY_MS = 3_600_000;

/**
 * Why CDC may not start any more: records from T - margin onwards must still be in the stream.
 * Returns undefined when it is safe (or nothing is exported yet).
 */
export function streamWindowProblem(
  state: MigrationState,
  marginSeconds: number,
  now: number,
): { message: string; fix: string } | undefined {
  const t = state.export?.exportTime;
  if (!t || state.cdcMode === 'none') return undefined;
  const from = Date.parse(t) - marginSeconds * 1000;
  if (now - from <= STREAM_RETENTION_MS - STREAM_SAFETY_MS) return undefined;
  return {
    message: `Stream records from ${new Date(from).toISOString()} (export time minus margin) may already be trimmed: the stream keeps 24 h`,
    fix: 'Catch up with an incremental export (ExportType INCREMENTAL_EXPORT from that time to now) written to the target, or start a fresh migration (move the state file away)',
  };
}
