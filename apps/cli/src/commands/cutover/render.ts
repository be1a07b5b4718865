import type { CutoverCommandResult } from './run.js';

/** The plan of a cutover or rollback, one line per step. */
export function renderCutoverPlan(data: CutoverCommandResult): string {
  const lines = [`${data.command} plan (state ${data.stateFile}):`];
  for (const step of data.steps)
    lines.push(
      `  [${step.status === 'done' ? 'x' : step.status === 'skipped' ? '-' : ' '}] ${step.name.padEnd(14)} ${step.detail}`,
    );
  for (const warning of data.warnings) lines.push(`  warning: ${warning}`);
  for (const next of data.nextSteps) lines.push(next);
  return lines.join('\n');
}

/** A finished (or stopped) cutover or rollback. */
export function renderCutover(data: CutoverCommandResult): string {
  const r = data.record;
  const lines: string[] = [];
  if (data.outcome === 'switched') lines.push(`${data.command}: switched at ${data.switchedAt}`);
  else
    lines.push(
      `${data.command}: the proof found ${data.differences?.length ?? 0}+ difference(s) (report ${data.report}); the freeze stays`,
    );
  if (r) {
    lines.push(
      `  freeze     ${r.freeze.mode === 'none' ? 'none (--freeze none)' : `policy on ${r.freeze.tableArn} (probe: ${r.freeze.probe ?? 'not run'})`}`,
    );
    if (r.fence?.seenAt) lines.push(`  fence      delivered at ${r.fence.seenAt}`);
    if (r.proof)
      lines.push(
        `  proof      ${r.proof.mode}: ${r.proof.checked} checked, ${r.proof.differences} difference(s)`,
      );
    if (r.hook) lines.push(`  hook       ${r.hook.command} exited ${r.hook.exitCode}`);
    if (r.reverse?.streamArn) lines.push(`  way back   ${r.reverse.streamArn}`);
  }
  if (data.replicatedBack)
    lines.push(
      `  replicated back ${data.replicatedBack.records} records (stopped: ${data.replicatedBack.stoppedBy})`,
    );
  for (const warning of data.warnings) lines.push(`  warning: ${warning}`);
  lines.push(...data.nextSteps);
  return lines.join('\n');
}

/** What --abort did. */
export function renderAbort(data: CutoverCommandResult): string {
  return [`${data.command} aborted.`, ...data.nextSteps].join('\n');
}
