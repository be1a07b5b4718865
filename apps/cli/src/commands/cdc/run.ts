import { join } from 'node:path';
import { DescribeTableCommand, type DynamoDBClient, type TableDescription } from '@aws-sdk/client-dynamodb';
import {
  type ApplyCounters,
  cutoffEpochSeconds,
  createHandler,
  MIN_EXPORT_TIME_MARGIN_SECONDS,
  parseExportTime,
  type RunnerSummary,
  runStream,
} from '@ddb-migrate/cdc-lambda';
import {
  AwsCallError,
  createDynamoDbClient,
  createStreamsClient,
  keyNamesFromSchema,
  PreflightError,
} from '@ddb-migrate/core';
import { cdcRunCommand } from '../../command-line.js';
import type { CliContext } from '../../context.js';
import { type GlobalOptions, readNumber, type SourceTargetOptions } from '../../options.js';
import type { CommandResult } from '../../output.js';
import { createProgress, formatLag } from '../../progress.js';
import { assertQueueExists, createSqsClient } from '../../side-clients.js';
import { resolveSides } from '../../sides.js';
import { findMigrationCheckpoint, type MigrationCheckpoint } from './migration-checkpoint.js';

/** Typed options of `ddb-migrate cdc run` (numbers as given: run.ts reads them with readNumber). */
export interface CdcRunCliOptions extends GlobalOptions, SourceTargetOptions {
  exportTime?: string;
  exportTimeMarginSeconds: unknown;
  ttlDeletes: 'replicate' | 'skip';
  batchSize: unknown;
  stopAfterIdle?: unknown;
  /** `--state-dir` (alias `--checkpoint-dir`): where migrate keeps its state, and the checkpoint. */
  stateDir: string;
  dlqUrl?: string;
  streamArn?: string;
}

/** What `cdc run` prints with --output json. */
export interface CdcRunResult {
  streamArn: string;
  targetTable: string;
  checkpointFile: string;
  /**
   * `migration`: the checkpoint a `--cdc-mode local` migrate recorded in the state dir for these
   * tables (and its cut-off, unless --export-time was given); `cdc`: cdc run's own file.
   */
  checkpointOf: 'migration' | 'cdc';
  /** The migration whose checkpoint was used. */
  migrationRunId?: string;
  cutoffEpochSeconds?: number;
  fetchOnChange: boolean;
  stoppedBy: RunnerSummary['stoppedBy'];
  /** StreamStatus at the stop (`drained` needs DISABLED). */
  streamStatus?: string;
  /** Drained shards whose children were not listed yet: the next run reads them. */
  awaitingChildrenOf?: string[];
  records: number;
  batches: number;
  redeliveries: number;
  applied: number;
  skipped: number;
  coalesced: number;
  failed: number;
  dlq: number;
  fetched: number;
  writeCalls: number;
  /** Age of the newest record applied when the run stopped; 0 when it had caught up with the stream. */
  lagMs?: number;
  /**
   * False once the run has stopped (idle, Ctrl-C) on a stream that is still enabled: changes from
   * now on reach the target only when CDC runs again (`resumeCommand`) or in lambda mode.
   */
  keptInSync: boolean;
  /** The command that goes on from the checkpoint (when the run stopped on an enabled stream). */
  resumeCommand?: string;
}

/**
 * Runs the CDC handler over the source table's stream in this process until it is idle (or
 * Ctrl-C), checkpointing per shard so a rerun resumes.
 */
