import { type ChildProcess, fork } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { VerifySummary } from '@ddb-migrate/consistency-checker';
import {
  directoryWorkStore,
  mergeWork,
  parseS3Url,
  segmentRanges,
  type VerifyJob,
  type WorkerEvent,
  type WorkerResult,
} from '@ddb-migrate/consistency-checker/worker';
import {
  ConfigError,
  createDynamoDbClient,
  type Logger,
  MigrationError,
  PreflightError,
  type ErrorCode,
} from '@ddb-migrate/core';
import { createProgress } from '../../progress.js';
import type { ResolvedSides, SidesFlags } from '../../sides.js';
import { describeTableSizes, fanoutSegmentCount, SEGMENTS_PER_RANGE } from './engine-plan.js';
import type { ReportSink } from './engine-report.js';

/** Time a local worker gets per invocation before it checkpoints (Lambda's maximum, 15 minutes). */
export const LOCAL_INVOCATION_BUDGET_MS = 15 * 60_000;

/** Messages to a worker child. */
export type ChildRequest =
  | { type: 'init'; flags: SidesFlags; workDir: string }
  | { type: 'run'; event: WorkerEvent; budgetMs: number };

/** Messages from a worker child. */
export type ChildReply =
  | { type: 'ready' }
  | { type: 'result'; result: WorkerResult }
  | { type: 'error'; error: { name: string; message: string; code?: string; hint?: string } };

/** What `verify --engine local --workers N` needs (validated numbers, resolved sides). */
export interface LocalEngineOptions {
  flags: SidesFlags;
  env: NodeJS.ProcessEnv;
  sides: ResolvedSides;
  sourceTableName: string;
  targetTableName: string;
  workers: number;
  totalSegments?: number;
  /** Segment pairs each worker scans at once (--concurrency; default: its whole range). */
  workerConcurrency?: number;
  maxRcu?: number;
  recheckDelaySeconds: number;
  recheckAttempts: number;
  repair: boolean;
  showValues: boolean;
  /** A directory for the work (default: a temporary one, removed after success). */
  workUrl?: string;
  sink: ReportSink;
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  logger: Logger;
  /** Per-invocation budget (tests force "continue" with a small one). */
  budgetMs?: number;
}

/**
 * Runs a verify as the Distributed Map would, on this machine: the segments split into ranges (the
 * same item list), N child processes each running the verify worker handler over one range at a
 * time, called again while it answers "continue" (checkpoints in the work directory), then the
 * range summaries merged with `verify merge`'s code and the parts copied to the report.
 */
