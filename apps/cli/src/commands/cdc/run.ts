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
  ConfigError,
  createDynamoDbClient,
  createStreamsClient,
  keyNamesFromSchema,
  PreflightError,
} from '@ddb-migrate/core';
import type { CliContext } from '../../context.js';
import type { CommandResult } from '../../output.js';
import { createProgress } from '../../progress.js';
import { createSqsClient } from '../../side-clients.js';
import { resolveSides } from '../../sides.js';
import type { CdcRunCliOptions } from './command.js';

/** What `cdc run` prints with --output json. */
export interface CdcRunResult {
  streamArn: string;
  targetTable: string;
  checkpointFile: string;
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
  lagMs?: number;
}

/**
 * Runs the CDC handler over the source table's stream in this process until it is idle (or
 * Ctrl-C), checkpointing per shard so a rerun resumes.
 */
export async function runCdc(
  options: CdcRunCliOptions,
  ctx: CliContext,
): Promise<CommandResult<CdcRunResult>> {
  const cutoff = resolveCutoff(options);
  if (!Number.isInteger(options.batchSize) || options.batchSize < 1 || options.batchSize > 10_000) {
    throw new ConfigError(`--batch-size ${options.batchSize} must be an integer from 1 to 10000`);
  }
  const sides = resolveSides(options, ctx.env);
  const sourceDdb = createDynamoDbClient(sides.source);
  const targetDdb = createDynamoDbClient(sides.target);
  const targetTable = options.targetTableName ?? options.sourceTableName;
  const source = await describe(sourceDdb, options.sourceTableName, 'source');
  await describe(targetDdb, targetTable, 'target');
  const streamArn = options.streamArn ?? source.LatestStreamArn;
  const viewType = source.StreamSpecification?.StreamViewType;
  if (streamArn === undefined || source.StreamSpecification?.StreamEnabled === false) {
    throw new PreflightError('NO_STREAM', `Source table ${options.sourceTableName} has no stream enabled`, {
      hint: 'Enable a NEW_AND_OLD_IMAGES stream on it (migrate does this), then run cdc again',
    });
  }
  const fetchOnChange = viewType === 'KEYS_ONLY' || viewType === 'OLD_IMAGE';
  const checkpointFile = join(
    options.checkpointDir,
    `cdc-${options.sourceTableName}-${streamArn.split('/stream/')[1]?.replace(/[^\w.-]/g, '_') ?? 'stream'}.json`,
  );
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
      ...(options.dlqUrl ? { sqs: createSqsClient(sides.source) } : {}),
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
  ctx.logger.info('cdc started', { streamArn, checkpointFile, fetchOnChange });
  let summary: RunnerSummary;
  try {
    summary = await runStream({
      streams: createStreamsClient(sides.source),
      streamArn,
      handler,
      checkpointFile,
      batchSize: options.batchSize,
      ...(options.stopAfterIdle === undefined ? {} : { stopAfterIdleSeconds: options.stopAfterIdle }),
      signal: abort.signal,
      logger: ctx.logger,
      onProgress: (p) =>
        progress.update(p.records, p.lagMs === undefined ? undefined : `lag ${Math.round(p.lagMs / 1000)}s`),
    });
  } finally {
    process.removeListener('SIGINT', onSigint);
  }
  progress.done(`cdc: ${summary.records} records, stopped (${summary.stoppedBy})`);
  const count = (name: keyof ApplyCounters) => totals.get(name) ?? 0;
  const data: CdcRunResult = {
    streamArn,
    targetTable,
    checkpointFile,
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
  };
  const text = [
    `CDC ${options.sourceTableName} -> ${targetTable}: ${data.records} records in ${data.batches} batches, stopped (${data.stoppedBy})`,
    `  applied ${data.applied} keys, coalesced ${data.coalesced}, skipped ${data.skipped}, dead-lettered ${data.dlq}`,
    `  checkpoint: ${checkpointFile}${data.lagMs === undefined ? '' : `; lag ${Math.round(data.lagMs / 1000)}s`}`,
    ...(data.awaitingChildrenOf === undefined
      ? []
      : [
          `  shards ${data.awaitingChildrenOf.join(', ')} ended and their children are not listed yet: run cdc again to read them`,
        ]),
  ].join('\n');
  return { data, text };
}

function resolveCutoff(options: CdcRunCliOptions): number | undefined {
  const margin = options.exportTimeMarginSeconds;
  if (!Number.isInteger(margin) || margin < MIN_EXPORT_TIME_MARGIN_SECONDS) {
    throw new ConfigError(
      `--export-time-margin-seconds ${margin} must be an integer of at least ${MIN_EXPORT_TIME_MARGIN_SECONDS}`,
      { hint: 'Exports are accurate to about a minute; a smaller margin can skip changes the export lacks' },
    );
  }
  if (options.exportTime === undefined) return undefined;
  return cutoffEpochSeconds(parseExportTime(options.exportTime, '--export-time'), margin);
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
