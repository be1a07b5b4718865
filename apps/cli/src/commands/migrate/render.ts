import { describeImportCounts, type MigrationPlan, type MigrationProgress } from '@ddb-migrate/migration';
import { createProgress, formatLag, formatSeconds, type Progress } from '../../progress.js';
import type { MigrateResult, PlanDocument } from './run.js';

/** The plan as printed (`--output json`): the plan without the input and facts apply acts on. */
export function planDocument(plan: MigrationPlan): PlanDocument {
  const { input: _input, facts: _facts, ...document } = plan;
  return document;
}

/** Renders the plan as a readable two-column table plus actions, findings and estimates. */
export function renderPlan(plan: PlanDocument): string {
  const rows: [string, string][] = [
    ['Source', `${plan.source.table}  (account ${plan.source.account}, ${plan.source.region})`],
    ['  keys', plan.source.keySchema],
    ['  indexes', `${plan.source.gsis} GSI, ${plan.source.lsis} LSI`],
    ['  items', plan.source.itemCount.toLocaleString('en-US')],
    ['  billing', plan.source.billing],
    ['  PITR', plan.source.pitr ? 'enabled' : 'disabled'],
    ['  stream', plan.source.stream],
    ['Target', `${plan.target.table}  (account ${plan.target.account}, ${plan.target.region})`],
    ['  access', plan.target.access],
    ['  table', plan.target.exists ? 'exists (empty, key-compatible)' : 'absent (will be created)'],
    ['Bucket', plan.bucket],
    ['Load mode', plan.loadMode],
    ['CDC mode', `${plan.cdcMode}${plan.fetchOnChange ? ' (fetch-on-change)' : ''}`],
  ];
  if (plan.estimate) {
    const e = plan.estimate;
    rows.push(
      [
        'Size',
        `${(e.sizeBytes / 1024 ** 2).toFixed(1)} MiB${e.sizeGuessed ? ' (guessed from item count)' : ''}`,
      ],
      ['Est. export', `~${formatSeconds(e.exportMinutes * 60)}, about $${e.exportCostUsd.toFixed(2)}`],
      ['Est. load', `~${formatSeconds(e.loadMinutes * 60)}, about $${e.loadCostUsd.toFixed(2)}`],
    );
  }
  if (plan.resume)
    rows.push(['Resume', `run ${plan.resume.runId}, last finished step: ${plan.resume.lastStep}`]);
  const width = Math.max(...rows.map(([k]) => k.length));
  const lines = ['Migration plan', ...rows.map(([k, v]) => `  ${k.padEnd(width)}  ${v}`), '', 'Will do:'];
  plan.actions.forEach((a, i) => {
    lines.push(`  ${i + 1}. ${a}`);
  });
  const notes = plan.findings.filter((f) => f.level !== 'error');
  if (notes.length > 0) {
    lines.push('', 'Notes:');
    for (const f of notes)
      lines.push(`  ${f.level === 'warning' ? '!' : '-'} ${f.message}${f.fix ? ` (${f.fix})` : ''}`);
  }
  return lines.join('\n');
}

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
  const bars = new Map<MigrationProgress['phase'], Progress>();
  const bar = (phase: MigrationProgress['phase'], total?: number): Progress => {
    let p = bars.get(phase);
    if (!p) {
      p = createProgress(stderr, { ...PHASES[phase], ...(total === undefined ? {} : { total }) });
      bars.set(phase, p);
    }
    return p;
  };
  const finish = (phase: MigrationProgress['phase'], line: string) => {
    bar(phase).done(line);
    bars.delete(phase);
  };
  return (e) => {
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
