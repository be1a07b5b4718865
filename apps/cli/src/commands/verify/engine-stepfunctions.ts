import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import {
  DescribeExecutionCommand,
  type DescribeExecutionCommandOutput,
  DescribeMapRunCommand,
  DescribeStateMachineCommand,
  ListMapRunsCommand,
  SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import type { VerifySummary } from '@ddb-migrate/consistency-checker';
import {
  MERGED_SUMMARY_KEY,
  type MergedWork,
  parseS3Url,
  s3WorkStore,
  type SegmentRange,
  segmentRanges,
  type VerifyJob,
} from '@ddb-migrate/consistency-checker/worker';
import {
  AwsCallError,
  ConfigError,
  createDynamoDbClient,
  createS3Client,
  type Logger,
  PreflightError,
  sdkErrorName,
  sideClientConfig,
} from '@ddb-migrate/core';
import { createProgress } from '../../progress.js';
import type { ResolvedSides } from '../../sides.js';
import { DEFAULT_FANOUT_STACK } from './engine-options.js';
import { describeTableSizes, fanoutSegmentCount, SEGMENTS_PER_RANGE } from './engine-plan.js';
import type { ReportSink } from './engine-report.js';

/** What `verify --engine stepfunctions` needs (validated numbers, resolved sides). */
export interface StepFunctionsEngineOptions {
  sides: ResolvedSides;
  sourceTableName: string;
  targetTableName: string;
  stateMachineArn?: string;
  stackName?: string;
  workUrl?: string;
  totalSegments?: number;
  /** Segment pairs each worker scans at once (--concurrency; default: its whole range). */
  workerConcurrency?: number;
  maxRcu?: number;
  recheckDelaySeconds: number;
  recheckAttempts: number;
  repair: boolean;
  showValues: boolean;
  sink: ReportSink;
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  logger: Logger;
  /** How often the execution and its map run are polled. Default 5 s. */
  pollMs?: number;
}

/** What the CLI reads of the deployed definition: the item list format, the bucket, the concurrency. */
export interface FanoutDefinition {
  inputType: string;
  bucket?: string;
  maxConcurrency: number;
}

/** Reads ItemReader's InputType and Bucket and the map's MaxConcurrency from a definition. */
export function readFanoutDefinition(definition: string): FanoutDefinition {
  const parsed = JSON.parse(definition) as { States?: Record<string, Record<string, unknown>> };
  const map = Object.values(parsed.States ?? {}).find((s) => s.Type === 'Map' && s.ItemReader);
  if (!map) {
    throw new ConfigError(
      'The state machine has no Map state with an ItemReader: it is not a verify fan-out',
      {
        hint: 'Pass the StateMachineArn output of a cfn/verify-fanout.yaml stack',
      },
    );
  }
  const reader = map.ItemReader as {
    ReaderConfig?: { InputType?: string };
    Parameters?: { Bucket?: string };
  };
  return {
    inputType: reader.ReaderConfig?.InputType ?? 'JSONL',
    ...(typeof reader.Parameters?.Bucket === 'string' ? { bucket: reader.Parameters.Bucket } : {}),
    maxConcurrency:
      typeof map.MaxConcurrency === 'number' && map.MaxConcurrency > 0 ? map.MaxConcurrency : 1000,
  };
}

/** The item list in the format the definition's ItemReader reads: JSONL (one range a line) or a JSON array. */
export function itemListBody(ranges: readonly SegmentRange[], inputType: string): string {
  if (inputType === 'JSONL') return ranges.map((r) => `${JSON.stringify(r)}\n`).join('');
  if (inputType === 'JSON') return JSON.stringify(ranges);
  throw new ConfigError(`The state machine's ItemReader reads ${inputType}, not JSONL or JSON`);
}

/**
 * Runs a verify on the verify-fanout state machine: writes the item list to the work bucket, starts
 * an execution, shows progress from its map run's counts (DescribeMapRun), and reads the merged
 * summary and report parts the merge step wrote, merged with the same code as `verify merge`.
 */
export async function runStepFunctionsEngine(options: StepFunctionsEngineOptions): Promise<VerifySummary> {
  const { sides } = options;
  // Lambda cannot use a local profile: the workers reach the target through its role.
  if (sides.targetAccess.kind === 'profile') {
    throw new ConfigError('--engine stepfunctions cannot use --target-profile: the workers run in AWS', {
      hint: 'Pass --target-role-arn (or --target-account-id) of a role the workers may assume',
    });
  }
  const sfn = new SFNClient(sideClientConfig(sides.source));
  const s3 = createS3Client(sides.source);
  try {
    const located = await locateStateMachine(options, sfn);
    const work = workLocation(options.workUrl, located.definition.bucket);
    const sizes = await describeBoth(options);
    const concurrency = located.definition.maxConcurrency;
    const totalSegments = options.totalSegments ?? fanoutSegmentCount(sizes, Math.min(concurrency, 1000));
    // A range is at least SEGMENTS_PER_RANGE segments; --concurrency is how many of them a worker scans at once.
    const perRange = Math.max(SEGMENTS_PER_RANGE, options.workerConcurrency ?? SEGMENTS_PER_RANGE);
    const ranges = segmentRanges(totalSegments, perRange);
    const workers = Math.min(concurrency, ranges.length);
    const job: VerifyJob = {
      workUrl: `s3://${work.bucket}/${work.prefix}`,
      source: { tableName: options.sourceTableName, region: sides.source.region },
      target: {
        tableName: options.targetTableName,
        region: sides.target.region,
        ...(sides.targetRoleArn ? { roleArn: sides.targetRoleArn } : {}),
      },
      totalSegments,
      options: {
        ...(options.maxRcu !== undefined ? { maxRcuPerSide: options.maxRcu / workers } : {}),
        recheckDelaySeconds: options.recheckDelaySeconds,
        recheckAttempts: options.recheckAttempts,
        concurrency: options.workerConcurrency ?? perRange,
        ...(options.repair ? { repair: true } : {}),
        ...(options.showValues ? { showValues: true } : {}),
      },
    };
    // The ItemReader reads the bucket its definition names; the key comes with the execution input.
    const itemKey = `${work.prefix}items.${located.definition.inputType === 'JSON' ? 'json' : 'jsonl'}`;
    const itemBucket = located.definition.bucket ?? work.bucket;
    await putObject(s3, itemBucket, itemKey, itemListBody(ranges, located.definition.inputType));
    options.logger.info('verify fan-out (Step Functions)', {
      stateMachineArn: located.arn,
      totalSegments,
      ranges: ranges.length,
      workers,
      workUrl: job.workUrl,
    });
    const executionArn = await start(sfn, located.arn, { itemList: { Key: itemKey }, job });
    const execution = await follow(sfn, executionArn, ranges.length, options);
    if (execution.status !== 'SUCCEEDED') {
      throw new AwsCallError(
        'StartExecution',
        new Error(`execution ${execution.status}: ${execution.error ?? ''} ${execution.cause ?? ''}`.trim()),
        {
          hint: `See the execution ${executionArn} in the Step Functions console; finished ranges are checkpointed in ${job.workUrl} (a new verify starts afresh)`,
        },
      );
    }
    const store = s3WorkStore(s3, work.bucket, work.prefix);
    const text = await store.read(MERGED_SUMMARY_KEY);
    if (text === undefined) {
      throw new AwsCallError(
        'GetObject',
        new Error(`the merge step wrote no ${store.locate(MERGED_SUMMARY_KEY)}`),
      );
    }
    const { reportParts, ...summary } = JSON.parse(text) as MergedWork['summary'] & { reportParts: string[] };
    await options.sink.collect(store, reportParts);
    return summary;
  } finally {
    sfn.destroy();
    s3.destroy();
  }
}

async function describeBoth(options: StepFunctionsEngineOptions) {
  const source = createDynamoDbClient({ ...options.sides.source, maxAttempts: 3 });
  const target = createDynamoDbClient({ ...options.sides.target, maxAttempts: 3 });
  try {
    return await describeTableSizes(
      { client: source, tableName: options.sourceTableName },
      { client: target, tableName: options.targetTableName },
    );
  } finally {
    source.destroy();
    target.destroy();
  }
}

/** The state machine (flag, else the stack's output) and what its definition says. */
export async function locateStateMachine(
  options: Pick<StepFunctionsEngineOptions, 'stateMachineArn' | 'stackName' | 'sides'>,
  sfn: Pick<SFNClient, 'send'>,
): Promise<{ arn: string; definition: FanoutDefinition }> {
  let arn = options.stateMachineArn;
  if (arn === undefined) {
    const stackName = options.stackName ?? DEFAULT_FANOUT_STACK;
    const cfn = new CloudFormationClient(sideClientConfig(options.sides.source));
    try {
      const stack = (await cfn.send(new DescribeStacksCommand({ StackName: stackName }))).Stacks?.[0];
      arn = stack?.Outputs?.find((o) => o.OutputKey === 'StateMachineArn')?.OutputValue;
    } catch (error) {
      if (sdkErrorName(error) !== 'ValidationError') throw new AwsCallError('DescribeStacks', error);
    } finally {
      cfn.destroy();
    }
    if (!arn) {
      throw new PreflightError(
        'CONFIG_INVALID',
        `No verify-fanout stack "${stackName}" with a StateMachineArn output`,
        {
          hint: 'Deploy cfn/verify-fanout.yaml in the source account, or pass --state-machine-arn / --stack-name',
        },
      );
    }
  }
  try {
    const out = await sfn.send(new DescribeStateMachineCommand({ stateMachineArn: arn }));
    return { arn, definition: readFanoutDefinition(out.definition ?? '{}') };
  } catch (error) {
    if (error instanceof ConfigError) throw error;
    if (sdkErrorName(error) === 'StateMachineDoesNotExist' || sdkErrorName(error) === 'InvalidArn') {
      throw new PreflightError('CONFIG_INVALID', `State machine ${arn} not found`, {
        hint: 'Check --state-machine-arn (or the stack) and --source-region',
        cause: error,
      });
    }
    throw new AwsCallError('DescribeStateMachine', error);
  }
}

/** `--work-url s3://bucket/prefix/`, else the definition's bucket; a fresh prefix per verify either way. */
function workLocation(workUrl: string | undefined, definitionBucket: string | undefined) {
  const run = `verify/${new Date().toISOString().replace(/[:.]/g, '-')}-${Math.random().toString(36).slice(2, 8)}/`;
  if (workUrl !== undefined) {
    const parsed = parseS3Url(workUrl);
    if (!parsed) throw new ConfigError(`--work-url ${workUrl} is not s3://bucket/prefix/`);
    return { bucket: parsed.bucket, prefix: `${parsed.prefix}${run}` };
  }
  if (!definitionBucket) {
    throw new ConfigError("The state machine's ItemReader names no bucket", {
      hint: 'Pass --work-url s3://bucket/prefix/',
    });
  }
  return { bucket: definitionBucket, prefix: run };
}

async function putObject(s3: S3Client, bucket: string, key: string, body: string) {
  try {
    await s3.send(
      new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: 'application/x-ndjson' }),
    );
  } catch (error) {
    throw new AwsCallError('PutObject', error, { hint: `Check write access to s3://${bucket}/` });
  }
}

