import { createReadStream, createWriteStream, openSync, type WriteStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import {
  createReportWriter,
  DEFAULT_RECHECK_ATTEMPTS,
  DEFAULT_RECHECK_DELAY_SECONDS,
  type Difference,
  type DifferenceKind,
  mergeSummaries,
  parseSegmentRange,
  readSummaryFile,
  type VerifySummary,
  verifyTables,
  writeSummaryFile,
} from '@ddb-migrate/consistency-checker';
import {
  ConfigError,
  createDynamoDbClient,
  localPathError,
  toDynamoJson,
  TokenBucket,
} from '@ddb-migrate/core';
import { recordVerify } from '@ddb-migrate/migration';
import { cdcRunCommand, type SideFlagValues, verifyRepairCommand } from '../../command-line.js';
import type { CliContext } from '../../context.js';
import { ExitCode } from '../../exit-codes.js';
import { type GlobalOptions, readNumber, type SourceTargetOptions } from '../../options.js';
import type { CommandResult } from '../../output.js';
import { createProgress } from '../../progress.js';
import { type ResolvedSides, resolveSides } from '../../sides.js';
import { type EngineCliOptions, fanoutEngineOf } from './engine-options.js';
import { coverageNote, renderSummary } from './render.js';

/** Typed options of `ddb-migrate verify` (numbers as given: run.ts reads them with readNumber). */
export interface VerifyCliOptions extends GlobalOptions, SourceTargetOptions, EngineCliOptions {
  segments?: unknown;
  segmentRange?: string;
  report?: string;
  repair: boolean;
  recheckDelay: unknown;
  recheckAttempts: unknown;
  showValues: boolean;
  maxRcu?: unknown;
  sample?: unknown;
  concurrency?: unknown;
  /** Where migrate keeps its state: a verify of a migration's tables is recorded there (cutover reads it). */
  stateDir?: string;
}

/** Typed options of `ddb-migrate verify merge`. */
export interface VerifyMergeCliOptions extends GlobalOptions {
  reports: string[];
  report?: string;
}

/** How many differing keys the JSON output lists (the --report file has all of them). */
export const MAX_LISTED_DIFFERENCES = 100;

/** A confirmed difference as the JSON output lists it: the key (DynamoDB JSON), never values unless --show-values. */
export interface ListedDifference {
  kind: DifferenceKind;
  key: Record<string, unknown>;
  attributes: string[];
  repaired?: boolean;
  source?: Record<string, unknown>;
  target?: Record<string, unknown>;
}

/** What `verify` prints with --output json. */
export interface VerifyResultData extends VerifySummary {
  report?: string;
  summaryFile?: string;
  /** What the run proves and what it does not (the scan's window), as printed in the text summary. */
  coverage?: string;
  /**
   * The first {@link MAX_LISTED_DIFFERENCES} confirmed differences (`differences` counts them
   * all; `differencesListed` says how many are here). `verify merge` lists none (see the report).
   */
  differingKeys?: ListedDifference[];
  differencesListed?: number;
  /** What to do about the differences that remain, as printed in the text summary. */
  nextSteps?: string[];
  /** The migration state this verify was recorded in (cutover's precondition), when one matched. */
  recordedIn?: string;
}

/** Runs one verify: clients from the flags, the engine, the report, the exit code. */
export async function runVerify(
  options: VerifyCliOptions,
  ctx: CliContext,
): Promise<CommandResult<VerifyResultData>> {
  if (!options.sourceTableName) {
    throw new ConfigError('--source-table-name is required', {
      hint: 'Pass --source-table-name <table> (or --file <plan file>)',
    });
  }
  const numbers = checkOptions(options);
  const sides = resolveSides(options, ctx.env);
  if (options.dryRun) {
    throw new ConfigError('--dry-run estimates one table pair', {
      hint: 'Pass --source-table-name instead of --file',
    });
  }
  const engine = fanoutEngineOf(options);
  if (engine !== undefined) {
    const started = Date.now();
    const listed: ListedDifference[] = [];
    const { runFanoutVerify } = await import('./engine-run.js');
    const summary = await runFanoutVerify(
      engine,
      { ...options, sourceTableName: options.sourceTableName },
      numbers,
      sides,
      ctx,
      listed,
      MAX_LISTED_DIFFERENCES,
    );
    return finishVerify(summary, listed, options, sides, numbers, ctx, started);
  }
  // The engine retries throttles and faults itself (full-jitter backoff, up to 8 attempts) and counts
  // them for the summary; SDK retries underneath would hide them and multiply the attempts.
  const sourceClient = createDynamoDbClient({ ...sides.source, maxAttempts: 1 });
  const targetClient = createDynamoDbClient({ ...sides.target, maxAttempts: 1 });
  const bucket = () => (numbers.maxRcu ? new TokenBucket(numbers.maxRcu) : undefined);
  const writer = options.report ? createReportWriter(options.report) : undefined;
  const listed: ListedDifference[] = [];
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
      ...(numbers.segments !== undefined ? { totalSegments: numbers.segments } : {}),
      ...(options.segmentRange !== undefined && numbers.segments !== undefined
        ? { segmentRange: parseSegmentRange(options.segmentRange, numbers.segments) }
        : {}),
      ...(numbers.sample !== undefined ? { sample: numbers.sample } : {}),
      ...(numbers.concurrency !== undefined ? { concurrency: numbers.concurrency } : {}),
      recheckDelaySeconds: numbers.recheckDelay,
      recheckAttempts: numbers.recheckAttempts,
      repair: options.repair,
      showValues: options.showValues,
      logger: ctx.logger,
      onDifference: (difference) => {
        if (listed.length < MAX_LISTED_DIFFERENCES) listed.push(listDifference(difference));
        return writer?.write(difference);
      },
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
  return finishVerify(summary, listed, options, sides, numbers, ctx, started);
}

/** The report's summary file, the state-dir record, the rendered result and the exit code of a verify. */
async function finishVerify(
  summary: VerifySummary,
  listed: ListedDifference[],
  options: VerifyCliOptions,
  sides: ResolvedSides,
  numbers: VerifyNumbers,
  ctx: CliContext,
  started: number,
): Promise<CommandResult<VerifyResultData>> {
  const sideValues: SideFlagValues = {
    endpointUrl: options.endpointUrl,
    sourceRegion: sides.source.region,
    sourceTableName: options.sourceTableName,
    sourceProfile: options.sourceProfile ?? options.profile,
    targetRegion: sides.target.region,
    targetTableName: options.targetTableName,
    targetAccountId: options.targetAccountId,
    targetRoleName: options.targetRoleName,
    targetRoleArn: options.targetRoleArn,
    targetExternalId: options.targetExternalId,
    targetProfile: options.targetProfile,
  };
  const data: VerifyResultData = {
    ...summary,
    coverage: coverageNote(summary.startedAt),
    differingKeys: listed,
    differencesListed: listed.length,
    ...(summary.remaining > 0 ? { nextSteps: nextSteps(sideValues) } : {}),
  };
  if (options.report) {
    data.report = options.report;
    data.summaryFile = await writeSummaryFile(options.report, summary);
  }
  // Recording is a convenience for cutover: a state dir it cannot read never fails the verify.
  const recordedIn = await recordVerify(
    options.stateDir ?? '.ddb-migrate',
    {
      sourceRegion: sides.source.region,
      sourceTableName: options.sourceTableName,
      targetRegion: sides.target.region,
      targetTableName: options.targetTableName ?? options.sourceTableName,
      ...(targetAccountOf(options, sides) === undefined
        ? {}
        : { targetAccountId: targetAccountOf(options, sides) }),
    },
    {
      startedAt: summary.startedAt ?? new Date(started).toISOString(),
      finishedAt: new Date().toISOString(),
      differences: summary.remaining,
      sourceScanned: summary.sourceScanned,
      complete: numbers.sample === undefined && options.segmentRange === undefined,
    },
  ).catch((error: unknown) => {
    ctx.logger.warn('verify result not recorded in the state dir', { error: (error as Error).message });
    return undefined;
  });
  if (recordedIn) data.recordedIn = recordedIn;
  return { data, text: renderSummary(data), exitCode: exitCodeOf(summary) };
}

/** The target account the flags name (--target-account-id, or the role ARN's account). */
function targetAccountOf(options: VerifyCliOptions, sides: ResolvedSides): string | undefined {
  return options.targetAccountId ?? sides.targetRoleArn?.split(':')[4];
}

/** A difference for the JSON output: the key and attribute names; values only when they were kept (--show-values). */
function listDifference(difference: Difference): ListedDifference {
  return {
    kind: difference.kind,
    key: toDynamoJson(difference.key),
    attributes: difference.attributes,
    ...(difference.repaired === undefined ? {} : { repaired: difference.repaired }),
    ...(difference.source ? { source: toDynamoJson(difference.source) } : {}),
    ...(difference.target ? { target: toDynamoJson(difference.target) } : {}),
  };
}

/**
 * What to do about remaining differences: they are either changes CDC has not applied yet (it is
 * behind, or not running) or real drift that `--repair` copies from the source.
 */
function nextSteps(sides: SideFlagValues): string[] {
  return [
    'If CDC is running, a difference can be a change it has not applied yet: run verify again later (or with a longer --recheck-delay).',
    `If CDC is not running (a --cdc-mode local migrate stops when idle), the target is not kept in sync: start it with ${cdcRunCommand(sides)} (with the --state-dir migrate used, if not .ddb-migrate: it goes on from its checkpoint) or migrate with --cdc-mode lambda, then verify again.`,
    `To copy the source's current item for each differing key now: ${verifyRepairCommand(sides)}`,
  ];
}

/** Combines the reports of split runs: sums their summaries, concatenates their NDJSON. */
export async function runVerifyMerge(
  options: VerifyMergeCliOptions,
  _ctx: CliContext,
): Promise<CommandResult<VerifyResultData>> {
  const merged = mergeSummaries(await Promise.all(options.reports.map((r) => readSummaryFile(r))));
  const data: VerifyResultData = { ...merged, coverage: coverageNote(merged.startedAt) };
  if (options.report) {
    const out = openMergedReport(options.report);
    for (const report of options.reports) {
      try {
        await pipeline(createReadStream(report), out, { end: false });
      } catch (error) {
        throw localPathError(error, { path: report, label: 'Report' }) ?? error;
      }
    }
    await new Promise<void>((resolve, reject) =>
      out.end((error?: Error | null) => (error ? reject(error) : resolve())),
    );
    data.report = options.report;
    data.summaryFile = await writeSummaryFile(options.report, merged);
  }
  return { data, text: renderSummary(data), exitCode: exitCodeOf(merged) };
}

/** Opens (truncates) the merged report at once, so a bad --report is bad input before any copy. */
function openMergedReport(path: string): WriteStream {
  try {
    return createWriteStream(path, { fd: openSync(path, 'w') });
  } catch (error) {
    throw localPathError(error, { path, label: 'Report file', flag: '--report' }) ?? error;
  }
}

/** 1 when differences remain (not repaired), else 0. */
function exitCodeOf(summary: VerifySummary): number {
  return summary.remaining > 0 ? ExitCode.Differences : ExitCode.Ok;
}

/** verify's numeric flags, read as given (a bad value is shown as typed, not as NaN). */
interface VerifyNumbers {
  segments?: number;
  maxRcu?: number;
  concurrency?: number;
  sample?: number;
  recheckDelay: number;
  recheckAttempts: number;
}

function checkOptions(options: VerifyCliOptions): VerifyNumbers {
  const segments = readNumber(options.segments, '--segments', { min: 1, integer: true });
  if (options.segmentRange !== undefined && segments === undefined) {
    throw new ConfigError('--segment-range needs --segments', {
      hint: 'Every machine must use the same --segments N, e.g. --segments 16 --segment-range 0-7',
    });
  }
  const maxRcu = readNumber(options.maxRcu, '--max-rcu', { min: 0, aboveMin: true });
  const concurrency = readNumber(options.concurrency, '--concurrency', { min: 1, integer: true });
  const sample = readNumber(options.sample, '--sample', { min: 0, aboveMin: true, max: 1 });
  const recheckDelay =
    readNumber(options.recheckDelay, '--recheck-delay', { min: 0 }) ?? DEFAULT_RECHECK_DELAY_SECONDS;
  const recheckAttempts =
    readNumber(options.recheckAttempts, '--recheck-attempts', { min: 0, integer: true }) ??
    DEFAULT_RECHECK_ATTEMPTS;
  return {
    ...(segments === undefined ? {} : { segments }),
    ...(maxRcu === undefined ? {} : { maxRcu }),
    ...(concurrency === undefined ? {} : { concurrency }),
    ...(sample === undefined ? {} : { sample }),
    recheckDelay,
    recheckAttempts,
  };
}