export async function runLocalEngine(options: LocalEngineOptions): Promise<VerifySummary> {
  if (options.workUrl !== undefined && parseS3Url(options.workUrl)) {
    throw new ConfigError('--work-url s3://... is for --engine stepfunctions', {
      hint: 'Give --engine local a directory (or leave --work-url out)',
    });
  }
  const sourceClient = createDynamoDbClient({ ...options.sides.source, maxAttempts: 3 });
  const targetClient = createDynamoDbClient({ ...options.sides.target, maxAttempts: 3 });
  let sizes: Awaited<ReturnType<typeof describeTableSizes>>;
  try {
    sizes = await describeTableSizes(
      { client: sourceClient, tableName: options.sourceTableName },
      { client: targetClient, tableName: options.targetTableName },
    );
  } finally {
    sourceClient.destroy();
    targetClient.destroy();
  }
  const totalSegments = options.totalSegments ?? fanoutSegmentCount(sizes, options.workers);
  // A range is at least SEGMENTS_PER_RANGE segments; --concurrency is how many of them a worker scans at once.
  const perRange = Math.max(SEGMENTS_PER_RANGE, options.workerConcurrency ?? SEGMENTS_PER_RANGE);
  const ranges = segmentRanges(totalSegments, perRange);
  const workers = Math.min(options.workers, ranges.length);
  const temporary = options.workUrl === undefined;
  const workDir = options.workUrl ?? (await mkdtemp(join(tmpdir(), 'ddb-verify-work-')));
  const store = directoryWorkStore(workDir);
  await store.write('items.jsonl', ranges.map((r) => `${JSON.stringify(r)}\n`).join(''));

  const job: VerifyJob = {
    workUrl: workDir,
    source: { tableName: options.sourceTableName, region: options.sides.source.region },
    target: { tableName: options.targetTableName, region: options.sides.target.region },
    totalSegments,
    options: {
      // --max-rcu is the total for the verify: each worker gets its share.
      ...(options.maxRcu !== undefined ? { maxRcuPerSide: options.maxRcu / workers } : {}),
      recheckDelaySeconds: options.recheckDelaySeconds,
      recheckAttempts: options.recheckAttempts,
      concurrency: options.workerConcurrency ?? perRange,
      ...(options.repair ? { repair: true } : {}),
      ...(options.showValues ? { showValues: true } : {}),
    },
  };
  options.logger.info('verify fan-out (local)', { totalSegments, ranges: ranges.length, workers, workDir });
  const progress = createProgress(options.stderr, { label: 'verify', unit: 'ranges', total: ranges.length });
  const children = Array.from({ length: workers }, () => startChild(options.env));
  let invocations = 0;
  try {
    await Promise.all(children.map((child) => child.call({ type: 'init', flags: options.flags, workDir })));
    const queue = [...ranges];
    let done = 0;
    await Promise.all(
      children.map(async (child) => {
        for (let range = queue.shift(); range; range = queue.shift()) {
          let event: WorkerEvent = { job, range };
          for (;;) {
            const reply = await child.call({
              type: 'run',
              event,
              budgetMs: options.budgetMs ?? LOCAL_INVOCATION_BUDGET_MS,
            });
            if (reply.type !== 'result') throw new Error('verify worker child answered out of turn');
            invocations++;
            if (reply.result.status === 'done') break;
            event = reply.result;
          }
          done++;
          progress.update(done, `${workers} workers, ${invocations} invocations`);
        }
      }),
    );
  } catch (error) {
    if (!temporary) throw error;
    throw withResumeHint(error, workDir);
  } finally {
    for (const child of children) child.stop();
  }
  const merged = await mergeWork(store);
  await options.sink.collect(store, merged.reportParts);
  progress.done(`verify: ${ranges.length} ranges on ${workers} workers, ${invocations} invocations`);
  if (temporary) await rm(workDir, { recursive: true, force: true });
  return merged.summary;
}

/**
 * A worker child's entry (`entry`: its module URL without the extension): the .ts source under tsx
 * (a checkout), the built .js otherwise.
 */
function childEntry(entry: string): { path: string; execArgv: string[] } {
  const fromSource = import.meta.url.endsWith('.ts');
  const path = fileURLToPath(`${entry}.${fromSource ? 'ts' : 'js'}`);
  if (!fromSource || process.execArgv.some((arg) => arg.includes('tsx')))
    return { path, execArgv: process.execArgv };
  // Run from TypeScript without tsx in this process (the test runner): give the child tsx's loader.
  const tsx = createRequire(import.meta.url).resolve('tsx');
  return { path, execArgv: ['--import', tsx, '--conditions=source'] };
}

/** A worker child process: one request at a time, answered by one reply (an error reply rejects). */
export interface WorkerChild<Request extends object = ChildRequest, Reply = ChildReply> {
  call(request: Request): Promise<Reply>;
  stop(): void;
}

/**
 * Forks a worker child (default: the verify worker's, engine-local-child) with the CLI's env.
 * `migrate --load-engine local` starts its load worker children with it too.
 */
