import { describeImportCounts, type MigrationProgress } from '@ddb-migrate/migration';
import { createProgress, formatLag, type Progress } from '../../progress.js';
import type { MigrateResult } from './run.js';
import { settleCountdown } from './settle-countdown.js';

// The plan's rendering lives with the plan command; migrate prints the same plan.
export { planDocument, renderPlan } from '../plan/render.js';

/** The final summary of a migrate run, for --output text. */
export function renderSummary(report: MigrateResult): string {
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
  if (s.catchUp) {
    const applied = s.catchUp.windows.filter((w) => w.status === 'applied');
    const sum = (k: 'puts' | 'deletes') => applied.reduce((n, w) => n + (w.applied?.[k] ?? 0), 0);
    lines.push(
      `  catch-up   ${applied.length}/${s.catchUp.windows.length} incremental exports applied (${sum('puts').toLocaleString('en-US')} puts, ${sum('deletes').toLocaleString('en-US')} deletes)${s.catchUp.cdcExportTime ? `, CDC from ${s.catchUp.cdcExportTime} minus the margin` : ''}`,
    );
  }
  if (s.cdc?.mode === 'lambda')
    lines.push(
      `  cdc        event source mapping ${s.cdc.esmUuid ?? '?'} on ${report.plan.key.sourceTableName}'s stream${s.cdc.account === 'target' ? ' (in the target account; the stream policy lets its function read)' : ''}`,
    );
  if (s.cdc?.mode === 'local' && report.cdc) {
    lines.push(
      `  cdc        local: ${report.cdc.records.toLocaleString('en-US')} records this run, stopped (${report.cdc.stoppedBy})`,
    );
  }
  if (s.cdcMode === 'none') lines.push('  cdc        none (changes after the cut-off are not replicated)');
  lines.push(`  state      ${report.stateFile ?? ''}`);
  lines.push(report.sync ?? (s.completedAt ? 'Done.' : 'Not finished: run migrate again to resume.'));
  return lines.join('\n');
}

/** Bar labels and units of the engine's phases. */
const PHASES = {
  export: { label: 'Export', unit: 's' },
  import: { label: 'Import', unit: 'items' },
  load: { label: 'Load', unit: 'items' },
  cdc: { label: 'CDC', unit: 'records' },
} as const;

/**
 * Draws the engine's progress on stderr: one bar per phase (rate and ETA on a TTY, plain lines
 * otherwise), finished with the phase's result line.
 */
export function renderProgress(
  stderr: NodeJS.WritableStream & { isTTY?: boolean },
): (event: MigrationProgress) => void {
  type BarPhase = Exclude<MigrationProgress['phase'], 'settle'>;
  const bars = new Map<BarPhase, Progress>();
  const settle = settleCountdown(stderr);
  const bar = (phase: BarPhase, total?: number): Progress => {
    let p = bars.get(phase);
    if (!p) {
      p = createProgress(stderr, { ...PHASES[phase], ...(total === undefined ? {} : { total }) });
      bars.set(phase, p);
    }
    return p;
  };
  const finish = (phase: BarPhase, line: string) => {
    bar(phase).done(line);
    bars.delete(phase);
  };
  return (e) => {
    if (e.phase === 'settle') {
      settle(e);
      return;
    }
    if (e.type === 'start') {
      bars.delete(e.phase);
      bar(e.phase, 'expectedItems' in e ? e.expectedItems : undefined);
      return;
    }
    switch (e.phase) {
      case 'export':
        if (e.type === 'update') bar('export').update(e.elapsedSeconds, e.exportStatus);
        else
          finish(
            'export',
            e.outcome === 'completed' ? `Export completed in ${e.elapsedSeconds}s` : 'Export failed',
          );
        return;
      case 'import':
        if (e.type === 'update') bar('import').update(e.processedItems, e.importStatus);
        else if (e.outcome === 'failed') finish('import', 'Import failed');
        else
          finish(
            'import',
            `Import finished: ${e.importedItems.toLocaleString('en-US')} items imported, ${e.errorCount.toLocaleString('en-US')} errors`,
          );
        return;
      case 'load':
        if (e.type === 'update') bar('load').update(e.items, `${e.filesLoaded}/${e.files} files`);
        else
          finish(
            'load',
            `Load completed: ${e.items.toLocaleString('en-US')} items from ${e.files} files (${e.throttles} throttles)`,
          );
        return;
      case 'cdc':
        if (e.type === 'update') bar('cdc').update(e.records, formatLag(e.lagMs));
        else
          finish(
            'cdc',
            `CDC ${e.stoppedBy === 'drained' ? 'drained' : 'caught up'}: ${e.records.toLocaleString('en-US')} records applied, stopped (${e.stoppedBy})`,
          );
        return;
    }
  };
}
