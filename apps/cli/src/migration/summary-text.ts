import { describeImportCounts } from './steps/import-completeness.js';
import type { MigrationReport } from './run-migration.js';

/** The final summary of a migrate run, for --output text. */
export function renderSummary(report: MigrationReport): string {
  const s = report.state;
  if (!s) return '';
  const lines = [
    `Migration ${s.runId}: ${s.key.sourceTableName} (${s.key.sourceAccountId}) -> ${s.key.targetTableName} (${s.key.targetAccountId})`,
  ];
  if (s.stream)
    lines.push(
      `  stream     ${s.stream.viewType ?? '?'}${s.stream.enabledByUs ? ' (enabled by migrate)' : ' (existing)'}`,
    );
  if (s.export) {
    lines.push(`  export     ${s.export.exportArn ?? '?'}`);
    lines.push(
      `             cut-off ${s.export.exportTime ?? '?'}${s.export.exportTimeSource === 'requested' ? ' (request time; service reported none)' : ''}, s3://${s.export.bucket}/${s.export.prefix}`,
    );
  }
  if (s.load) {
    const how =
      s.load.mode === 'import'
        ? `import ${s.load.importArn ?? ''}`
        : `write, ${s.load.loadedFiles.length} files`;
    lines.push(`  load       ${s.load.itemsLoaded.toLocaleString('en-US')} items (${how})`);
    if (s.load.importCounts) lines.push(`             ${describeImportCounts(s.load.importCounts)}`);
  }
  for (const a of s.abandonedLoads ?? [])
    lines.push(
      `  replaced   ${a.load.mode} ${a.load.importArn ?? ''}: ${a.load.failure?.code ?? 'abandoned'}`,
    );
  if (s.settings) {
    lines.push(
      `  settings   ${s.settings.applied.length} applied${s.settings.applied.length ? `: ${s.settings.applied.join('; ')}` : ''}`,
    );
    for (const f of s.settings.failed) lines.push(`  drift      ${f.kind} failed: ${f.error}`);
    for (const n of s.settings.notCarried) lines.push(`  drift      ${n.setting} not carried: ${n.reason}`);
  }
  if (s.cdc?.mode === 'lambda')
    lines.push(
      `  cdc        event source mapping ${s.cdc.esmUuid ?? '?'} on ${report.plan.key.sourceTableName}'s stream`,
    );
  if (s.cdc?.mode === 'local' && report.cdc) {
    lines.push(
      `  cdc        local: ${report.cdc.records.toLocaleString('en-US')} records this run, stopped (${report.cdc.stoppedBy})`,
    );
  }
  if (s.cdcMode === 'none') lines.push('  cdc        none (changes after the cut-off are not replicated)');
  lines.push(`  state      ${report.stateFile ?? ''}`);
  lines.push(s.completedAt ? 'Done.' : 'Not finished: run migrate again to resume.');
  return lines.join('\n');
}
