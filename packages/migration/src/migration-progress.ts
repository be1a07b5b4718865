import type { RunnerSummary } from '@ddb-migrate/cdc-lambda';

/**
 * Progress of the long phases of {@link applyMigration}, as data: each phase sends `start`, any
 * number of `update`s and one `end`. The caller renders them (the CLI draws bars on stderr).
 *
 * - settle: the wait before the export for a stream migrate just enabled (--stream-settle-seconds),
 *   counting down the seconds left;
 * - export: seconds since the export was requested, DescribeExport's status;
 * - import: ImportTable's processed items against the export's count;
 * - load (write mode): items written, data files done;
 * - cdc (local mode): records applied this run and the lag behind the stream.
 */
export type MigrationProgress =
  | { phase: 'settle'; type: 'start'; seconds: number }
  | { phase: 'settle'; type: 'update'; remainingSeconds: number; seconds: number }
  | { phase: 'settle'; type: 'end'; seconds: number }
  | { phase: 'export'; type: 'start' }
  | { phase: 'export'; type: 'update'; elapsedSeconds: number; exportStatus: string }
  | { phase: 'export'; type: 'end'; outcome: 'completed' | 'failed'; elapsedSeconds: number }
  | { phase: 'import'; type: 'start'; expectedItems?: number }
  | { phase: 'import'; type: 'update'; processedItems: number; importStatus?: string }
  | { phase: 'import'; type: 'end'; outcome: 'completed'; importedItems: number; errorCount: number }
  | { phase: 'import'; type: 'end'; outcome: 'failed' }
  | { phase: 'load'; type: 'start'; expectedItems?: number }
  | { phase: 'load'; type: 'update'; items: number; filesLoaded: number; files: number }
  | { phase: 'load'; type: 'end'; items: number; files: number; throttles: number }
  | { phase: 'cdc'; type: 'start' }
  | { phase: 'cdc'; type: 'update'; records: number; lagMs?: number }
  | { phase: 'cdc'; type: 'end'; records: number; stoppedBy: RunnerSummary['stoppedBy'] };
