import type { MigrationPlan, PlanStep } from '@ddb-migrate/migration';
import { formatSeconds } from '../../progress.js';
import type { PlanDocument } from '../migrate/run.js';

/** The plan as printed (`--output json`): the plan without the input and facts apply acts on. */
export function planDocument(plan: MigrationPlan): PlanDocument {
  const { input: _input, facts: _facts, ...document } = plan;
  return document;
}

/**
 * Renders the plan as a readable two-column table, then what a previous run recorded as done,
 * what migrate will do (in step order), and the notes. All the words are here: the plan is data.
 */
export function renderPlan(plan: PlanDocument): string {
  const s = plan.source;
  const load = plan.steps.find((x) => x.step === 'load');
  const runId = plan.resume?.runId;
  const rows: [string, string][] = [
    ['Source', `${s.table}  (account ${s.account}, ${s.region})`],
    ['  keys', s.keys.map((k) => `${k.name} (${k.role}, ${k.type})`).join(', ')],
    ['  indexes', `${s.gsis} GSI, ${s.lsis} LSI`],
    ['  items', s.itemCount.toLocaleString('en-US')],
    ['  billing', s.billing],
    ['  PITR', s.pitr ? 'enabled' : 'disabled'],
    [
      '  stream',
      s.stream ? `${s.stream.viewType} (${s.stream.arn})` : 'none (migrate enables NEW_AND_OLD_IMAGES)',
    ],
    ['Target', `${plan.target.table}  (account ${plan.target.account}, ${plan.target.region})`],
    ['  access', describeAccess(plan.target.access)],
    ['  table', describeTargetTable(plan.target.exists, load, runId)],
    ['Bucket', plan.bucket],
    ['Load mode', plan.loadMode],
    [
      'CDC mode',
      `${plan.cdcMode}${plan.cdcMode === 'lambda' ? ` (function in the ${plan.cdcAccount} account)` : ''}${plan.fetchOnChange ? ' (fetch-on-change)' : ''}`,
    ],
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
  const catchUp = plan.steps.find((x) => x.step === 'catch-up');
  if (catchUp && catchUp.estimate.windows > 0)
    rows.push(['Est. catch-up', describeCatchUpCost(catchUp.estimate)]);
  if (plan.resume) {
    rows.push(
      ['Resume', `run ${plan.resume.runId}, last finished step: ${plan.resume.lastStep}`],
      ['  state', plan.resume.stateFile],
    );
  }
  const width = Math.max(...rows.map(([k]) => k.length));
  const lines = ['Migration plan', ...rows.map(([k, v]) => `  ${k.padEnd(width)}  ${v}`)];
  const done = plan.steps.filter((x) => x.status === 'done');
  if (done.length > 0) {
    lines.push('', `Done (recorded by run ${runId ?? '?'}):`);
    for (const step of done) lines.push(`  - ${describeStep(step, plan)}`);
  }
  const todo = plan.steps.filter((x) => x.status === 'todo' || x.status === 'resume');
  lines.push('', todo.length > 0 ? 'Will do:' : 'Nothing left to do.');
  todo.forEach((step, i) => {
    lines.push(`  ${i + 1}. ${describeStep(step, plan)}`);
  });
  const notes = plan.findings.filter((f) => f.level !== 'error');
  if (notes.length > 0) {
    lines.push('', 'Notes:');
    for (const f of notes)
      lines.push(`  ${f.level === 'warning' ? '!' : '-'} ${f.message}${f.fix ? ` (${f.fix})` : ''}`);
  }
  return lines.join('\n');
}

function describeAccess(access: PlanDocument['target']['access']): string {
  if (access.kind === 'assume-role') return `assume ${access.roleArn}`;
  if (access.kind === 'profile') return `profile ${access.profile}`;
  return 'source credentials';
}

function describeTargetTable(exists: boolean, load: PlanStep | undefined, runId: string | undefined): string {
  if (load?.status === 'done') return `exists, loaded by run ${runId ?? '?'}`;
  if (load?.status === 'resume')
    return exists ? `exists, being loaded by run ${runId ?? '?'}` : 'absent (the recorded load creates it)';
  return exists ? 'exists (empty, key-compatible)' : 'absent (will be created)';
}

type CatchUpPlanStep = Extract<PlanStep, { step: 'catch-up' }>;

/** The catch-up's price as the plan words it (an estimate: billed per GB changed). */
function describeCatchUpCost(e: CatchUpPlanStep['estimate']): string {
  const windows = `${e.windows} incremental export${e.windows === 1 ? '' : 's'} over ~${e.hours} h`;
  const most =
    e.maximumUsd === undefined ? '' : `, at most ~$${e.maximumUsd.toFixed(2)} at the table's write capacity`;
  return `${windows}, about $${e.usdPerGbChanged.toFixed(2)} per GB changed (at least $${e.minimumUsd.toFixed(2)}${most})`;
}

function describeCatchUp(step: CatchUpPlanStep): string {
  const why =
    step.basis === 'estimate'
      ? 'if export and load take as long as estimated'
      : "the recorded export's changes are leaving the stream";
  if (step.mode === 'refuse')
    return `Stop before CDC if the stream's 24 h run out (--catch-up refuse; ${why}, ${step.estimate.windows} incremental exports would bridge it)`;
  if (step.status === 'done')
    return `Caught up with ${step.windows} incremental exports; CDC starts at their end (TRIM_HORIZON, cut-off T2 - margin)`;
  const left = step.estimate.windows > 0 ? `, ${step.estimate.windows} more to request` : '';
  if (step.status === 'resume')
    return `Go on with the incremental-export catch-up: ${step.windowsApplied}/${step.windows} windows applied${left}, then CDC starts at the last one's end`;
  return `Bridge the stream's 24 h with ${step.windows} incremental export${step.windows === 1 ? '' : 's'} (${why}), applied in order before CDC starts at T2 - margin`;
}

/** One step as a sentence: what it did (done), what is left of it (resume), what it will do (todo). */
export function describeStep(step: PlanStep, plan: Pick<PlanDocument, 'cdcMode'>): string {
  switch (step.step) {
    case 'pitr':
      if (step.status === 'done') return `Point-in-time recovery enabled on source ${step.table}`;
      return `Enable point-in-time recovery on source ${step.table} (--enable-pitr)`;
    case 'stream':
      if (step.status === 'done')
        return `Source stream ${step.viewType} ${step.streamArn ?? ''}${step.enabledByMigrate ? ' (enabled by migrate)' : ' (existing)'}`;
      if (step.status === 'resume')
        return `Wait until the stream migrate enabled on source ${step.table} is ENABLED`;
      return `Enable a NEW_AND_OLD_IMAGES stream on source ${step.table}${plan.cdcMode === 'none' ? ' (export cut-off marker)' : ''}`;
    case 'export': {
      const where = `s3://${step.bucket}/${step.prefix ?? `${step.prefixRoot}/<runId>`}/`;
      if (step.status === 'done')
        return `Exported ${step.exportArn ?? ''} (cut-off ${step.exportTime ?? '?'}) to ${where}`;
      if (step.status === 'resume')
        return step.exportArn
          ? `Wait for export ${step.exportArn} to ${where}`
          : `Find or send the recorded export request to ${where}`;
      return `Export source at time T (at least ${step.streamSettleSeconds} s after the stream started) to ${where} (owner ${step.bucketOwner})${step.replacesFailedExport ? `, replacing failed export ${step.replacesFailedExport}` : ''}`;
    }
    case 'load':
      if (step.status === 'done')
        return `Loaded ${(step.itemsLoaded ?? 0).toLocaleString('en-US')} items into target table ${step.table} (${step.mode === 'import' ? `import ${step.importArn ?? ''}` : `write, ${step.filesLoaded ?? 0} files`})`;
      if (step.status === 'resume') {
        if (step.mode === 'import')
          return step.importArn
            ? `Wait for import ${step.importArn} into target table ${step.table}`
            : `Find or send the recorded ImportTable request for target table ${step.table}`;
        return `Write the remaining export data files into target table ${step.table} (${step.filesLoaded ?? 0}${step.totalFiles === undefined ? '' : `/${step.totalFiles}`} files, ${(step.itemsLoaded ?? 0).toLocaleString('en-US')} items written)`;
      }
      if (step.replacesImport)
        return `Replace the incomplete import: create target table ${step.table} (full schema) and write the recorded export into it`;
      if (step.mode === 'import') return `Create target table ${step.table} with ImportTable from the export`;
      return step.createsTable
        ? `Create target table ${step.table} (full schema) and write the export into it`
        : `Write the export into existing target table ${step.table} (BatchWriteItem)`;
    case 'settings':
      if (step.status === 'done') return `Settings carried over to ${step.table} (drift reported)`;
      return `Carry settings (TTL, PITR, tags, deletion protection, ...) to ${step.table} and report drift`;
    case 'catch-up':
      return describeCatchUp(step);
    case 'cdc':
      if (step.mode === 'local')
        return step.status === 'resume'
          ? `Run CDC in this process again from its checkpoint until the stream is drained (${(step.recordsApplied ?? 0).toLocaleString('en-US')} records applied so far)`
          : 'Run CDC in this process until the stream is drained (--cdc-mode local)';
      {
        const fn = `${step.functionName ?? '?'}${step.account === 'target' ? ' (target account)' : ''}`;
        const policy =
          step.account === 'target'
            ? ", let its role read the source stream (the stream's resource policy),"
            : '';
        if (step.status === 'done')
          return `Event source mapping ${step.eventSourceMappingUuid ?? '?'} maps the source stream to ${fn} (checked again)`;
        if (step.status === 'resume')
          return `Finish configuring ${fn}${policy} and map the source stream to it (TRIM_HORIZON, batch ${step.batchSize ?? '?'})`;
        return `Configure ${fn} (EXPORT_TIME, TARGET_*)${policy} and map the source stream to it (TRIM_HORIZON, batch ${step.batchSize ?? '?'})`;
      }
  }
}
