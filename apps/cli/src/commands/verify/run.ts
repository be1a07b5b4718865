import { createReadStream } from 'node:fs';
import { createWriteStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import {
  createReportWriter,
  mergeSummaries,
  parseSegmentRange,
  readSummaryFile,
  type VerifySummary,
  verifyTables,
  writeSummaryFile,
} from '@ddb-migrate/consistency-checker';
import { ConfigError, createDynamoDbClient, TokenBucket } from '@ddb-migrate/core';
import type { CliContext } from '../../context.js';
import { ExitCode } from '../../exit-codes.js';
import type { CommandResult } from '../../output.js';
import { createProgress } from '../../progress.js';
import { resolveSides } from '../../sides.js';
import type { VerifyCliOptions, VerifyMergeCliOptions } from './command.js';
import { coverageNote, renderSummary } from './render.js';

/** What `verify` prints with --output json. */
export interface VerifyResultData extends VerifySummary {
  report?: string;
  summaryFile?: string;
  /** What the run proves and what it does not (the scan's window), as printed in the text summary. */
  coverage?: string;
}

/** Runs one verify: clients from the flags, the engine, the report, the exit code. */
export async function runVerify(
  options: VerifyCliOptions,
  ctx: CliContext,
): Promise<CommandResult<VerifyResultData>> {
  checkOptions(options);
  const sides = resolveSides(options, ctx.env);
  // The engine retries throttles and faults itself (full-jitter backoff, up to 8 attempts) and counts
  // them for the summary; SDK retries underneath would hide them and multiply the attempts.
  const sourceClient = createDynamoDbClient({ ...sides.source, maxAttempts: 1 });
  const targetClient = createDynamoDbClient({ ...sides.target, maxAttempts: 1 });
  const bucket = () => (options.maxRcu ? new TokenBucket(options.maxRcu) : undefined);
  const writer = options.report ? createReportWriter(options.report) : undefined;
  const progress = createProgress(ctx.stderr, { label: 'verify', unit: 'items' });
  const started = Date.now();
  let summary: VerifySummary;
  try {
    summary = await verifyTables({
      source: { client: sourceClient, tableName: options.sourceTableName, rcuBucket: bucket() },
      target: {
        client: targetClient,
        tableName: options.targetTableName ?? options.sourceTableName,
        rcuBucket: bucket(),
      },
      ...(options.segments !== undefined ? { totalSegments: options.segments } : {}),
      ...(options.segmentRange !== undefined && options.segments !== undefined
        ? { segmentRange: parseSegmentRange(options.segmentRange, options.segments) }
        : {}),
      ...(options.sample !== undefined ? { sample: options.sample } : {}),
      ...(options.concurrency !== undefined ? { concurrency: options.concurrency } : {}),
      recheckDelaySeconds: options.recheckDelay,
      recheckAttempts: options.recheckAttempts,
      repair: options.repair,
      showValues: options.showValues,
      logger: ctx.logger,
      onDifference: (difference) => writer?.write(difference),
      onProgress: (p) => {
        const seconds = Math.max(1, Date.now() - started) / 1000;
        const expected = p.sourceExpected + p.targetExpected;
        const done = p.sourceScanned + p.targetScanned;
        const eta =
          expected > done && done > 0 ? ` ETA ${Math.round(((expected - done) * seconds) / done)}s` : '';
        progress.update(
          done,
          `source ${p.sourceScanned}/${p.sourceExpected} (${Math.round(p.sourceScanned / seconds)}/s)  ` +
            `target ${p.targetScanned}/${p.targetExpected} (${Math.round(p.targetScanned / seconds)}/s)  ` +
            `segments ${p.segmentsDone}/${p.segmentsTotal}${eta}`,
        );
      },
    });
  } finally {
    await writer?.close();
    sourceClient.destroy();
    targetClient.destroy();
  }
  progress.done(`verify: scanned ${summary.sourceScanned} source / ${summary.targetScanned} target items`);
  const data: VerifyResultData = { ...summary, coverage: coverageNote(summary.startedAt) };
  if (options.report) {
    data.report = options.report;
    data.summaryFile = await writeSummaryFile(options.report, summary);
  }
  return { data, text: renderSummary(data), exitCode: exitCodeOf(summary) };
}

/** Combines the reports of split runs: sums their summaries, concatenates their NDJSON. */
export async function runVerifyMerge(
  options: VerifyMergeCliOptions,
  _ctx: CliContext,
): Promise<CommandResult<VerifyResultData>> {
  const merged = mergeSummaries(await Promise.all(options.reports.map((r) => readSummaryFile(r))));
  const data: VerifyResultData = { ...merged, coverage: coverageNote(merged.startedAt) };
  if (options.report) {
    const out = createWriteStream(options.report);
    for (const report of options.reports) await pipeline(createReadStream(report), out, { end: false });
    await new Promise<void>((resolve, reject) =>
      out.end((error?: Error | null) => (error ? reject(error) : resolve())),
    );
    data.report = options.report;
    data.summaryFile = await writeSummaryFile(options.report, merged);
  }
  return { data, text: renderSummary(data), exitCode: exitCodeOf(merged) };
}

/** 1 when differences remain (not repaired), else 0. */
function exitCodeOf(summary: VerifySummary): number {
  return summary.remaining > 0 ? ExitCode.Differences : ExitCode.Ok;
}

function checkOptions(options: VerifyCliOptions): void {
  if (options.segmentRange !== undefined && options.segments === undefined) {
    throw new ConfigError('--segment-range needs --segments', {
      hint: 'Every machine must use the same --segments N, e.g. --segments 16 --segment-range 0-7',
    });
  }
  const positive = (flag: string, value: number | undefined, integer: boolean) => {
    if (value === undefined) return;
    if (!Number.isFinite(value) || value <= 0 || (integer && !Number.isInteger(value))) {
      throw new ConfigError(`${flag} must be a positive ${integer ? 'integer' : 'number'}, got ${value}`);
    }
  };
  positive('--segments', options.segments, true);
  positive('--max-rcu', options.maxRcu, false);
  positive('--concurrency', options.concurrency, true);
  if (options.sample !== undefined && !(options.sample > 0 && options.sample <= 1)) {
    throw new ConfigError(`--sample must be in (0, 1], got ${options.sample}`);
  }
  if (!(options.recheckDelay >= 0)) throw new ConfigError('--recheck-delay must be >= 0');
  if (!(Number.isInteger(options.recheckAttempts) && options.recheckAttempts >= 0)) {
    throw new ConfigError('--recheck-attempts must be an integer >= 0');
  }
}