export function startChild<Request extends object = ChildRequest, Reply = ChildReply>(
  env: NodeJS.ProcessEnv,
  entryUrl: string = new URL('./engine-local-child', import.meta.url).href,
): WorkerChild<Request, Reply> {
  const entry = childEntry(entryUrl);
  const child: ChildProcess = fork(entry.path, [], {
    env,
    execArgv: entry.execArgv,
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  let pending: { resolve: (reply: Reply) => void; reject: (error: unknown) => void } | undefined;
  child.on('message', (reply: Reply | Extract<ChildReply, { type: 'error' }>) => {
    const waiter = pending;
    pending = undefined;
    if (!waiter) return;
    const failed = reply as Extract<ChildReply, { type: 'error' }>;
    if (failed.type === 'error') waiter.reject(rebuildError(failed.error));
    else waiter.resolve(reply as Reply);
  });
  child.on('exit', (code, signal) => {
    pending?.reject(new Error(`worker process exited (${signal ?? code}) before it answered`));
    pending = undefined;
  });
  return {
    call(request) {
      return new Promise((resolve, reject) => {
        pending = { resolve, reject };
        child.send(request);
      });
    },
    stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill();
    },
  };
}

/** A worker child's error as its reply (name, message, code, hint: what {@link startChild} rebuilds). */
export function errorReply(error: unknown): Extract<ChildReply, { type: 'error' }> {
  const e = error as Error & { code?: string; hint?: string };
  return {
    type: 'error',
    error: {
      name: e.name,
      message: e.message,
      ...(e.code ? { code: e.code } : {}),
      ...(e.hint ? { hint: e.hint } : {}),
    },
  };
}

/** A worker handler as a child runs it: the event, and the turn's budget as the Lambda context. */
export type ChildHandler<Event> = (
  event: Event,
  context: { getRemainingTimeInMillis(): number },
) => Promise<unknown>;

/**
 * The child side of {@link startChild}: `init` builds the handler from the CLI's side flags and
 * answers `ready`; `run` calls it within the turn's budget and answers `{ type: resultType, result }`;
 * a failure answers {@link errorReply}. `what` names the worker in the out-of-turn error.
 */
export function serveWorkerChild<Event>(
  what: string,
  resultType: string,
  build: (flags: SidesFlags, workDir: string) => ChildHandler<Event>,
): void {
  let handler: ChildHandler<Event> | undefined;
  const send = (reply: unknown) => process.send?.(reply);
  process.on(
    'message',
    (
      message:
        | { type: 'init'; flags: SidesFlags; workDir: string }
        | { type: 'run'; event: Event; budgetMs: number },
    ) => {
      void (async () => {
        try {
          if (message.type === 'init') {
            handler = build(message.flags, message.workDir);
            send({ type: 'ready' });
            return;
          }
          if (!handler) throw new Error(`${what} child got work before init`);
          const deadline = Date.now() + message.budgetMs;
          const result = await handler(message.event, {
            getRemainingTimeInMillis: () => deadline - Date.now(),
          });
          send({ type: resultType, result });
        } catch (error) {
          send(errorReply(error));
        }
      })();
    },
  );
}

/** A child's error as the class the CLI maps to an exit code (bad input 2, else 3). */
function rebuildError(e: { name: string; message: string; code?: string; hint?: string }): Error {
  const opts = e.hint ? { hint: e.hint } : {};
  if (e.name === 'ConfigError')
    return new ConfigError(e.message, { ...opts, ...(e.code ? { code: e.code as ErrorCode } : {}) });
  if (e.name === 'PreflightError')
    return new PreflightError((e.code ?? 'CONFIG_INVALID') as ErrorCode, e.message, opts);
  if (e.code) return new MigrationError(e.code as ErrorCode, e.message, opts);
  const error = new Error(e.message);
  error.name = e.name;
  return error;
}

function withResumeHint(error: unknown, workDir: string): unknown {
  if (error instanceof MigrationError && error.hint === undefined) {
    return new MigrationError(error.code, error.message, {
      hint: `The finished ranges are checkpointed in ${workDir}: re-run with --work-url ${workDir} to go on`,
      cause: error,
    });
  }
  return error;
}
