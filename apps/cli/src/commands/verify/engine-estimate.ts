import { availableParallelism } from 'node:os';
import { SFNClient } from '@aws-sdk/client-sfn';
import { createDynamoDbClient, sideClientConfig } from '@ddb-migrate/core';
import type { ResolvedSides } from '../../sides.js';
import type { VerifyEngine } from './engine-options.js';
import {
  describeTableSizes,
  fanoutSegmentCount,
  SEGMENTS_PER_RANGE,
  type TableSizes,
} from './engine-plan.js';
import { locateStateMachine } from './engine-stepfunctions.js';

/**
 * Items one worker compares per second, CPU-bound: the checker's own ceiling on an in-memory scan
 * source (bench/verify-workers.ts, BENCHMARKS.md "Verify fan-out"), rounded down. One Lambda of
 * 1769 MB is one vCPU.
 */
export const WORKER_ITEMS_PER_SECOND = 20_000;
/** Assumed Scan throughput of one segment on AWS (bytes/s per side); a worker scans 4 segments at once. */
export const SCAN_BYTES_PER_SECOND_PER_SEGMENT = 4 * 1024 ** 2;
/** Item size assumed when a table reports no size. */
const DEFAULT_ITEM_BYTES = 1024;
/** Seconds a worker invocation scans before it checkpoints (900 s timeout minus the default reserve). */
const INVOCATION_WORK_SECONDS = 810;
const LAMBDA_GB = 1769 / 1024;

/** List prices used by the estimate (us-east-1, USD); check the pricing pages for your Region. */
export const PRICES = {
  /** Lambda arm64, per GB-second. */
  lambdaGbSecond: 0.0000133334,
  lambdaRequest: 0.2 / 1_000_000,
  /** Step Functions Standard, per state transition. */
  stepFunctionsTransition: 0.025 / 1000,
  /** DynamoDB on-demand, per read request unit. */
  dynamodbReadRequestUnit: 0.125 / 1_000_000,
} as const;

/** What `verify --dry-run` prints. */
export interface VerifyEstimate {
  engine: VerifyEngine;
  sourceItems: number;
  sourceBytes: number;
  targetItems: number;
  targetBytes: number;
  totalSegments: number;
  ranges: number;
  workers: number;
  /** Workers that actually run at once (local: bounded by this machine's cores). */
  parallel: number;
  wallSeconds: number;
  /** Read capacity of one eventually consistent scan of each table (re-checks and point reads add little). */
  rcu: { source: number; target: number };
  /** Seconds the reads take at --max-rcu (undefined without a cap). */
  rcuLimitedSeconds?: number;
  invocations: number;
  costUsd: { dynamodbOnDemand: number; lambda: number; stepFunctions: number; total: number };
  assumptions: string[];
}

/** Inputs of {@link estimateVerify} (validated numbers). */
export interface EstimateOptions {
  engine: VerifyEngine;
  workers: number;
  totalSegments?: number;
  /** Segment pairs each worker scans at once (--concurrency; default: its whole range). */
  workerConcurrency?: number;
  maxRcu?: number;
  /** Distributed Map MaxConcurrency (stepfunctions). */
  maxConcurrency?: number;
  cores?: number;
}

