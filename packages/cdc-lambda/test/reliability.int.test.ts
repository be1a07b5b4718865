import { copyFileSync, existsSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type AttributeValue,
  BatchWriteItemCommand,
  DeleteItemCommand,
  DynamoDBClient,
  PutItemCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import type { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import type { Item } from '@ddb-migrate/core';
import {
  compareTables,
  createPrng,
  createTable,
  type FaultRule,
  formatTableDiff,
  generateItems,
  motoEndpoint,
  scanAll,
  startFaultProxy,
  type TableDiff,
  putItems,
} from '@ddb-migrate/test-kit';
import { describe, expect, it } from 'vitest';
import type { ApplyConfig, ApplyCounters, ApplyDeps } from '../src/apply/apply-config.js';
import { emptyApplyCounters } from '../src/apply/apply-stream-batch.js';
import type { LambdaStreamRecord } from '../src/apply/stream-event.js';
import { createHandler, type StreamHandler } from '../src/create-handler.js';
import { describeAllShards } from '../src/runner/shard-lineage.js';
import { ShardReader } from '../src/runner/shard-reader.js';
import { type RunnerSummary, runStream } from '../src/runner/stream-runner.js';
import { toLambdaRecord } from '../src/runner/to-lambda-record.js';
import { cdcStand } from './int-helpers.js';

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Faults on every target write: throttles, 5xx, connections dropped before/after moto applied the call, partial batches. */
const TARGET_FAULTS: FaultRule[] = [
  {
    service: 'dynamodb',
    operation: 'BatchWriteItem',
    throttleRate: 0.25,
    errorRate: 0.05,
    errorStatus: 'mixed',
    dropRate: 0.03,
    dropAfterForwardRate: 0.03,
    partialRate: 0.15,
  },
];
const STORM: FaultRule[] = [{ service: 'dynamodb', operation: 'BatchWriteItem', throttleRate: 1 }];

/**
 * Seeded writers, each owning a disjoint share of the keys (so the final source state does not
 * depend on how they interleave): puts, updates (also of missing keys: moto emits two INSERTs),
 * deletes (also of missing keys), re-inserts and batches, 70% of them on a few hot keys.
 * No TransactWriteItems here: moto deep-copies the whole table and its stream for each one.
 */
async function writeChanges(
  client: DynamoDBClient,
  table: string,
  allKeys: AttributeValue[],
  ops: number,
  seed: number,
  workers = 3,
) {
  const worker = async (w: number) => {
    const random = createPrng(seed + w);
    const pool = generateItems(50, { seed: seed + 100 + w });
    const pick = <T>(values: readonly T[]): T => values[Math.floor(random() * values.length)] as T;
    const keys = allKeys.filter((_, i) => i % workers === w);
    const hot = keys.slice(0, 5);
    const pickKey = (n: number): AttributeValue => {
      const r = random();
      if (r < 0.7) return pick(hot);
      if (r < 0.95) return pick(keys);
      return { S: `fresh-${w}-${n % 15}` };
    };
    const item = (pk: AttributeValue, n: number): Item => ({ ...pick(pool), pk, rev: { N: `${n}.0` } });
    for (let n = w; n < ops; n += workers) {
      const r = random();
      const pk = pickKey(n);
      if (r < 0.3) {
        await client.send(new PutItemCommand({ TableName: table, Item: item(pk, n) }));
      } else if (r < 0.55) {
        await client.send(
          new UpdateItemCommand({
            TableName: table,
            Key: { pk },
            UpdateExpression:
              'SET rev = :r, cnt = if_not_exists(cnt, :z) + :one, bin = :b REMOVE gone ADD tags :t',
            ExpressionAttributeValues: {
              ':r': { N: String(n) },
              ':z': { N: '0' },
              ':one': { N: '1' },
              ':b': { B: new Uint8Array([n % 256, 0]) },
              ':t': { SS: [`t${n % 4}`] },
            },
          }),
        );
      } else if (r < 0.75) {
        await client.send(new DeleteItemCommand({ TableName: table, Key: { pk } }));
      } else if (r < 0.8) {
        await client.send(new DeleteItemCommand({ TableName: table, Key: { pk: { S: `never-${n}` } } }));
      } else {
        const batch = new Map<string, AttributeValue>();
        for (let i = 0; i < 6; i += 1) {
          const k = pickKey(n * 10 + i);
          batch.set(JSON.stringify(k), k);
        }
        await client.send(
          new BatchWriteItemCommand({
            RequestItems: {
              [table]: [...batch.values()].map((k, i) =>
                i % 3 === 2 ? { DeleteRequest: { Key: { pk: k } } } : { PutRequest: { Item: item(k, n) } },
              ),
            },
          }),
        );
      }
    }
  };
  await Promise.all(Array.from({ length: workers }, (_, w) => worker(w)));
}

/** Every record of the stream, as Lambda would deliver it, read independently of the runner. */
async function readStream(streams: DynamoDBStreamsClient, streamArn: string): Promise<LambdaStreamRecord[]> {
  const { shards } = await describeAllShards(streams, streamArn);
  const out: LambdaStreamRecord[] = [];
  for (const shard of shards) {
    const reader = new ShardReader({ client: streams, streamArn, shardId: shard.shardId, sleep });
    for (;;) {
      const page = await reader.next(1000);
      out.push(...page.records.map((r) => toLambdaRecord(r, streamArn)));
      if (page.records.length === 0 || page.ended) break;
    }
  }
  return out;
}

/** Per-invocation bookkeeping of live runner instances. */
interface Ledger {
  invocations: number;
  delivered: number;
  accounted: number;
  mismatches: number;
  counters: Omit<ApplyCounters, 'newestCreatedAt'>;
  batchItemFailures: number;
  /** Sequence numbers below the lowest batch item failure of some invocation: done for good. */
  acknowledged: Set<string>;
}

function expectNoDifference(diff: TableDiff) {
  const count = diff.missingInTarget.length + diff.extraInTarget.length + diff.different.length;
  expect(count, formatTableDiff(diff)).toBe(0);
  expect(diff.targetCount).toBe(diff.sourceCount);
}

type SendClient = { send: (...args: never[]) => Promise<unknown> };

/** Once `dead()`, every call hangs: the killed process sends nothing more. `onSend` sees each call first. */
function fenced<C extends SendClient>(client: C, dead: () => boolean, onSend?: () => void): C {
  const send = (client.send as (...a: unknown[]) => Promise<unknown>).bind(client);
  return {
    send: (...args: unknown[]) => {
      if (dead()) return new Promise(() => {});
      const result = send(...args);
      onSend?.();
      return result;
    },
  } as unknown as C;
}

describe('reliability: kills, redelivery and target faults never lose or regress an item', () => {
  it('converges and accounts for every record under target faults, a throttle storm and 3 kills', async () => {
    const proxy = await startFaultProxy({ target: motoEndpoint(), rules: TARGET_FAULTS, seed: 11 });
    let targetWriter: DynamoDBClient | undefined;
    try {
      const stand = await cdcStand();
      const writerClient = new DynamoDBClient({
        ...stand.sides.target,
        endpoint: proxy.endpoint,
        maxAttempts: 1,
      });
      targetWriter = writerClient;
      const dir = await mkdtemp(join(tmpdir(), 'cdc-reliability-'));
      const items = generateItems(300, { seed: 31 });
      await putItems(stand.source, stand.src.name, items);
      // The "export": a snapshot taken in a new whole second with no writes in flight, so the
      // exact cut-off (that second) splits the stream: earlier records are in the snapshot.
      await sleep(1000 - (Date.now() % 1000) + 20);
      const cutoff = Math.floor(Date.now() / 1000);
      await putItems(stand.target, stand.tgt.name, await scanAll(stand.source, stand.src.name));
      const config: ApplyConfig = {
        targetTableId: stand.tgt.name,
        ttlDeletes: 'replicate',
        dlqUrl: stand.queue.url,
        cutoffEpochSeconds: cutoff,
        // A 3 s invocation leaves 1 s margin and starts no request after 1 s: a 2.5 s storm
        // turns keys into batch item failures.
        requestTimeoutMs: 1000,
      };

      const ledger: Ledger = {
        invocations: 0,
        delivered: 0,
        accounted: 0,
        mismatches: 0,
        counters: emptyApplyCounters(),
        batchItemFailures: 0,
        acknowledged: new Set(),
      };
      const kills: string[] = [];
      const fired = new Set<string>();
      let checkpoint = join(dir, 'checkpoint-0.json');
      let instances = 0;

      /** One runner "process". Kill plan by global invocation number: storm, hard kill mid-batch, abort, hard kill before the checkpoint. */
      const startInstance = (writerDone: () => boolean) => {
        instances += 1;
        const own = checkpoint;
        let dead = false;
        let killed: () => void = () => {};
        const killedPromise = new Promise<'killed'>((resolve) => {
          killed = () => resolve('killed');
        });
        const abort = new AbortController();
        const kill = (how: string) => {
          dead = true;
          kills.push(how);
          // What the restarted process finds: the checkpoint file as it is at this instant.
          const next = join(dir, `checkpoint-${instances}.json`);
          // The checkpoint and the lease as the dead process left them.
          for (const suffix of ['', '.lease']) {
            if (existsSync(own + suffix)) copyFileSync(own + suffix, next + suffix);
          }
          checkpoint = next;
          killed();
        };
        let armedWrites = -1;
        let last: ApplyCounters | undefined;
        const inner = createHandler(config, {
          target: fenced(
            writerClient,
            () => dead,
            () => {
              if (armedWrites > 0 && --armedWrites === 0) kill('hard, mid-batch');
            },
          ),
          source: fenced(stand.source, () => dead),
          sqs: fenced(stand.sqs as unknown as SendClient, () => dead) as unknown as NonNullable<
            ApplyDeps['sqs']
          >,
          onResult: (r) => {
            last = r.counters;
          },
        });
        const handler: StreamHandler = async (event, context) => {
          const n = ledger.invocations + 1;
          // The storm hits the first batch with records after the cut-off (the earlier ones only
          // skip the initial load and write nothing), so it always meets writes.
          const writes = (event.Records ?? []).some(
            (r) => (r.dynamodb?.ApproximateCreationDateTime ?? 0) >= cutoff,
          );
          if (n >= 4 && writes && !fired.has('storm')) {
            fired.add('storm');
            proxy.setRules(STORM);
            setTimeout(() => proxy.setRules(TARGET_FAULTS), 2500);
          }
          if (n >= 8 && !fired.has('mid-batch')) {
            fired.add('mid-batch');
            armedWrites = 2;
          }
          const response = await inner(event, context);
          if (dead || !last) return response;
          const records = event.Records ?? [];
          ledger.invocations += 1;
          ledger.delivered += records.length;
          for (const name of Object.keys(ledger.counters) as (keyof Ledger['counters'])[])
            ledger.counters[name] += last[name];
          const sum = last.applied + last.skipped + last.coalesced + last.failed + last.dlq;
          ledger.accounted += sum;
          if (sum !== records.length) ledger.mismatches += 1;
          ledger.batchItemFailures += response.batchItemFailures.length;
          const lowest = response.batchItemFailures.reduce<bigint | undefined>((low, f) => {
            const v = BigInt(f.itemIdentifier);
            return low === undefined || v < low ? v : low;
          }, undefined);
          for (const r of records) {
            const seq = r.dynamodb?.SequenceNumber as string;
            if (lowest === undefined || BigInt(seq) < lowest) ledger.acknowledged.add(seq);
          }
          if (ledger.invocations >= 14 && !fired.has('abort')) {
            fired.add('abort');
            abort.abort();
          }
          if (ledger.invocations >= 20 && !fired.has('after-batch')) {
            fired.add('after-batch');
            kill('hard, after the batch, before its checkpoint');
          }
          return response;
        };
        const done = runStream({
          streams: fenced(stand.streams, () => dead),
          streamArn: stand.src.streamArn as string,
          handler,
          checkpointFile: own,
          batchSize: 50,
          pollIntervalMs: 100,
          invocationTimeoutMs: 3000,
          // A killed instance's successor waits until its lease lapses (>= 3.2 s after its last write).
          lease: { ttlMs: 4000, heartbeatMs: 800 },
          maxBatchRetries: 50,
          signal: abort.signal,
          stopAfterIdleSeconds: 1.5,
        });
        return Promise.race([
          killedPromise,
          done.then((summary: RunnerSummary) => {
            if (summary.stoppedBy === 'aborted') {
              kills.push('graceful abort');
              const next = join(dir, `checkpoint-${instances}.json`);
              if (existsSync(own)) copyFileSync(own, next);
              checkpoint = next;
              return 'aborted' as const;
            }
            return writerDone() ? ('drained' as const) : ('idle' as const);
          }),
        ]);
      };

      let writing = true;
      const writer = writeChanges(
        stand.source,
        stand.src.name,
        items.map((i) => i.pk as AttributeValue),
        2000,
        41,
      ).finally(() => {
        writing = false;
      });
      let outcome: Awaited<ReturnType<typeof startInstance>> | undefined;
      while (outcome !== 'drained') {
        outcome = await startInstance(() => !writing);
        if (outcome === 'idle') await sleep(200);
      }
      await writer;
      // The writer may have written after the last idle stop began: drain once more.
      expect(await startInstance(() => true)).toBe('drained');

      const diff = await compareTables(stand.source, stand.src.name, stand.target, stand.tgt.name);
      expectNoDifference(diff);
      expect(kills).toEqual([
        'hard, mid-batch',
        'graceful abort',
        'hard, after the batch, before its checkpoint',
      ]);
      expect(ledger.mismatches).toBe(0);
      expect(ledger.accounted).toBe(ledger.delivered);
      expect(ledger.counters.records).toBe(ledger.delivered);
      expect(ledger.counters.dlq).toBe(0);
      expect(ledger.counters.skippedByCutoff).toBeGreaterThan(0);
      expect(ledger.batchItemFailures).toBeGreaterThan(0); // the storm
      const queue = await stand.sqs.send(
        new GetQueueAttributesCommand({
          QueueUrl: stand.queue.url,
          AttributeNames: ['ApproximateNumberOfMessages'],
        }),
      );
      expect(queue.Attributes?.ApproximateNumberOfMessages).toBe('0');
      const stream = await readStream(stand.streams, stand.src.streamArn as string);
      const unacknowledged = stream.filter(
        (r) => !ledger.acknowledged.has(r.dynamodb?.SequenceNumber as string),
      );
      expect(unacknowledged).toHaveLength(0);
      const faults = proxy.stats().byOperation.BatchWriteItem;
      expect(faults?.throttled).toBeGreaterThan(0);
      expect(faults?.partial).toBeGreaterThan(0);
      expect((faults?.dropped ?? 0) + (faults?.droppedAfterForward ?? 0)).toBeGreaterThan(0);
    } finally {
      targetWriter?.destroy();
      await proxy.close();
    }
  }, 300_000); // 3 kills, each successor waiting out its predecessor's lease, on a loaded 2-core CI machine

  it('leaves the target equal to the source when batches are delivered twice or a suffix is redelivered', async () => {
    const stand = await cdcStand();
    const items = generateItems(120, { seed: 51 });
    await putItems(stand.source, stand.src.name, items);
    await writeChanges(
      stand.source,
      stand.src.name,
      items.map((i) => i.pk as AttributeValue),
      500,
      52,
    );
    const records = await readStream(stand.streams, stand.src.streamArn as string);
    const batches: LambdaStreamRecord[][] = [];
    for (let i = 0; i < records.length; i += 40) batches.push(records.slice(i, i + 40));
    const random = createPrng(53);

    const scenario = async (
      deliver: (apply: (batch: LambdaStreamRecord[]) => Promise<void>) => Promise<void>,
    ) => {
      const table = await createTable(stand.target, { stream: false });
      const handler = createHandler(
        { targetTableId: table.name, ttlDeletes: 'replicate', dlqUrl: stand.queue.url },
        { target: stand.target, sqs: stand.sqs },
      );
      await deliver(async (batch) => {
        const { batchItemFailures } = await handler({ Records: batch });
        expect(batchItemFailures).toEqual([]);
      });
      return compareTables(stand.source, stand.src.name, stand.target, table.name);
    };

    // Every batch delivered, then the whole sequence delivered again.
    expectNoDifference(
      await scenario(async (apply) => {
        for (const batch of batches) await apply(batch);
        for (const batch of batches) await apply(batch);
      }),
    );
    // Lambda after a partial failure: a suffix of a batch again, sometimes twice, and restarts
    // from an older checkpoint (a suffix of the whole history) now and then.
    expectNoDifference(
      await scenario(async (apply) => {
        for (const [b, batch] of batches.entries()) {
          await apply(batch);
          for (let again = Math.floor(random() * 3); again > 0; again -= 1) {
            await apply(batch.slice(Math.floor(random() * batch.length)));
          }
          if (random() < 0.2) {
            const from = Math.floor(random() * (b + 1));
            for (const old of batches.slice(from, b + 1)) await apply(old);
          }
        }
      }),
    );
    // A complete delivery, then a suffix starting mid-batch at an arbitrary record.
    expectNoDifference(
      await scenario(async (apply) => {
        for (const batch of batches) await apply(batch);
        const start = Math.floor(random() * records.length);
        const suffix = records.slice(start);
        for (let i = 0; i < suffix.length; i += 40) await apply(suffix.slice(i, i + 40));
      }),
    );
  });
});
