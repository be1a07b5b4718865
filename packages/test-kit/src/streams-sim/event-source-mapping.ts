import {
  DescribeStreamCommand,
  type DescribeStreamCommandOutput,
  type Shard,
} from '@aws-sdk/client-dynamodb-streams';
import { createPrng } from '../prng.js';
import { type BatchContext, runBatch } from './esm-batch-runner.js';
import { EsmShardReader } from './esm-shard-reader.js';
import {
  type EsmCounters,
  type EsmRecord,
  type EventSourceMappingOptions,
  emptyEsmCounters,
} from './esm-types.js';
import { toEsmRecord } from './lambda-record.js';
import { keyHash } from './sim-ids.js';

/** A running emulated event source mapping. */
export interface EventSourceMapping {
  /**
   * Polls, invokes and retries until `idlePolls` consecutive polls (default 2) found nothing to do:
   * no records, no shard finished, no new shard. Returns the counters.
   */
  runUntilIdle(options?: { idlePolls?: number }): Promise<EsmCounters>;
  counters(): EsmCounters;
}

interface ShardState {
  shard: Shard;
  reader?: EsmShardReader;
  finished: boolean;
}

/**
 * Emulates Lambda's event source mapping for a DynamoDB stream (Lambda guide, with-ddb), driving a
 * handler through the real SDK: per-shard order, parents before children, BatchSize, batching
 * window, ParallelizationFactor lanes (one key always on one lane), ReportBatchItemFailures,
 * BisectBatchOnFunctionError, MaximumRetryAttempts, MaximumRecordAgeInSeconds and the on-failure
 * destination. The README's table names the source of each behaviour.
 *
 * @example
 * const esm = createEventSourceMapping({ streams, streamArn: sim.streamArn, handler, startingPosition: 'TRIM_HORIZON',
 *   functionResponseTypes: ['ReportBatchItemFailures'], sleep: async (ms) => sim.clock.advance(ms), now: sim.clock.now });
 * const counters = await esm.runUntilIdle();
 */
