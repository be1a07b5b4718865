import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type AttributeValue,
  DeleteItemCommand,
  type DynamoDBClient,
  PutItemCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import {
  compareTables,
  createEventSourceMapping,
  createPrng,
  createSimClock,
  feedFrom,
  formatTableDiff,
  type StreamsSim,
  type StreamsSimOptions,
  startStreamsSim,
} from '@ddb-migrate/test-kit';
import { verifyTables } from '@ddb-migrate/consistency-checker';
import { afterEach, describe, expect, it } from 'vitest';
import type { StreamHandler } from '../src/create-handler.js';
import { runStream } from '../src/runner/stream-runner.js';
import { cdcStand } from './int-helpers.js';

/**
 * Issue 9: no change is lost against DynamoDB Streams as AWS runs them. Writes go to a real (moto)
 * source table; feedFrom re-sequences moto's single never-closing shard into the test-kit streams
 * sim, which rolls shards over, splits them, lists children late and expires iterators; the
 * product's runner (and createHandler under the emulated event source mapping) must still leave the
 * moto target equal to the source.
 */

const sims: StreamsSim[] = [];
afterEach(async () => {
  await Promise.all(sims.splice(0).map((s) => s.close()));
});

/** Seeded puts, updates and deletes on a few hot keys, two writers owning disjoint keys. */
async function writeChanges(client: DynamoDBClient, table: string, ops: number, seed: number) {
  const worker = async (w: number) => {
    const random = createPrng(seed + w);
    for (let n = w; n < ops; n += 2) {
      const pk: AttributeValue = { S: `k-${w}-${Math.floor(random() * 12)}` };
      const r = random();
      if (r < 0.45) {
        await client.send(
          new PutItemCommand({
            TableName: table,
            Item: {
              pk,
              rev: { N: String(n) },
              b: { B: new Uint8Array([n % 256, 0, 255]) },
              s: { S: `v${n}` },
            },
          }),
        );
      } else if (r < 0.8) {
        await client.send(
          new UpdateItemCommand({
            TableName: table,
            Key: { pk },
            UpdateExpression: 'SET rev = :r, cnt = if_not_exists(cnt, :z) + :one ADD tags :t',
            ExpressionAttributeValues: {
              ':r': { N: String(n) },
              ':z': { N: '0' },
              ':one': { N: '1' },
              ':t': { SS: [`t${n % 3}`] },
            },
          }),
        );
      } else {
        await client.send(new DeleteItemCommand({ TableName: table, Key: { pk } }));
      }
    }
  };
  await Promise.all([worker(0), worker(1)]);
}

/** A stand whose consumer reads the sim, fed from the moto source table's stream. */
async function simStand(simOptions: StreamsSimOptions) {
  const stand = await cdcStand();
  const sim = await startStreamsSim({
    seed: 9,
    // Follows the wall clock (the runner sleeps for real) plus the test's jumps.
    clock: createSimClock({ followRealTime: true }),
    tableName: stand.src.name,
    accountId: stand.sides.sourceAccount,
    ...simOptions,
  });
  sims.push(sim);
  const simStreams = new DynamoDBStreamsClient({ ...stand.sides.source, endpoint: sim.endpoint });
  const feed = feedFrom(sim, { streams: stand.streams, streamArn: stand.src.streamArn as string });
  return { ...stand, sim, simStreams, feed };
}

/**
 * Wraps a handler so that after every `every`-th invocation the sim clock jumps past iterator
 * expiry (16 minutes). Every few batches, not once: a single jump can fall where no reader holds an
 * iterator (its shard just ended, children not listed yet), and the scenario must meet expiry.
 */
function pausingHandler(handler: StreamHandler, sim: StreamsSim, every: number | undefined): StreamHandler {
  let calls = 0;
  return async (event, context) => {
    const out = await handler(event, context);
    calls += 1;
    if (every !== undefined && calls % every === 0) sim.clock.advance(16 * 60_000);
    return out;
  };
}

/** The product's own verdict: `verifyTables` (segmented scans, point reads, consistent re-checks). */
async function verifyDifferences(s: Awaited<ReturnType<typeof cdcStand>>): Promise<number> {
  const summary = await verifyTables({
    source: { client: s.source, tableName: s.src.name },
    target: { client: s.target, tableName: s.tgt.name },
    totalSegments: 4,
    recheckDelaySeconds: 0.2,
    recheckAttempts: 2,
  });
  return summary.differences;
}

const NO_DIFFERENCES = 'no differences';
const describeDiff = (diff: Awaited<ReturnType<typeof compareTables>>) =>
  diff.missingInTarget.length + diff.extraInTarget.length + diff.different.length === 0
    ? NO_DIFFERENCES
    : formatTableDiff(diff);