/** The estimate from the tables' sizes (pure; see {@link runVerifyEstimate} for the reads). */
export function estimateVerify(sizes: TableSizes, options: EstimateOptions): VerifyEstimate {
  const assumptions: string[] = [];
  const bytesOf = (side: { items: number; bytes: number }) => {
    if (side.bytes > 0 || side.items === 0) return side.bytes;
    return side.items * DEFAULT_ITEM_BYTES;
  };
  const sourceBytes = bytesOf(sizes.source);
  const targetBytes = bytesOf(sizes.target);
  if (sourceBytes !== sizes.source.bytes || targetBytes !== sizes.target.bytes) {
    assumptions.push(`a table reports no size: ${DEFAULT_ITEM_BYTES} bytes an item assumed`);
  }
  const fanout = options.engine === 'stepfunctions' || options.workers > 1;
  const concurrency = options.engine === 'stepfunctions' ? (options.maxConcurrency ?? 100) : options.workers;
  const totalSegments = options.totalSegments ?? (fanout ? fanoutSegmentCount(sizes, concurrency) : 0);
  const perRange = Math.max(SEGMENTS_PER_RANGE, options.workerConcurrency ?? SEGMENTS_PER_RANGE);
  const pairsAtOnce = options.workerConcurrency ?? perRange;
  const ranges = fanout ? Math.ceil(totalSegments / perRange) : 1;
  const workers = fanout ? Math.min(concurrency, ranges) : 1;
  const cores = options.cores ?? availableParallelism();
  const parallel = options.engine === 'local' ? Math.min(workers, cores) : workers;
  const items = Math.max(sizes.source.items, sizes.target.items);
  const itemBytes = items > 0 ? Math.max(sourceBytes, targetBytes) / items : DEFAULT_ITEM_BYTES;
  // A worker is bound by its CPU or by its Scan pages (pairsAtOnce segment pairs at once).
  const scanItemsPerSecond =
    (SCAN_BYTES_PER_SECOND_PER_SEGMENT * Math.min(pairsAtOnce, 16)) / Math.max(1, itemBytes);
  const perWorker = Math.min(WORKER_ITEMS_PER_SECOND, scanItemsPerSecond);
  const computeSeconds = items / perWorker;
  const rcu = { source: Math.ceil(sourceBytes / 4096 / 2), target: Math.ceil(targetBytes / 4096 / 2) };
  const rcuLimitedSeconds =
    options.maxRcu === undefined ? undefined : Math.max(rcu.source, rcu.target) / options.maxRcu;
  const wallSeconds = Math.max(computeSeconds / parallel, rcuLimitedSeconds ?? 0) + (fanout ? 10 : 0);
  const perRangeSeconds = computeSeconds / ranges;
  const invocationsPerRange = Math.max(1, Math.ceil(perRangeSeconds / INVOCATION_WORK_SECONDS));
  const invocations = options.engine === 'stepfunctions' ? ranges * invocationsPerRange + 1 : 0;
  const lambda =
    options.engine === 'stepfunctions'
      ? computeSeconds * LAMBDA_GB * PRICES.lambdaGbSecond + invocations * PRICES.lambdaRequest
      : 0;
  // Parent: start, map, merge, end; per range: start, per invocation the Task and the Choice, end.
  const transitions = options.engine === 'stepfunctions' ? 4 + ranges * (2 + 2 * invocationsPerRange) : 0;
  const stepFunctions = transitions * PRICES.stepFunctionsTransition;
  const dynamodbOnDemand = (rcu.source + rcu.target) * PRICES.dynamodbReadRequestUnit;
  assumptions.push(
    `${WORKER_ITEMS_PER_SECOND.toLocaleString('en-US')} items/s per worker (one vCPU; the checker's measured ceiling, BENCHMARKS.md) or ${SCAN_BYTES_PER_SECOND_PER_SEGMENT / 1024 ** 2} MiB/s of Scan per segment, whichever is lower`,
    'us-east-1 list prices: Lambda arm64 1769 MB, Step Functions Standard transitions, DynamoDB on-demand reads (provisioned tables pay in capacity instead)',
  );
  if (options.engine === 'local' && workers > cores) {
    assumptions.push(`${workers} workers on ${cores} cores: at most ${cores} run at once`);
  }
  if (options.engine === 'stepfunctions' && options.maxConcurrency === undefined) {
    assumptions.push('MaxConcurrency 100 (the template default; the state machine was not read)');
  }
  return {
    engine: options.engine,
    sourceItems: sizes.source.items,
    sourceBytes: sizes.source.bytes,
    targetItems: sizes.target.items,
    targetBytes: sizes.target.bytes,
    totalSegments,
    ranges,
    workers,
    parallel,
    wallSeconds: Math.round(wallSeconds),
    rcu,
    ...(rcuLimitedSeconds === undefined ? {} : { rcuLimitedSeconds: Math.round(rcuLimitedSeconds) }),
    invocations,
    costUsd: {
      dynamodbOnDemand: round2(dynamodbOnDemand),
      lambda: round2(lambda),
      stepFunctions: round2(stepFunctions),
      total: round2(dynamodbOnDemand + lambda + stepFunctions),
    },
    assumptions,
  };
}