async function start(sfn: SFNClient, stateMachineArn: string, input: unknown): Promise<string> {
  try {
    const out = await sfn.send(new StartExecutionCommand({ stateMachineArn, input: JSON.stringify(input) }));
    return out.executionArn!;
  } catch (error) {
    throw new AwsCallError('StartExecution', error);
  }
}

/** Polls the execution until it ends, printing the map run's item counts. */
async function follow(
  sfn: SFNClient,
  executionArn: string,
  ranges: number,
  options: Pick<StepFunctionsEngineOptions, 'pollMs' | 'stderr'>,
): Promise<DescribeExecutionCommandOutput> {
  const progress = createProgress(options.stderr, { label: 'verify', unit: 'ranges', total: ranges });
  for (;;) {
    const execution = await sfn.send(new DescribeExecutionCommand({ executionArn }));
    const counts = await mapRunCounts(sfn, executionArn);
    if (counts) {
      progress.update(
        counts.succeeded ?? 0,
        `running ${counts.running ?? 0}, failed ${counts.failed ?? 0}, pending ${counts.pending ?? 0}`,
      );
    }
    if (execution.status !== 'RUNNING' && execution.status !== 'PENDING_REDRIVE') {
      progress.done(`verify: execution ${execution.status}`);
      return execution;
    }
    await new Promise((resolve) => setTimeout(resolve, options.pollMs ?? 5_000));
  }
}

async function mapRunCounts(sfn: SFNClient, executionArn: string) {
  const runs = (await sfn.send(new ListMapRunsCommand({ executionArn }))).mapRuns ?? [];
  const run = runs[0];
  if (!run?.mapRunArn) return undefined;
  return (await sfn.send(new DescribeMapRunCommand({ mapRunArn: run.mapRunArn }))).itemCounts;
}