export async function runCdc(
  options: CdcRunCliOptions,
  ctx: CliContext,
): Promise<CommandResult<CdcRunResult>> {
  const margin = readNumber(options.exportTimeMarginSeconds, '--export-time-margin-seconds', {
    min: MIN_EXPORT_TIME_MARGIN_SECONDS,
    integer: true,
  }) as number;
  const givenCutoff = resolveCutoff(options.exportTime, margin);
  const batchSize =
    readNumber(options.batchSize, '--batch-size', { min: 1, max: 10_000, integer: true }) ?? 100;
  const stopAfterIdle = readNumber(options.stopAfterIdle, '--stop-after-idle', { min: 0, aboveMin: true });
  const sides = resolveSides(options, ctx.env);
  const sourceDdb = createDynamoDbClient(sides.source);
  const targetDdb = createDynamoDbClient(sides.target);
  const targetTable = options.targetTableName ?? options.sourceTableName;
  const source = await describe(sourceDdb, options.sourceTableName, 'source');
  await describe(targetDdb, targetTable, 'target');
  const sqs = options.dlqUrl ? createSqsClient(sides.source) : undefined;
  if (sqs && options.dlqUrl) await assertQueueExists(sqs, options.dlqUrl, '--dlq-url');
  const streamArn = options.streamArn ?? source.LatestStreamArn;
  const viewType = source.StreamSpecification?.StreamViewType;
  if (streamArn === undefined || source.StreamSpecification?.StreamEnabled === false) {
    throw new PreflightError('NO_STREAM', `Source table ${options.sourceTableName} has no stream enabled`, {
      hint: 'Enable a NEW_AND_OLD_IMAGES stream on it (migrate does this), then run cdc again',
    });
  }
  const fetchOnChange = viewType === 'KEYS_ONLY' || viewType === 'OLD_IMAGE';
  const targetAccountId = options.targetAccountId ?? sides.targetRoleArn?.split(':')[4];
  const migration: MigrationCheckpoint | undefined = await findMigrationCheckpoint(
    options.stateDir,
    {
      sourceRegion: sides.source.region,
      sourceTableName: options.sourceTableName,
      targetRegion: sides.target.region,
      targetTableName: targetTable,
      ...(targetAccountId === undefined ? {} : { targetAccountId }),
      streamArn,
    },
    ctx.logger,
  );
  const checkpointFile =
    migration?.checkpointFile ??
    join(
      options.stateDir,
      `cdc-${options.sourceTableName}-${streamArn.split('/stream/')[1]?.replace(/[^\w.-]/g, '_') ?? 'stream'}.json`,
    );
  const cutoff =
    givenCutoff ??
    (migration?.exportTime === undefined
      ? undefined
      : cutoffEpochSeconds(Date.parse(migration.exportTime) / 1000, margin));
  const totals = new Map<string, number>();
  const handler = createHandler(
    {
      targetTableId: targetTable,
      ttlDeletes: options.ttlDeletes,
      ...(cutoff === undefined ? {} : { cutoffEpochSeconds: cutoff }),
      ...(fetchOnChange ? { sourceTableArn: options.sourceTableName } : {}),
      ...(options.dlqUrl ? { dlqUrl: options.dlqUrl } : {}),
      ...(source.KeySchema ? { keyNames: keyNamesFromSchema(source.KeySchema) } : {}),
    },
    {
      target: targetDdb,
      source: sourceDdb,
      ...(sqs ? { sqs } : {}),
      logger: { ...ctx.logger, info: ctx.logger.debug },
      onResult: (result) => {
        for (const [name, value] of Object.entries(result.counters)) {
          if (name !== 'newestCreatedAt') totals.set(name, (totals.get(name) ?? 0) + value);
        }
      },
    },
  );

  const abort = new AbortController();
  const onSigint = () => abort.abort();
  process.once('SIGINT', onSigint);
  const progress = createProgress(ctx.stderr, { label: 'cdc', unit: 'records' });
  ctx.logger.info('cdc started', {
    streamArn,
    checkpointFile,
    fetchOnChange,
    ...(migration ? { migrationRunId: migration.runId } : {}),
  });
  let summary: RunnerSummary;
  try {
    summary = await runStream({
      streams: createStreamsClient(sides.source),
      streamArn,
      handler,
      checkpointFile,
      batchSize,
      ...(stopAfterIdle === undefined ? {} : { stopAfterIdleSeconds: stopAfterIdle }),
      signal: abort.signal,
      logger: ctx.logger,
      onProgress: (p) => progress.update(p.records, formatLag(p.lagMs)),
    });
  } finally {
    process.removeListener('SIGINT', onSigint);
  }
  progress.done(`cdc: ${summary.records} records, stopped (${summary.stoppedBy})`);
  const count = (name: keyof ApplyCounters) => totals.get(name) ?? 0;
  // Drained: the stream is disabled and read to its end, so nothing can be missed from now on.
  const keptInSync = summary.stoppedBy === 'drained';
  const resumeCommand = keptInSync
    ? undefined
    : cdcRunCommand(
        {
          endpointUrl: options.endpointUrl,
          sourceRegion: sides.source.region,
          sourceTableName: options.sourceTableName,
          sourceAccountId: options.sourceAccountId,
          sourceProfile: options.sourceProfile ?? options.profile,
          targetRegion: sides.target.region,
          targetTableName: targetTable,
          targetAccountId: options.targetAccountId,
          targetRoleName: options.targetRoleName,
          targetRoleArn: options.targetRoleArn,
          targetExternalId: options.targetExternalId,
          targetProfile: options.targetProfile,
        },
        {
          stateDir: options.stateDir,
          dlqUrl: options.dlqUrl,
          streamArn: options.streamArn,
          extra: [
            ['--export-time', options.exportTime],
            ['--export-time-margin-seconds', margin === 300 ? undefined : margin],
            ['--ttl-deletes', options.ttlDeletes === 'skip' ? 'skip' : undefined],
            ['--batch-size', batchSize === 100 ? undefined : batchSize],
          ],
        },
      );
  const data: CdcRunResult = {
    streamArn,
    targetTable,
    checkpointFile,
    checkpointOf: migration ? 'migration' : 'cdc',
    ...(migration ? { migrationRunId: migration.runId } : {}),
    ...(cutoff === undefined ? {} : { cutoffEpochSeconds: cutoff }),
    fetchOnChange,
    stoppedBy: summary.stoppedBy,
    ...(summary.streamStatus === undefined ? {} : { streamStatus: summary.streamStatus }),
    ...(summary.awaitingChildrenOf === undefined ? {} : { awaitingChildrenOf: summary.awaitingChildrenOf }),
    records: summary.records,
    batches: summary.batches,
    redeliveries: summary.redeliveries,
    applied: count('applied'),
    skipped: count('skipped'),
    coalesced: count('coalesced'),
    failed: count('failed'),
    dlq: count('dlq'),
    fetched: count('fetched'),
    writeCalls: count('writeCalls'),
    ...(summary.lagMs === undefined ? {} : { lagMs: summary.lagMs }),
    keptInSync,
    ...(resumeCommand === undefined ? {} : { resumeCommand }),
  };
  const lag = formatLag(data.lagMs);
  const text = [
    `CDC ${options.sourceTableName} -> ${targetTable}: ${data.records} records in ${data.batches} batches, stopped (${data.stoppedBy})`,
    `  applied ${data.applied} keys, coalesced ${data.coalesced}, skipped ${data.skipped}, dead-lettered ${data.dlq}`,
    `  checkpoint: ${checkpointFile}${migration ? ` (migration ${migration.runId})` : ''}${lag === undefined ? '' : `; ${lag}`}`,
    ...(data.awaitingChildrenOf === undefined
      ? []
      : [
          `  shards ${data.awaitingChildrenOf.join(', ')} ended and their children are not listed yet: run cdc again to read them`,
        ]),
    ...(resumeCommand === undefined
      ? ['The stream is disabled and read to its end: every change it holds is in the target.']
      : [
          `CDC has stopped: the target is no longer kept in sync with the source. ${
            summary.stoppedBy === 'aborted' ? 'Resume' : 'Keep it in sync'
          } with (goes on from the checkpoint, until Ctrl-C):`,
          `  ${resumeCommand}`,
          '  or let the CDC Lambda do it: migrate with --cdc-mode lambda.',
        ]),
  ].join('\n');
  return { data, text };
}

function resolveCutoff(exportTime: string | undefined, margin: number): number | undefined {
  if (exportTime === undefined) return undefined;
  return cutoffEpochSeconds(parseExportTime(exportTime, '--export-time'), margin);
}

async function describe(client: DynamoDBClient, tableName: string, side: string): Promise<TableDescription> {
  try {
    const out = await client.send(new DescribeTableCommand({ TableName: tableName }));
    return out.Table ?? {};
  } catch (error) {
    if ((error as { name?: string }).name === 'ResourceNotFoundException') {
      throw new PreflightError('TABLE_NOT_FOUND', `The ${side} table ${tableName} does not exist`, {
        hint: `Check --${side}-table-name and --${side}-region`,
      });
    }
    throw new AwsCallError(`DescribeTable (${side})`, error);
  }
}