export function createEventSourceMapping(options: EventSourceMappingOptions): EventSourceMapping {
  validate(options);
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const counters = emptyEsmCounters();
  const random = createPrng(options.seed ?? 1);
  const batchSize = options.batchSize ?? 100;
  const lanes = options.parallelizationFactor ?? 1;
  const windowMs = (options.maximumBatchingWindowInSeconds ?? 0) * 1000;
  const pollMs = options.pollIntervalMs ?? 250;
  const shards = new Map<string, ShardState>();
  let described = false;
  const ctx: BatchContext = {
    options,
    counters,
    now,
    sleep,
    nextRequestId: () => uuid(random),
  };

  const describe = async (): Promise<boolean> => {
    let added = false;
    let start: string | undefined;
    do {
      let out: DescribeStreamCommandOutput | undefined;
      for (let attempt = 0; out === undefined; attempt += 1) {
        try {
          out = await options.streams.send(
            new DescribeStreamCommand({ StreamArn: options.streamArn, ExclusiveStartShardId: start }),
          );
        } catch (error) {
          if ((error as Error).name !== 'LimitExceededException' || attempt >= 20) throw error;
          counters.describeThrottles += 1;
          await sleep(1000);
        }
      }
      for (const shard of out.StreamDescription?.Shards ?? []) {
        const id = shard.ShardId as string;
        if (shards.has(id)) {
          (shards.get(id) as ShardState).shard = shard;
          continue;
        }
        // StartingPosition applies to the shards there at the start; later shards are read from their start.
        const closedAtStart = shard.SequenceNumberRange?.EndingSequenceNumber !== undefined;
        const latest = !described && options.startingPosition === 'LATEST';
        shards.set(id, { shard, finished: latest && closedAtStart });
        if (latest && !closedAtStart) {
          const state = shards.get(id) as ShardState;
          state.reader = new EsmShardReader(options.streams, options.streamArn, id, 'LATEST', counters);
        }
        added = true;
      }
      start = out.StreamDescription?.LastEvaluatedShardId;
    } while (start !== undefined);
    described = true;
    return added;
  };

  // "Lambda processes a parent shard before its children" (a parent no longer listed was trimmed).
  const ready = (): ShardState[] =>
    [...shards.values()].filter((s) => {
      if (s.finished) return false;
      const parent = s.shard.ParentShardId === undefined ? undefined : shards.get(s.shard.ParentShardId);
      return parent === undefined || parent.finished;
    });

  const gather = async (state: ShardState): Promise<EsmRecord[]> => {
    const id = state.shard.ShardId as string;
    state.reader ??= new EsmShardReader(options.streams, options.streamArn, id, 'TRIM_HORIZON', counters);
    const reader = state.reader;
    const want = batchSize * lanes;
    const records = (await reader.read(Math.min(want, 10_000))).map((r) => toEsmRecord(r, options.streamArn));
    // MaximumBatchingWindowInSeconds: keep reading until the batch is full or the window has passed.
    const windowEnds = now() + windowMs;
    while (
      windowMs > 0 &&
      records.length > 0 &&
      records.length < want &&
      !reader.ended &&
      now() < windowEnds
    ) {
      await sleep(Math.min(pollMs, windowEnds - now()));
      const more = await reader.read(want - records.length);
      records.push(...more.map((r) => toEsmRecord(r, options.streamArn)));
    }
    return records;
  };

  const deliver = async (shardId: string, records: EsmRecord[]) => {
    // ParallelizationFactor: one lane per key hash, so a key's records stay in order on one lane.
    const byLane: EsmRecord[][] = Array.from({ length: lanes }, () => []);
    for (const r of records) byLane[keyHash(r.dynamodb?.Keys ?? {}) % lanes]?.push(r);
    await Promise.all(
      byLane.map(async (laneRecords) => {
        for (let i = 0; i < laneRecords.length; i += batchSize) {
          await runBatch(ctx, shardId, laneRecords.slice(i, i + batchSize));
        }
      }),
    );
  };

  const poll = async (): Promise<boolean> => {
    let progress = await describe();
    await Promise.all(
      ready().map(async (state) => {
        const records = await gather(state);
        if (records.length > 0) {
          progress = true;
          await deliver(state.shard.ShardId as string, records);
        }
        if (state.reader?.ended) {
          state.finished = true;
          counters.shardsFinished += 1;
          progress = true;
        }
      }),
    );
    return progress;
  };

  return {
    async runUntilIdle({ idlePolls = 2 } = {}) {
      for (let idle = 0; idle < idlePolls; ) {
        if (await poll()) idle = 0;
        else {
          idle += 1;
          if (idle < idlePolls) await sleep(pollMs);
        }
      }
      return { ...counters };
    },
    counters: () => ({ ...counters }),
  };
}

function validate(o: EventSourceMappingOptions): void {
  const check = (ok: boolean, what: string) => {
    if (!ok) throw new RangeError(`event source mapping: ${what}`);
  };
  const int = (v: number | undefined, low: number, high: number) =>
    v === undefined || (Number.isInteger(v) && v >= low && v <= high);
  check(int(o.batchSize, 1, 10_000), 'BatchSize must be 1-10,000');
  check(int(o.parallelizationFactor, 1, 10), 'ParallelizationFactor must be 1-10');
  check(int(o.maximumBatchingWindowInSeconds, 0, 300), 'MaximumBatchingWindowInSeconds must be 0-300');
  check(
    o.maximumRetryAttempts === undefined ||
      o.maximumRetryAttempts === -1 ||
      int(o.maximumRetryAttempts, 0, 10_000),
    'MaximumRetryAttempts must be -1 or 0-10,000',
  );
  check(
    o.maximumRecordAgeInSeconds === undefined ||
      o.maximumRecordAgeInSeconds === -1 ||
      int(o.maximumRecordAgeInSeconds, 60, 604_800),
    'MaximumRecordAgeInSeconds must be -1 or 60-604,800',
  );
}

function uuid(random: () => number): string {
  const hex = (n: number) => Array.from({ length: n }, () => Math.floor(random() * 16).toString(16)).join('');
  return `${hex(8)}-${hex(4)}-${hex(4)}-${hex(4)}-${hex(12)}`;
}
