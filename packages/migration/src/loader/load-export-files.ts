// The write-mode loader lives in core, so the fan-out load worker (consistency-checker, which
// depends on core only) runs the same code as migrate's in-process load.
export { loadExportFiles } from '@ddb-migrate/core';
export type { LoadExportFilesOptions, LoadExportFilesResult } from '@ddb-migrate/core';
