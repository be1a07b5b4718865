import { ConfigError } from '@ddb-migrate/core';

/**
 * One table as a worker reaches it: the table, its Region, and the role to assume for it (absent:
 * the worker's own credentials, i.e. the table is in the state machine's account).
 */
export interface WorkerSide {
  tableName: string;
  region: string;
  roleArn?: string;
  externalId?: string;
}

/** Settings every worker of one verify shares. */
export interface WorkerOptions {
  /** Read-capacity cap per side for this worker (RCU/s): the CLI's `--max-rcu` split across workers. */
  maxRcuPerSide?: number;
  recheckDelaySeconds?: number;
  recheckAttempts?: number;
  /** Segment pairs one worker scans at once. Default: every segment of its range, at most 16. */
  concurrency?: number;
  repair?: boolean;
  showValues?: boolean;
  maxAttempts?: number;
  /**
   * Milliseconds of an invocation kept back for the end of its work after the scans stop (point
   * reads, re-checks with their delays, writing the checkpoint). Default: the re-check delays plus
   * 30 s.
   */
  reserveMs?: number;
}

/** One fanned-out verify: the tables, the segmentation, where the work goes. */
export interface VerifyJob {
  /** `s3://bucket/prefix/` (Step Functions) or a local directory (`--engine local`). */
  workUrl: string;
  source: WorkerSide;
  target: WorkerSide;
  totalSegments: number;
  options?: WorkerOptions;
}

/** An inclusive range of segments: one item of the Distributed Map's item list (a JSONL line). */
export interface SegmentRange {
  first: number;
  last: number;
}

/** What a worker invocation receives: the job and its range; `invocation` counts the loop's turns. */
export interface WorkerEvent {
  job: VerifyJob;
  range: SegmentRange;
  invocation?: number;
}

/**
 * What a worker invocation returns. `continue`: call again with this same object (the state
 * machine's Choice loop does); `done`: the range's report and summary are written.
 */
export interface WorkerResult extends WorkerEvent {
  status: 'continue' | 'done';
  invocation: number;
  /** Segments of the range not finished yet. */
  segmentsLeft: number;
  /** Differences confirmed in the range so far. */
  differences: number;
}

const fail = (message: string): never => {
  throw new ConfigError(`Invalid verify worker event: ${message}`, {
    hint: 'The event is written by ddb-migrate verify --engine; start the verify with the CLI',
  });
};

function side(value: unknown, name: string): WorkerSide {
  const s = value as Partial<WorkerSide> | undefined;
  if (!s || typeof s.tableName !== 'string' || s.tableName === '') fail(`${name}.tableName is missing`);
  if (typeof s!.region !== 'string' || s!.region === '') fail(`${name}.region is missing`);
  if (s!.roleArn !== undefined && typeof s!.roleArn !== 'string') fail(`${name}.roleArn is not a string`);
  return s as WorkerSide;
}

const isSegment = (n: unknown, total: number) =>
  Number.isInteger(n) && (n as number) >= 0 && (n as number) < total;

/**
 * Checks an event's shape (it crosses a process or service boundary) and returns it typed.
 *
 * @throws ConfigError naming the first problem.
 */
export function parseWorkerEvent(value: unknown): WorkerEvent {
  const event = value as Partial<WorkerEvent> | undefined;
  const job = event?.job;
  if (!job || typeof job !== 'object') return fail('job is missing');
  if (typeof job.workUrl !== 'string' || job.workUrl === '') fail('job.workUrl is missing');
  side(job.source, 'job.source');
  side(job.target, 'job.target');
  if (!Number.isInteger(job.totalSegments) || job.totalSegments < 1)
    fail('job.totalSegments must be a positive integer');
  const range = event.range;
  if (
    !range ||
    !isSegment(range.first, job.totalSegments) ||
    !isSegment(range.last, job.totalSegments) ||
    range.first > range.last
  ) {
    fail(`range must be {first, last} within 0-${job.totalSegments - 1}`);
  }
  if (event.invocation !== undefined && !(Number.isInteger(event.invocation) && event.invocation >= 0)) {
    fail('invocation must be a non-negative integer');
  }
  return event as WorkerEvent;
}

/** The range's id in object keys: zero-padded so keys sort by segment (`r0000000-0000007`). */
export function rangeId(range: SegmentRange): string {
  const pad = (n: number) => String(n).padStart(7, '0');
  return `r${pad(range.first)}-${pad(range.last)}`;
}

/**
 * Splits segments 0..totalSegments-1 into contiguous ranges of `perRange` segments (the last may be
 * shorter): the item list of a fanned-out verify.
 */
export function segmentRanges(totalSegments: number, perRange: number): SegmentRange[] {
  const size = Math.max(1, Math.floor(perRange));
  const ranges: SegmentRange[] = [];
  for (let first = 0; first < totalSegments; first += size) {
    ranges.push({ first, last: Math.min(totalSegments - 1, first + size - 1) });
  }
  return ranges;
}
