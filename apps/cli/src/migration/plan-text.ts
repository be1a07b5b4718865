import { formatSeconds } from '../progress.js';
import type { MigrationPlan } from './preflight/run-preflight.js';

/** Renders the plan as a readable two-column table plus actions, findings and estimates. */
export function renderPlan(plan: MigrationPlan): string {
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
