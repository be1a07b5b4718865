import { describeImportCounts } from '@ddb-migrate/migration';
import type { RecordedMigration } from './run.js';

/** One recorded migration as rows of `name  value`. */
export function renderState(s: RecordedMigration): string {
  const k = s.key;
  const rows: [string, string][] = [
    ['run', `${s.runId} (${s.loadMode} load, ${s.cdcMode} CDC), updated ${s.updatedAt}`],
    ['from', `${k.sourceTableName} in ${k.sourceAccountId}/${k.sourceRegion}`],
    ['to', `${k.targetTableName} in ${k.targetAccountId}/${k.targetRegion}`],
    [
      'status',
      s.completedAt ? `completed ${s.completedAt}` : `in progress, last finished step: ${s.lastStep}`,
    ],
  ];
  if (s.stream)
    rows.push(['stream', `${s.stream.status} ${s.stream.viewType ?? ''} ${s.stream.streamArn ?? ''}`.trim()]);
  if (s.export)
    rows.push([
      'export',
      `${s.export.status} ${s.export.exportArn ?? '(requested)'} T=${s.export.exportTime ?? '?'}`,
    ]);
  if (s.load) {
    rows.push([
      'load',
      `${s.load.status} ${s.load.mode} ${s.load.importArn ?? `${s.load.loadedFiles.length}/${s.load.totalFiles ?? '?'} files`} ${s.load.itemsLoaded} items`,
    ]);
    if (s.load.importCounts) rows.push(['', describeImportCounts(s.load.importCounts)]);
    if (s.load.failure) rows.push(['', `${s.load.failure.code}: ${s.load.failure.message}`]);
  }
  if (s.settings)
    rows.push([
      'settings',
      `${s.settings.status}: ${s.settings.applied.length} applied, ${s.settings.failed.length} failed, ${s.settings.notCarried.length} not carried`,
    ]);
  if (s.cdc)
    rows.push([
      'cdc',
      `${s.cdc.status} ${s.cdc.mode}${s.cdc.account === 'target' ? ' (target account)' : ''}${s.cdc.esmUuid ? ` ESM ${s.cdc.esmUuid}` : ''}${s.cdc.drainedAt ? ` drained ${s.cdc.drainedAt}` : ''}`,
    ]);
  for (const c of [s.cutover, s.rollback]) {
    if (c)
      rows.push([
        c.direction === 'forward' ? 'cutover' : 'rollback',
        `${c.status}${c.switchedAt ? ` at ${c.switchedAt}` : ''}`,
      ]);
  }
  for (const f of s.freezes) rows.push(['FROZEN', `${f.table}: ${f.since}; lift with: ${f.liftCommand}`]);
  rows.push(['sync', s.sync]);
  return rows.map(([a, b]) => `${a.padEnd(9)} ${b}`).join('\n');
}