describe('stream runner against the streams sim (AWS shard lifecycle)', () => {
  const scenarios: { name: string; sim: StreamsSimOptions; pauseAt?: number; seed: number }[] = [
    {
      name: 'shard rollovers and splits during writes',
      sim: { rolloverEveryRecords: 30, splitChance: 0.5 },
      seed: 21,
    },
    {
      name: 'children listed late after each rollover',
      sim: { rolloverEveryRecords: 40, splitChance: 0.5, childListingDelayMs: 1500 },
      seed: 22,
    },
    {
      name: 'a runner paused past iterator expiry, with empty pages',
      sim: { rolloverEveryRecords: 60, emptyPageRate: 0.2 },
      pauseAt: 3,
      seed: 23,
    },
  ];

  for (const scenario of scenarios) {
    it(`applies every change: ${scenario.name}`, async () => {
      const s = await simStand(scenario.sim);
      s.feed.start(50);
      const running = runStream({
        streams: s.simStreams,
        streamArn: s.sim.streamArn,
        handler: pausingHandler(s.handlerFor(), s.sim, scenario.pauseAt),
        batchSize: 25,
        stopAfterIdleSeconds: 5,
        pollIntervalMs: 50,
        describeIntervalMs: 200,
      });
      await writeChanges(s.source, s.src.name, 240, scenario.seed);
      await s.feed.stop();
      await s.feed.drain();
      const summary = await running;

      const diff = await compareTables(s.source, s.src.name, s.target, s.tgt.name);
      const shards = s.sim.streams()[0]?.shards ?? [];
      expect(shards.length).toBeGreaterThan(2);
      expect(
        describeDiff(diff),
        `runner stopped by ${summary.stoppedBy} after ${summary.records} records`,
      ).toBe(NO_DIFFERENCES);
      expect(await verifyDifferences(s)).toBe(0);
      if (scenario.pauseAt !== undefined)
        expect(s.sim.stats().errors.ExpiredIteratorException).toBeGreaterThan(0);
    });
  }
});

describe('createHandler under the emulated event source mapping, against the streams sim', () => {
  it('applies every change through rollovers, splits, late children and an expired iterator', async () => {
    const s = await simStand({
      rolloverEveryRecords: 35,
      splitChance: 0.5,
      childListingDelayMs: 1000,
      emptyPageRate: 0.1,
    });
    const discarded: unknown[] = [];
    const esm = createEventSourceMapping({
      streams: s.simStreams,
      streamArn: s.sim.streamArn,
      handler: pausingHandler(s.handlerFor(), s.sim, 4),
      startingPosition: 'TRIM_HORIZON',
      batchSize: 20,
      parallelizationFactor: 3,
      functionResponseTypes: ['ReportBatchItemFailures'],
      bisectBatchOnFunctionError: true,
      maximumRetryAttempts: -1,
      now: s.sim.clock.now,
      pollIntervalMs: 100,
      onFailure: (m) => {
        discarded.push(m);
      },
    });
    s.feed.start(50);
    let writing = true;
    const writes = writeChanges(s.source, s.src.name, 240, 31).finally(() => {
      writing = false;
    });
    while (writing) await esm.runUntilIdle({ idlePolls: 1 });
    await writes;
    await s.feed.stop();
    await s.feed.drain();
    s.sim.clock.advance(1000); // every child listed
    const counters = await esm.runUntilIdle({ idlePolls: 3 });

    const diff = await compareTables(s.source, s.src.name, s.target, s.tgt.name);
    expect(describeDiff(diff)).toBe(NO_DIFFERENCES);
    expect(await verifyDifferences(s)).toBe(0);
    expect(discarded).toEqual([]);
    expect(counters.shardsFinished).toBeGreaterThan(1);
    expect(counters.expiredIterators).toBeGreaterThan(0);
  });
});

describe('a resumed runner against the streams sim (24-hour retention)', () => {
  const HOUR = 3_600_000;

  /** Writes, a runner that stops idle with a checkpoint, more writes, then `pause` of sim time. */
  async function pausedRun(pauseMs: number, seed: number) {
    const s = await simStand({ rolloverEveryRecords: 50, splitChance: 0.5 });
    const dir = await mkdtemp(join(tmpdir(), 'sim-resume-'));
    const checkpointFile = join(dir, 'cdc.json');
    const run = () =>
      runStream({
        streams: s.simStreams,
        streamArn: s.sim.streamArn,
        handler: s.handlerFor(),
        checkpointFile,
        batchSize: 25,
        stopAfterIdleSeconds: 3,
        lineageWaitMs: 0,
        pollIntervalMs: 50,
        describeIntervalMs: 200,
      });
    s.feed.start(50);
    const first = run();
    await writeChanges(s.source, s.src.name, 120, seed);
    await s.feed.stop();
    await s.feed.drain();
    await first;
    // The runner is stopped; the application keeps writing, then time passes.
    await writeChanges(s.source, s.src.name, 120, seed + 100);
    await s.feed.drain();
    s.sim.clock.advance(pauseMs);
    return { s, run };
  }

  it('resumes from its checkpoint after 20 hours (shards rolled over meanwhile) and applies every change', async () => {
    const { s, run } = await pausedRun(20 * HOUR, 41);

    const summary = await run();

    const diff = await compareTables(s.source, s.src.name, s.target, s.tgt.name);
    expect(describeDiff(diff), `stopped by ${summary.stoppedBy}`).toBe(NO_DIFFERENCES);
    expect(await verifyDifferences(s)).toBe(0);
    expect(s.sim.streams()[0]?.shards.length ?? 0).toBeGreaterThan(2);
  });

  it('refuses to resume after 25 hours (records it still needed were trimmed) instead of skipping them', async () => {
    const { s, run } = await pausedRun(25 * HOUR, 43);

    await expect(run()).rejects.toMatchObject({ code: 'STREAM_TRIMMED' });

    // The changes written while it was stopped never reached the target: the refusal is the only
    // thing that stands between them and a silent gap (remedy: verify --repair or a new migration).
    const diff = await compareTables(s.source, s.src.name, s.target, s.tgt.name);
    expect(describeDiff(diff)).not.toBe(NO_DIFFERENCES);
  });
});
