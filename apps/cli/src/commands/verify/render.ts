import type { VerifyResultData } from './run.js';

/** The human summary of a verify (or merged) run. Counts only, never values. */
export function renderSummary(s: VerifyResultData): string {
  const verdict = s.identical
    ? 'IDENTICAL'
    : s.remaining === 0
      ? `${s.differences} difference(s), all repaired`
      : `${s.remaining} difference(s)`;
  const lines = [
    `verify ${s.sourceTable} -> ${s.targetTable}: ${verdict}`,
    `  scanned        source ${s.sourceScanned}, target ${s.targetScanned}` +
      ` (${s.segments.length}/${s.totalSegments} segments${s.complete ? '' : ', PARTIAL'})`,
    `  matched        ${s.matched}`,
    `  missing        ${s.missingInTarget}`,
    `  extra          ${s.extraInTarget}`,
    `  different      ${s.different}`,
    `  rechecked      ${s.rechecked} (${s.resolvedByRecheck} cleared by a consistent re-read)`,
    `  repaired       ${s.repaired}${s.repairFailed ? ` (${s.repairFailed} failed)` : ''}`,
    `  point reads    ${s.pointReads}`,
    `  throttled      ${s.throttles ?? 0} call(s); ${s.retries ?? 0} retried, ${s.unprocessedKeys ?? 0} unprocessed key(s) re-read`,
    `  RCU consumed   source ${round(s.consumedRcu.source)}, target ${round(s.consumedRcu.target)} (as reported)`,
    `  duration       ${(s.durationMs / 1000).toFixed(1)} s`,
  ];
  if (s.report) lines.push(`  report         ${s.report} (summary ${s.summaryFile})`);
  lines.push(`  window         ${coverageNote(s.startedAt)}`);
  const keys = s.differingKeys ?? [];
  if (keys.length > 0) {
    const shown = keys.slice(0, TEXT_KEYS);
    lines.push(
      `Differing keys (${shown.length} of ${s.differences}${s.report ? `; all in ${s.report}` : '; --report FILE writes all, --output json lists up to 100'}):`,
    );
    for (const d of shown)
      lines.push(`  ${d.kind.padEnd(17)} ${JSON.stringify(d.key)}${d.repaired ? ' (repaired)' : ''}`);
  }
  if (s.nextSteps?.length) lines.push('Next:', ...s.nextSteps.map((step) => `  - ${step}`));
  return lines.join('\n');
}

/** Differing keys the text summary prints (keys only, never values). */
const TEXT_KEYS = 10;

const round = (n: number) => Math.round(n * 10) / 10;

/**
 * What a verify proves (a scan is not a snapshot): keys as both tables held them when the scan
 * reached them. Said in every summary, so nobody reads IDENTICAL as "identical at the end".
 */
export function coverageNote(startedAt: string | undefined): string {
  const since = startedAt ? `scan started ${startedAt}` : 'scan start not recorded';
  return (
    `${since}: compares each key as both tables held it when the scan reached it. ` +
    'Keys written after the scan started are covered by CDC and a later verify; ' +
    'items created in the source during the scan may be missed by this one.'
  );
}