const round2 = (n: number) => Math.round(n * 100) / 100;

/** Reads the tables' sizes (and the state machine's MaxConcurrency when it can) and estimates; changes nothing. */
export async function runVerifyEstimate(
  sides: ResolvedSides,
  tables: { source: string; target: string },
  options: EstimateOptions & { stateMachineArn?: string; stackName?: string },
): Promise<VerifyEstimate> {
  const source = createDynamoDbClient({ ...sides.source, maxAttempts: 3 });
  const target = createDynamoDbClient({ ...sides.target, maxAttempts: 3 });
  let sizes: TableSizes;
  try {
    sizes = await describeTableSizes(
      { client: source, tableName: tables.source },
      { client: target, tableName: tables.target },
    );
  } finally {
    source.destroy();
    target.destroy();
  }
  let maxConcurrency: number | undefined;
  if (options.engine === 'stepfunctions') {
    const sfn = new SFNClient(sideClientConfig(sides.source));
    try {
      maxConcurrency = (await locateStateMachine({ ...options, sides }, sfn)).definition.maxConcurrency;
    } catch {
      // An estimate before the stack exists is still useful: the template's default is assumed.
    } finally {
      sfn.destroy();
    }
  }
  return estimateVerify(sizes, { ...options, ...(maxConcurrency === undefined ? {} : { maxConcurrency }) });
}

/** The estimate as text. */
export function renderEstimate(e: VerifyEstimate): string {
  const gib = (b: number) => `${(b / 1024 ** 3).toFixed(2)} GiB`;
  const time = (s: number) =>
    s < 120 ? `${s} s` : s < 7200 ? `${Math.round(s / 60)} min` : `${(s / 3600).toFixed(1)} h`;
  const usd = (n: number) => `$${n.toFixed(2)}`;
  const lines = [
    `verify estimate (--engine ${e.engine}${e.engine === 'local' ? `, --workers ${e.workers}` : ''}): nothing was read but the tables' descriptions`,
    `  source         ${e.sourceItems.toLocaleString('en-US')} items, ${gib(e.sourceBytes)}`,
    `  target         ${e.targetItems.toLocaleString('en-US')} items, ${gib(e.targetBytes)}`,
    e.ranges > 1 || e.engine === 'stepfunctions'
      ? `  fan-out        ${e.totalSegments} segments in ${e.ranges} ranges, ${e.workers} workers (${e.parallel} at once)`
      : '  fan-out        none (one process, as verify always ran)',
    `  wall time      about ${time(e.wallSeconds)}${e.rcuLimitedSeconds !== undefined ? ` (reads at --max-rcu alone take ${time(e.rcuLimitedSeconds)})` : ''}`,
    `  read capacity  source ${e.rcu.source.toLocaleString('en-US')} RCU, target ${e.rcu.target.toLocaleString('en-US')} RCU (one eventually consistent scan each)`,
    `  cost           DynamoDB on-demand ${usd(e.costUsd.dynamodbOnDemand)}, Lambda ${usd(e.costUsd.lambda)}${e.invocations ? ` (${e.invocations} invocations)` : ''}, Step Functions ${usd(e.costUsd.stepFunctions)}: ${usd(e.costUsd.total)}`,
    ...e.assumptions.map((a) => `  assumes        ${a}`),
  ];
  return lines.join('\n');
}
