/**
 * Reliability run: tries to break the CDC invariants (no gap, per-item convergence, idempotence
 * under redelivery/retries/restarts, nothing silent) on a local moto server, and reports what it
 * found. Exit code 0 = PASS, 1 = an invariant broke, 3 = the run itself failed.
 *
 *   pnpm exec tsx --conditions=source scripts/reliability.ts [--keys 3000 --ops 20000 --seed 1 --rounds 5]
 *
 * 1. moto (test-kit startMotoServer), two fresh accounts (isolatedSides), a source table with a
 *    NEW_AND_OLD_IMAGES stream and `--keys` varied items (generateItems), PITR on, a target bucket.
 * 2. A seeded writer hammers the source with `--ops` operations concentrated on hot keys: puts,
 *    updates (incl. UpdateItem on new keys, which moto emits as two INSERTs), deletes (incl. of
 *    missing keys), re-inserts, BatchWriteItem, TransactWriteItems, failing conditional puts and
 *    no-op puts.
 * 3. `ddb-migrate migrate --load-mode write --cdc-mode none` through runCli, reaching AWS through
 *    the fault proxy (its rules hit only BatchWriteItem, i.e. the target load). The CLI has one
 *    endpoint for both sides, so CDC is driven here: the local stream runner + createHandler (what
 *    `--cdc-mode local` runs) with the target client behind the fault proxy (throttles, 5xx,
 *    dropped connections before/after moto applied the call, partial BatchWriteItem, and throttle
 *    storms longer than an invocation's budget) and stream reads behind it too (5xx, throttles).
 *    With `--streams sim`, CDC reads the test-kit's simulated Streams endpoint instead, fed from
 *    moto's stream: shard rollovers and splits during the load, late-listed children, empty pages,
 *    iterators expiring under a working runner, a restart after a 20-hour pause.
 * 4. The runner is killed `--rounds` times at random moments (hard kill: every later call of that
 *    instance hangs and its checkpoint file is abandoned, as if the process died; or a graceful
 *    abort) and restarted from its checkpoint.
 * 5. The writer stops, CDC drains; then `verify` (runCli) and a plain scan compare (compareTables),
 *    plus the ledger: every record of the stream acknowledged by some invocation, every
 *    invocation's counters adding up to its records, nothing in the dead-letter sink.
 *
 * The cut-off is exact by default (`--margin-seconds 0`): moto's export holds every write made
 * before the export request, so the tightest cut-off tests the seam between the export and the
 * stream. (The CLI refuses margins below 120 s because AWS exports are only accurate to about a
 * minute; `--margin-seconds 300` replays the whole short stream, as the CLI would.)
 */
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { parseArgs } from 'node:util';
import {
  type AttributeValue,
  BatchWriteItemCommand,
  DeleteItemCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  TransactWriteItemsCommand,
  UpdateContinuousBackupsCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import {
  type ApplyConfig,
  type ApplyCounters,
  type ApplyDeps,
  createHandler,
  cutoffEpochSeconds,
  describeAllShards,
  type LambdaStreamRecord,
  runStream,
  ShardReader,
  type StreamHandler,
} from '@ddb-migrate/cdc-lambda';
import { createStreamsClient, type Item, itemsEqual, sleep } from '@ddb-migrate/core';
import {
  compareTables,
  createBucket,
  createPrng,
  createTable,
  type FaultProxy,
  type FaultRule,
  formatTableDiff,
  generateItems,
  isolatedSides,
  sideEnv,
  startFaultProxy,
  startMotoServer,
  uniqueName,
  putItems,
  scanAll,
  startStreamsSim,
  createSimClock,
  feedFrom,
} from '@ddb-migrate/test-kit';
import { runCli } from 'ddb-migrate';

const { values: flags } = parseArgs({
  options: {
    keys: { type: 'string', default: '3000' },
    ops: { type: 'string', default: '20000' },
    seed: { type: 'string', default: '1' },
    rounds: { type: 'string', default: '5' },
    writers: { type: 'string', default: '4' },
    'margin-seconds': { type: 'string', default: '0' },
    streams: { type: 'string', default: 'moto' },
  },
});
const intFlag = (name: keyof typeof flags, min: number, max: number): number => {
  const n = Number(flags[name]);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new Error(`--${name} must be an integer from ${min} to ${max} (got ${String(flags[name])})`);
  }
  return n;
};
const KEYS = intFlag('keys', 10, 200_000);
const OPS = intFlag('ops', 0, 1_000_000);
const SEED = intFlag('seed', 0, 2 ** 31);
const ROUNDS = intFlag('rounds', 0, 1000);
const WRITERS = intFlag('writers', 1, 32);
const MARGIN = intFlag('margin-seconds', 0, 86_400);
if (flags.streams !== 'moto' && flags.streams !== 'sim') {
  throw new Error(`--streams must be moto or sim (got ${String(flags.streams)})`);
}
/**
 * `sim`: CDC reads the test-kit's simulated Streams endpoint, fed from moto's stream, with AWS's
 * shard lifecycle: rollovers every 500 records (half of them splits), children listed 1.5 s late,
 * 5% empty pages, iterators that expire while a runner works (the sim clock jumps 16 minutes three
 * times) and a restart after a 20-hour pause (within the 24-hour retention).
 */
const SIM = flags.streams === 'sim';
const HOUR_MS = 3_600_000;

/**
 * The local runner's per-invocation budget: short, so throttle storms outlast it. The engine keeps
 * a margin (20%, at least 1 s) and starts no request later than REQUEST_TIMEOUT_MS before that:
 * calls start within the first 3.9 s of an 8 s invocation.
 */
const INVOCATION_MS = 8000;
/** Every target request is bounded by this (and aborted after it) inside an invocation. */
const REQUEST_TIMEOUT_MS = 2500;
const BATCH_SIZE = 100;

/** Faults on the target's writes (and stream reads) for the whole CDC phase. */
const BASE_RULES: FaultRule[] = [
  {
    service: 'dynamodb',
    operation: 'BatchWriteItem',
    throttleRate: 0.25,
    errorRate: 0.06,
    errorStatus: 'mixed',
    dropRate: 0.03,
    dropAfterForwardRate: 0.03,
    partialRate: 0.15,
  },
  { service: 'dynamodbstreams', operation: 'GetRecords', errorRate: 0.05, errorStatus: 'mixed' },
];
/** Every target write throttled: longer than an invocation's budget, so keys come back as batch item failures. */
const STORM_RULES: FaultRule[] = [
  { service: 'dynamodb', operation: 'BatchWriteItem', throttleRate: 1 },
  ...BASE_RULES.slice(1),
];

const t0 = Date.now();
const say = (line: string) =>
  process.stdout.write(`[${((Date.now() - t0) / 1000).toFixed(1).padStart(6)}s] ${line}\n`);
const fmt = (n: number) => n.toLocaleString('en-US');

async function main(): Promise<number> {
  say(
    `reliability: keys ${KEYS}, ops ${OPS}, seed ${SEED}, rounds ${ROUNDS}, writers ${WRITERS}, margin ${MARGIN}s`,
  );
  const moto = await startMotoServer();
  process.env.MOTO_ENDPOINT = moto.endpoint; // the test kit's sides read it
  const proxy = await startFaultProxy({ target: moto.endpoint, rules: BASE_RULES, seed: SEED });
  try {
    return await run(moto.endpoint, proxy);
  } finally {
    await proxy.close();
    await moto.stop();
  }
}

async function run(endpoint: string, proxy: FaultProxy): Promise<number> {
  const random = createPrng(SEED);
  const sides = isolatedSides();
  const src = new DynamoDBClient(sides.source);
  const tgt = new DynamoDBClient(sides.target);
  // maxAttempts 1: every injected fault reaches the engine and the runner, not the SDK's retries.
  const tgtViaProxy = new DynamoDBClient({ ...sides.target, endpoint: proxy.endpoint, maxAttempts: 1 });
  const streams = createStreamsClient({ ...sides.source, endpoint: proxy.endpoint, maxAttempts: 1 });
  const table = uniqueName('rel-src');
  const targetTable = uniqueName('rel-dst');
  const created = await createTable(src, { name: table, stream: 'NEW_AND_OLD_IMAGES' });
  await src.send(
    new UpdateContinuousBackupsCommand({
      TableName: table,
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
    }),
  );
  const items = generateItems(KEYS, { seed: SEED });
  await putItems(src, table, items, { concurrency: 4 });
  const bucket = await createBucket(new S3Client({ ...sides.target, forcePathStyle: true }));
  say(
    `source ${table} (account ${sides.sourceAccount}): ${fmt(KEYS)} varied items; target account ${sides.targetAccount}`,
  );

  const writer = startWriter(src, table, items);
  say(`writer started (${WRITERS} workers, ${fmt(OPS)} ops, hot keys ${writer.hotKeys})`);

  // --- migrate (export + write-mode load) through runCli, through the proxy ---
  const stateDir = mkdtempSync(join(tmpdir(), 'ddb-migrate-reliability-'));
  const env: NodeJS.ProcessEnv = { ...process.env, ...(await sideEnv(sides.source)) };
  delete env.AWS_PROFILE;
  const migrate = await cli(
    [
      'migrate',
      '--endpoint-url',
      proxy.endpoint,
      '--source-region',
      sides.source.region,
      '--source-table-name',
      table,
      '--source-account-id',
      sides.sourceAccount,
      '--target-region',
      sides.target.region,
      '--target-table-name',
      targetTable,
      '--target-account-id',
      sides.targetAccount,
      '--target-s3-bucket-name',
      bucket,
      '--load-mode',
      'write',
      '--cdc-mode',
      'none',
      '--yes',
      '--state-dir',
      stateDir,
      '--poll-seconds',
      '1',
      '--stream-settle-seconds',
      '0',
    ],
    env,
  );
  const loadSnapshot = proxy.stats();
  const loadStats = loadSnapshot.total;
  const loadByOp = loadSnapshot.byOperation;
  if (migrate.code !== 0) {
    say(`migrate exited ${migrate.code}: ${migrate.stderr.trim().split('\n').slice(-3).join(' | ')}`);
    await writer.stop();
    return 3;
  }
  const state = readState(stateDir);
  const streamArn = state.stream?.streamArn ?? created.streamArn;
  const exportTime = state.export?.exportTime;
  if (!streamArn || !exportTime) throw new Error('migrate left no stream ARN or export time in its state');
  say(
    `migrate done (export ${exportTime}, ${writer.stats.ops} ops so far; load saw ${loadStats.throttled} throttles, ${loadStats.errors} 5xx, ${loadStats.dropped + loadStats.droppedAfterForward} drops, ${loadStats.partial} partial batches)`,
  );

  // --- CDC: runner + handler, faults, storms, kills ---
  proxy.setRules(BASE_RULES);
  const sim = SIM
    ? await startStreamsSim({
        seed: SEED,
        clock: createSimClock({ followRealTime: true }),
        tableName: table,
        accountId: sides.sourceAccount,
        region: sides.source.region,
        rolloverEveryRecords: 500,
        splitChance: 0.5,
        childListingDelayMs: 1500,
        emptyPageRate: 0.05,
      })
    : undefined;
  const feed = sim && feedFrom(sim, { streams: createStreamsClient({ ...sides.source }), streamArn });
  feed?.start(50);
  const cdcStreamArn = sim?.streamArn ?? streamArn;
  const cdcStreams = sim
    ? createStreamsClient({ ...sides.source, endpoint: sim.endpoint, maxAttempts: 1 })
    : streams;
  if (sim) say(`CDC reads the simulated Streams endpoint ${sim.endpoint} (fed from moto's stream)`);
  const dlqSink: unknown[] = [];
  const config: ApplyConfig = {
    targetTableId: targetTable,
    cutoffEpochSeconds: cutoffEpochSeconds(Date.parse(exportTime) / 1000, MARGIN),
    ttlDeletes: 'replicate',
    dlqUrl: 'https://sqs.us-east-1.amazonaws.com/000000000000/reliability-dlq',
    requestTimeoutMs: REQUEST_TIMEOUT_MS,
    keyNames: { partitionKey: 'pk' },
  };
  const ledger = newLedger();
  const trace: WriteTrace[] = [];
  const cdc = new CdcDriver({
    config,
    streamArn: cdcStreamArn,
    streams: cdcStreams,
    target: tgtViaProxy,
    source: src,
    sqs: {
      send: async (command: { input: unknown }) => {
        dlqSink.push(command.input);
        return {};
      },
    } as unknown as NonNullable<ApplyDeps['sqs']>,
    ledger,
    dir: stateDir,
    trace,
  });

  const storms = startStorms(proxy, random, () => writer.finished);
  // Kill moments: random points of the writer's progress from here to its last op.
  const from = writer.stats.ops;
  const moments = Array.from({ length: ROUNDS }, () => from + random() * (OPS - from)).sort((a, b) => a - b);
  say(
    `CDC starts; ${ROUNDS} kills planned at writer ops ${moments.map((m) => fmt(Math.round(m))).join(', ')}`,
  );
  const ticker = setInterval(() => {
    say(
      `  progress: ${fmt(writer.stats.ops)} ops written; ${fmt(ledger.invocations)} invocations, ${fmt(ledger.acknowledged.size)} records acknowledged, ${cdc.hardKills + cdc.aborts} kills, ${fmt(proxy.stats().byOperation.BatchWriteItem?.throttled ?? 0)} throttles`,
    );
  }, 20_000);
  // Sim: iterators expire under a working runner (16-minute jumps of the sim clock, 3 times).
  let jumps = 0;
  const expiry = sim
    ? setInterval(() => {
        if (jumps < 3) {
          jumps += 1;
          sim.clock.advance(16 * 60_000);
        }
      }, 25_000)
    : undefined;
  for (const [round, moment] of moments.entries()) {
    await cdc.runUntil(() => writer.stats.ops >= moment || writer.finished, random);
    if (sim && round === 0) {
      sim.clock.advance(20 * HOUR_MS); // the restart comes after a long pause (time-based rollovers)
      say('  sim: 20 hours pass before the runner restarts');
    }
  }
  await writer.done;
  clearInterval(expiry);
  say(`writer finished: ${describeWriter(writer.stats)}`);
  await storms.stop();
  await feed?.drain();
  await cdc.drain();
  await feed?.stop();
  clearInterval(ticker);
  proxy.setRules([]);
  say(`CDC drained after ${cdc.instances} runner instances`);

  // --- checks ---
  const streamRecords = sim
    ? await readWholeStream(createStreamsClient({ ...sides.source, endpoint: sim.endpoint }), sim.streamArn)
    : await readWholeStream(createStreamsClient({ ...sides.source }), streamArn);
  const streamSeqs = streamRecords.map((r) => r.seq);
  const unacknowledged = streamSeqs.filter((s) => !ledger.acknowledged.has(s));
  const diff = await compareTables(src, table, tgt, targetTable);
  const scanEqual = diff.missingInTarget.length + diff.extraInTarget.length + diff.different.length === 0;
  const verify = await cli(
    [
      'verify',
      '--endpoint-url',
      endpoint,
      '--source-region',
      sides.source.region,
      '--source-table-name',
      table,
      '--target-region',
      sides.target.region,
      '--target-table-name',
      targetTable,
      '--target-account-id',
      sides.targetAccount,
      '--segments',
      '4',
      '--recheck-delay',
      '1',
      '--output',
      'json',
    ],
    env,
  );
  const summary = parseJson(verify.stdout);
  const stats = proxy.stats();
  const cdcFaults = subtract(stats.total, loadStats);
  const sum = ledger.applied + ledger.skipped + ledger.coalesced + ledger.failed + ledger.dlq;

  const lines = [
    `ops written            ${fmt(writer.stats.ops)} (${describeWriter(writer.stats)})`,
    `stream records         ${fmt(streamSeqs.length)}; acknowledged ${fmt(streamSeqs.length - unacknowledged.length)}, unacknowledged ${unacknowledged.length}`,
    `deliveries             ${fmt(ledger.invocations)} invocations, ${fmt(ledger.delivered)} records delivered (redeliveries included)`,
    `records                applied ${fmt(ledger.applied)}, skipped ${fmt(ledger.skipped)} (cut-off), coalesced ${fmt(ledger.coalesced)}, failed ${fmt(ledger.failed)} (retried), dlq ${ledger.dlq}; sum ${fmt(sum)} ${sum === ledger.delivered ? '=' : '!='} delivered`,
    `counter mismatches     ${ledger.mismatches} invocations whose counters do not add up to their records`,
    `batch item failures    ${fmt(ledger.batchItemFailures)} in ${ledger.invocationsWithFailures} invocations; ${fmt(ledger.redelivered)} records delivered more than once`,
    `DLQ                    ${dlqSink.length} messages`,
    `restarts               ${cdc.hardKills + cdc.aborts + cdc.crashes} (${cdc.hardKills} hard kills, ${cdc.aborts} aborts, ${cdc.crashes} runner errors${cdc.crashErrors.length ? `: ${[...new Set(cdc.crashErrors)].join('; ')}` : ''})`,
    `throttle storms        ${storms.count} (${(storms.totalMs / 1000).toFixed(1)} s)`,
    `proxy, CDC phase       BatchWriteItem ${describeFaults(subtract(stats.byOperation.BatchWriteItem ?? loadStats, loadByOp.BatchWriteItem))}; GetRecords ${describeFaults(stats.byOperation.GetRecords)}; total injected ${fmt(cdcFaults.throttled + cdcFaults.errors + cdcFaults.dropped + cdcFaults.droppedAfterForward + cdcFaults.partial)}`,
    `proxy, load phase      ${fmt(loadStats.throttled)} throttles, ${fmt(loadStats.errors)} 5xx, ${fmt(loadStats.dropped + loadStats.droppedAfterForward)} drops, ${fmt(loadStats.partial)} partial`,
    `writer errors          ${describeErrors(writer.stats.errors)}${Object.keys(writer.stats.errorSamples).length ? ` (${JSON.stringify(writer.stats.errorSamples)})` : ''}`,
    `verify                 exit ${verify.code}: ${summary ? `source ${summary.sourceScanned}, target ${summary.targetScanned}, matched ${summary.matched}, missing ${summary.missingInTarget}, extra ${summary.extraInTarget}, different ${summary.different}` : verify.stderr.trim().split('\n').slice(-2).join(' | ')}`,
    `scan compare           source ${fmt(diff.sourceCount)}, target ${fmt(diff.targetCount)}: ${scanEqual ? 'identical' : formatTableDiff(diff).split('\n').slice(0, 6).join(' | ')}`,
  ];
  const sourceItems = await scanAll(src, table);
  const consistency = streamConsistency(streamRecords, sourceItems);
  lines.push(
    `stand-in stream        ${consistency.duplicates} duplicate and ${consistency.outOfOrder} out-of-order sequence numbers; ${consistency.disagreeing.length} keys whose newest stream image is not the source's item`,
  );
  if (sim) {
    const simStats = sim.stats();
    const shards = sim.streams()[0]?.shards.length ?? 0;
    lines.push(
      `simulated streams      ${shards} shards; ${fmt(simStats.appended)} records fed; errors ${JSON.stringify(simStats.errors)}`,
    );
    await sim.close();
  }
  const zombies = trace.filter((w) => w.landedAfterKill && w.outcome?.startsWith('ok'));
  lines.push(
    `zombie writes          ${zombies.length} target writes answered after their instance was killed`,
  );
  for (const line of lines) say(line);
  const suspects = new Set([
    ...diff.different.map((d) => keyText(d.key as Item)),
    ...diff.missingInTarget.map((k) => keyText(k as Item)),
    ...diff.extraInTarget.map((k) => keyText(k as Item)),
    ...consistency.disagreeing,
  ]);
  for (const seq of unacknowledged.slice(0, 10)) {
    const r = streamRecords.find((x) => x.seq === seq);
    say(
      `unacknowledged record seq ${seq} (position ${streamRecords.findIndex((x) => x.seq === seq)}) key ${r?.key}`,
    );
    if (r) suspects.add(r.key);
  }
  for (const key of [...suspects].slice(0, 10)) {
    say(`history of ${key}: source rev ${sourceItems.find((i) => keyText(i) === key)?.rev?.N ?? '(absent)'}`);
    for (const line of keyHistory(key, streamRecords, trace, cdc.killedAt)) say(line);
  }
  const problems = [
    ...(scanEqual ? [] : ['scan compare found differences']),
    ...(verify.code === 0 ? [] : [`verify exited ${verify.code}`]),
    ...(unacknowledged.length === 0 ? [] : [`${unacknowledged.length} stream records never acknowledged`]),
    ...(sum === ledger.delivered && ledger.mismatches === 0
      ? []
      : ['counters do not account for every delivered record']),
    ...(ledger.dlq === 0 && dlqSink.length === 0 ? [] : ['records reached the DLQ without poison input']),
  ];
  say(problems.length === 0 ? 'PASS' : `FAIL: ${problems.join('; ')}`);
  return problems.length === 0 ? 0 : 1;
}

// ---------------------------------------------------------------------------------------------
// CDC driver: runner instances that get killed and restarted from their checkpoint

interface Ledger {
  invocations: number;
  invocationsWithFailures: number;
  delivered: number;
  applied: number;
  skipped: number;
  coalesced: number;
  failed: number;
  dlq: number;
  batchItemFailures: number;
  mismatches: number;
  /** Records delivered again (after a batch item failure, a kill or an abort). */
  redelivered: number;
  deliveredSeqs: Set<string>;
  /** Sequence numbers some live invocation finished (below its lowest batch item failure). */
  acknowledged: Set<string>;
}

function newLedger(): Ledger {
  return {
    invocations: 0,
    invocationsWithFailures: 0,
    delivered: 0,
    applied: 0,
    skipped: 0,
    coalesced: 0,
    failed: 0,
    dlq: 0,
    batchItemFailures: 0,
    mismatches: 0,
    redelivered: 0,
    deliveredSeqs: new Set(),
    acknowledged: new Set(),
  };
}

/** Adds one invocation's outcome to the ledger. */
function account(
  ledger: Ledger,
  records: readonly LambdaStreamRecord[],
  counters: ApplyCounters,
  failures: readonly { itemIdentifier: string }[],
): void {
  ledger.invocations += 1;
  ledger.delivered += records.length;
  ledger.applied += counters.applied;
  ledger.skipped += counters.skipped;
  ledger.coalesced += counters.coalesced;
  ledger.failed += counters.failed;
  ledger.dlq += counters.dlq;
  ledger.batchItemFailures += failures.length;
  if (failures.length > 0) ledger.invocationsWithFailures += 1;
  const total = counters.applied + counters.skipped + counters.coalesced + counters.failed + counters.dlq;
  if (total !== records.length || counters.records !== records.length) ledger.mismatches += 1;
  const lowest = failures.reduce<bigint | undefined>((low, f) => {
    const n = BigInt(f.itemIdentifier);
    return low === undefined || n < low ? n : low;
  }, undefined);
  for (const record of records) {
    const seq = record.dynamodb?.SequenceNumber;
    if (seq === undefined) continue;
    if (ledger.deliveredSeqs.has(seq)) ledger.redelivered += 1;
    else ledger.deliveredSeqs.add(seq);
    if (lowest === undefined || BigInt(seq) < lowest) ledger.acknowledged.add(seq);
  }
}

type SendClient = { send: (...args: never[]) => Promise<unknown> };

/** One target BatchWriteItem call as the harness saw it (keys and `rev` only: for the diagnosis of a difference). */
interface WriteTrace {
  instance: number;
  sentAt: number;
  doneAt?: number;
  /** The instance had been killed when the response arrived: the call was in flight across the kill. */
  landedAfterKill?: boolean;
  outcome?: string;
  ops: { key: string; type: 'put' | 'delete'; rev?: string }[];
}

/** Records every BatchWriteItem a runner instance sends (who, when, which keys, the answer). */
function traced<C extends SendClient>(
  client: C,
  instance: number,
  dead: () => boolean,
  out: WriteTrace[],
): C {
  const send = (client.send as (...a: unknown[]) => Promise<unknown>).bind(client);
  return {
    send: async (...args: unknown[]) => {
      const input = (args[0] as { input?: { RequestItems?: Record<string, WriteRequestLike[]> } }).input;
      const requests = Object.values(input?.RequestItems ?? {}).flat();
      const entry: WriteTrace = {
        instance,
        sentAt: Date.now(),
        ops: requests.map((r) =>
          r.PutRequest
            ? { key: keyText(r.PutRequest.Item), type: 'put' as const, rev: r.PutRequest.Item.rev?.N }
            : { key: keyText(r.DeleteRequest?.Key ?? {}), type: 'delete' as const },
        ),
      };
      out.push(entry);
      try {
        const result = (await send(...args)) as { UnprocessedItems?: Record<string, WriteRequestLike[]> };
        const held = Object.values(result?.UnprocessedItems ?? {}).flat().length;
        entry.outcome = held > 0 ? `ok, ${held} unprocessed` : 'ok';
        return result;
      } catch (error) {
        entry.outcome = (error as Error).name || 'Error';
        throw error;
      } finally {
        entry.doneAt = Date.now();
        entry.landedAfterKill = dead();
      }
    },
  } as unknown as C;
}

interface WriteRequestLike {
  PutRequest?: { Item: Record<string, AttributeValue> };
  DeleteRequest?: { Key: Record<string, AttributeValue> };
}

const keyText = (item: Record<string, AttributeValue>): string => JSON.stringify(item.pk ?? null);

/** A client whose calls hang forever once `dead()`: a killed process sends nothing more. */
function fenced<C extends SendClient>(client: C, dead: () => boolean): C {
  const send = (client.send as (...a: unknown[]) => Promise<unknown>).bind(client);
  return { send: (...args: unknown[]) => (dead() ? new Promise(() => {}) : send(...args)) } as unknown as C;
}

interface CdcDriverOptions {
  config: ApplyConfig;
  streamArn: string;
  streams: ReturnType<typeof createStreamsClient>;
  target: DynamoDBClient;
  source: DynamoDBClient;
  sqs: NonNullable<ApplyDeps['sqs']>;
  ledger: Ledger;
  dir: string;
  trace: WriteTrace[];
}

class CdcDriver {
  instances = 0;
  hardKills = 0;
  aborts = 0;
  crashes = 0;
  crashErrors: string[] = [];
  /** When each hard-killed instance died (ms since epoch). */
  readonly killedAt = new Map<number, number>();
  private checkpoint: string;

  constructor(private readonly o: CdcDriverOptions) {
    this.checkpoint = this.pathFor(0);
  }

  /** Runs one instance until `due()`, then kills it (hard, or a graceful abort) and moves to a copy of its checkpoint. */
  async runUntil(due: () => boolean, random: () => number): Promise<void> {
    const instance = this.start();
    const outcome = await Promise.race([
      (async () => {
        while (!due()) await sleep(50);
        return 'timer' as const;
      })(),
      instance.done.then(
        () => 'ended' as const,
        (error: unknown) => {
          this.crash(error);
          return 'crashed' as const;
        },
      ),
    ]);
    if (outcome === 'timer') {
      if (random() < 0.6) {
        instance.kill();
        this.hardKills += 1;
      } else {
        instance.abort();
        await instance.done.catch((error: unknown) => this.crash(error));
        this.aborts += 1;
      }
    }
    this.moveCheckpoint();
    await sleep(Math.floor(random() * 500));
  }

  /** Runs instances until one stops because the stream stayed idle (the writer has stopped). */
  async drain(): Promise<void> {
    for (let attempt = 0; attempt < 20; attempt += 1) {
      const instance = this.start({ idleSeconds: 3 });
      try {
        const summary = await instance.done;
        if (summary.stoppedBy === 'idle') return;
      } catch (error) {
        this.crash(error);
      }
      this.moveCheckpoint();
    }
    throw new Error('CDC did not drain after 20 runner starts');
  }

  private crash(error: unknown) {
    this.crashes += 1;
    this.crashErrors.push((error as { code?: string }).code ?? (error as Error).message);
  }

  private pathFor(n: number) {
    return join(this.o.dir, `cdc-checkpoint-${n}.json`);
  }

  /** What a restarted process sees: the checkpoint file as the dead one left it. */
  private moveCheckpoint() {
    const next = this.pathFor(this.instances);
    // The checkpoint and the runner's lease, as the dead process left them: a successor of a hard
    // kill waits until the lease lapses (what `cdc run` does after a crash).
    for (const suffix of ['', '.lease']) {
      if (existsSync(this.checkpoint + suffix)) copyFileSync(this.checkpoint + suffix, next + suffix);
    }
    this.checkpoint = next;
  }

  private start(opts: { idleSeconds?: number } = {}) {
    this.instances += 1;
    let dead = false;
    const isDead = () => dead;
    const abort = new AbortController();
    let last: { counters: ApplyCounters } | undefined;
    const instanceNo = this.instances;
    const inner = createHandler(this.o.config, {
      target: fenced(traced(this.o.target, instanceNo, isDead, this.o.trace), isDead),
      source: fenced(this.o.source, isDead),
      sqs: fenced(this.o.sqs as unknown as SendClient, isDead) as unknown as NonNullable<ApplyDeps['sqs']>,
      onResult: (result) => {
        last = result;
      },
    });
    const handler: StreamHandler = async (event, context) => {
      const response = await inner(event, context);
      if (!dead && last)
        account(this.o.ledger, event.Records ?? [], last.counters, response.batchItemFailures);
      return response;
    };
    const done = runStream({
      streams: fenced(this.o.streams, isDead),
      streamArn: this.o.streamArn,
      handler,
      checkpointFile: this.checkpoint,
      batchSize: BATCH_SIZE,
      pollIntervalMs: 200,
      invocationTimeoutMs: INVOCATION_MS,
      maxBatchRetries: 30,
      signal: abort.signal,
      ...(opts.idleSeconds === undefined ? {} : { stopAfterIdleSeconds: opts.idleSeconds }),
    });
    done.catch(() => {}); // observed by the caller
    return {
      done,
      kill: () => {
        dead = true;
        this.killedAt.set(instanceNo, Date.now());
      },
      abort: () => abort.abort(),
    };
  }
}

/** Throttle storms (every target write throttled for 4-7 s, past an invocation's 3.9 s to start calls) every 6-15 s until `stop()`. */
function startStorms(proxy: FaultProxy, random: () => number, finished: () => boolean) {
  let running = true;
  let count = 0;
  let totalMs = 0;
  const loop = (async () => {
    while (running && !finished()) {
      await sleep(6000 + random() * 9000);
      if (!running || finished()) break;
      const ms = 4000 + random() * 3000;
      proxy.setRules(STORM_RULES);
      await sleep(ms);
      proxy.setRules(BASE_RULES);
      count += 1;
      totalMs += ms;
    }
  })();
  return {
    get count() {
      return count;
    },
    get totalMs() {
      return totalMs;
    },
    async stop() {
      running = false;
      await loop;
    },
  };
}

/** Every sequence number in the stream, read independently of the runner. */
async function readWholeStream(
  streams: ReturnType<typeof createStreamsClient>,
  streamArn: string,
): Promise<StreamEntry[]> {
  const { shards } = await describeAllShards(streams, streamArn);
  const out: StreamEntry[] = [];
  for (const shard of shards) {
    const reader = new ShardReader({ client: streams, streamArn, shardId: shard.shardId, sleep });
    for (;;) {
      const page = await reader.next(1000);
      for (const r of page.records) {
        const seq = r.dynamodb?.SequenceNumber;
        if (seq === undefined) continue;
        const image = r.dynamodb?.NewImage as Item | undefined;
        out.push({
          seq,
          shardId: shard.shardId,
          key: keyText((r.dynamodb?.Keys ?? {}) as Item),
          eventName: r.eventName ?? '?',
          ...(image === undefined ? {} : { image }),
          createdAt: r.dynamodb?.ApproximateCreationDateTime?.getTime(),
        });
      }
      if (page.records.length === 0 || page.ended) break;
    }
  }
  return out;
}

/** One stream record, reduced to what the diagnosis needs. */
interface StreamEntry {
  seq: string;
  shardId: string;
  key: string;
  eventName: string;
  image?: Item;
  createdAt?: number;
}

/**
 * Is the stand-in's stream itself consistent? Sequence numbers unique and rising in shard order,
 * and, per key, the newest record's image equal to the source's current item. If not, no consumer
 * could converge and a difference is the stand-in's, not the product's.
 */
function streamConsistency(records: readonly StreamEntry[], source: readonly Item[]) {
  const seen = new Set<string>();
  let duplicates = 0;
  let outOfOrder = 0;
  for (const [i, r] of records.entries()) {
    if (seen.has(r.seq)) duplicates += 1;
    seen.add(r.seq);
    const prev = records[i - 1];
    if (prev && prev.shardId === r.shardId && BigInt(r.seq) <= BigInt(prev.seq)) outOfOrder += 1;
  }
  const last = new Map<string, StreamEntry>();
  for (const r of records) last.set(r.key, r);
  const current = new Map(source.map((item) => [keyText(item), item]));
  const disagreeing: string[] = [];
  for (const [key, r] of last) {
    const item = current.get(key);
    const agrees =
      r.eventName === 'REMOVE'
        ? item === undefined
        : item !== undefined && r.image !== undefined && itemsEqual(item, r.image);
    if (!agrees) disagreeing.push(key);
  }
  return { duplicates, outOfOrder, disagreeing };
}

/** The history of one key: its stream records and every target write of it, in time order. */
function keyHistory(
  key: string,
  records: readonly StreamEntry[],
  trace: readonly WriteTrace[],
  kills: ReadonlyMap<number, number>,
): string[] {
  const lines: string[] = [];
  for (const [pos, r] of records.entries()) {
    if (r.key === key)
      lines.push(
        `    stream #${pos} seq ${r.seq} ${r.eventName} rev ${r.image?.rev?.N ?? '-'} at ${r.createdAt ?? '?'}`,
      );
  }
  for (const w of trace) {
    for (const op of w.ops) {
      if (op.key !== key) continue;
      const killed = kills.get(w.instance);
      lines.push(
        `    write by instance ${w.instance}${killed === undefined ? '' : ` (killed at +${killed - t0} ms)`}: ${op.type} rev ${op.rev ?? '-'} sent +${w.sentAt - t0} ms, answered +${(w.doneAt ?? 0) - t0} ms: ${w.outcome ?? 'no answer'}${w.landedAfterKill ? ', ANSWERED AFTER ITS INSTANCE WAS KILLED' : ''}`,
      );
    }
  }
  return lines;
}

// ---------------------------------------------------------------------------------------------
// The writer

interface WriterStats {
  ops: number;
  puts: number;
  updates: number;
  newKeyUpdates: number;
  deletes: number;
  missingDeletes: number;
  batches: number;
  transactions: number;
  conditionalPuts: number;
  noopPuts: number;
  errors: Record<string, number>;
  errorSamples: Record<string, string>;
}

const EXPECTED_ERRORS = new Set(['ConditionalCheckFailedException', 'TransactionCanceledException']);

function startWriter(rawClient: DynamoDBClient, table: string, items: Item[]) {
  const client = serializedPerKey(rawClient);
  const random = createPrng(SEED * 7919 + 17);
  const pool = generateItems(300, { seed: SEED + 1000 });
  const keys = items.map((item) => item.pk as AttributeValue);
  const hot = keys.slice(0, Math.max(10, Math.floor(keys.length / 100)));
  const fresh: AttributeValue[] = [];
  const stats: WriterStats = {
    ops: 0,
    puts: 0,
    updates: 0,
    newKeyUpdates: 0,
    deletes: 0,
    missingDeletes: 0,
    batches: 0,
    transactions: 0,
    conditionalPuts: 0,
    noopPuts: 0,
    errors: {},
    errorSamples: {},
  };
  const pick = <T>(values: readonly T[]): T => values[Math.floor(random() * values.length)] as T;
  const newKey = (n: number): AttributeValue => {
    const key = { S: `w${SEED}-${n}` };
    fresh.push(key);
    return key;
  };
  const pickKey = (n: number): AttributeValue => {
    const r = random();
    if (r < 0.7) return pick(hot);
    if (r < 0.9) return pick(keys);
    if (r < 0.97 && fresh.length > 0) return pick(fresh);
    return newKey(n);
  };
  const distinctKeys = (count: number, n: number): AttributeValue[] => {
    const seen = new Map<string, AttributeValue>();
    for (let i = 0; i < count * 3 && seen.size < count; i += 1) {
      const key = pickKey(n * 100 + i);
      seen.set(JSON.stringify(key), key);
    }
    return [...seen.values()];
  };
  const fullItem = (pk: AttributeValue, n: number): Item => {
    const base = pick(pool);
    const item: Item = { ...base, pk, rev: { N: String(n) } };
    if (random() < 0.3) item.alt = { N: pick(['1.0', '1E0', '01', '100', '1.00E2', '0.0']) };
    if (random() < 0.2)
      item.nested = {
        M: {
          b: { B: new Uint8Array([n % 256, 0, 255]) },
          l: { L: [{ BS: [new Uint8Array([1]), new Uint8Array([2, n % 7])] }] },
        },
      };
    return item;
  };

  let transactionsLeft = 25;
  /** `at.kind` names the op for error reports (workers run concurrently, so it is per call). */
  const op = async (n: number, at: { kind: string }): Promise<void> => {
    const r = random();
    if (r < 0.25) {
      at.kind = 'put';
      await client.send(new PutItemCommand({ TableName: table, Item: fullItem(pickKey(n), n) }));
      stats.puts += 1;
    } else if (r < 0.45) {
      at.kind = 'update';
      const reset = random() < 0.05;
      await client.send(
        new UpdateItemCommand({
          TableName: table,
          Key: { pk: pickKey(n) },
          UpdateExpression: reset
            ? 'SET rev = :r, #log = :x REMOVE note'
            : 'SET rev = :r, cnt = if_not_exists(cnt, :z) + :one, #log = list_append(if_not_exists(#log, :e), :x), note = :note ADD tags :t',
          ExpressionAttributeNames: { '#log': 'log' },
          ExpressionAttributeValues: reset
            ? { ':r': { N: `${n}.50` }, ':x': { L: [{ N: String(n) }] } }
            : {
                ':r': { N: `${n}.50` },
                ':z': { N: '0' },
                ':one': { N: '1' },
                ':e': { L: [] },
                ':x': { L: [{ N: String(n) }, { B: new Uint8Array([n % 256]) }] },
                ':note': { S: `update ${n} ✓` },
                ':t': { SS: [`t${n % 5}`] },
              },
        }),
      );
      stats.updates += 1;
    } else if (r < 0.5) {
      at.kind = 'new-key update';
      // UpdateItem on a key that does not exist: moto emits INSERT {pk} then INSERT {pk, ...}.
      await client.send(
        new UpdateItemCommand({
          TableName: table,
          Key: { pk: newKey(n) },
          UpdateExpression: 'SET v = :v, bin = :b',
          ExpressionAttributeValues: {
            ':v': { N: '12345678901234567890123456789012345678' },
            ':b': { B: new Uint8Array([n % 256, 1]) },
          },
        }),
      );
      stats.newKeyUpdates += 1;
    } else if (r < 0.65) {
      at.kind = 'delete';
      await client.send(new DeleteItemCommand({ TableName: table, Key: { pk: pickKey(n) } }));
      stats.deletes += 1;
    } else if (r < 0.68) {
      at.kind = 'missing delete';
      await client.send(new DeleteItemCommand({ TableName: table, Key: { pk: { S: `missing-${n}` } } }));
      stats.missingDeletes += 1;
    } else if (r < 0.78) {
      at.kind = 'batch';
      const batch = distinctKeys(2 + Math.floor(random() * 9), n);
      await client.send(
        new BatchWriteItemCommand({
          RequestItems: {
            [table]: batch.map((pk, i) =>
              random() < 0.7
                ? { PutRequest: { Item: fullItem(pk, n * 100 + i) } }
                : { DeleteRequest: { Key: { pk } } },
            ),
          },
        }),
      );
      stats.batches += 1;
    } else if (r < 0.79 && transactionsLeft > 0) {
      at.kind = 'transaction';
      // Few: moto deep-copies the whole table (stream included) for every TransactWriteItems,
      // which grows its memory by gigabytes and stalls everything on a long stream.
      transactionsLeft -= 1;
      const [a, b, c] = distinctKeys(3, n);
      if (a && b && c) {
        await client.send(
          new TransactWriteItemsCommand({
            TransactItems: [
              { Put: { TableName: table, Item: fullItem(a, n) } },
              {
                Update: {
                  TableName: table,
                  Key: { pk: b },
                  UpdateExpression: 'SET rev = :r',
                  ExpressionAttributeValues: { ':r': { N: `-${n}` } },
                },
              },
              { Delete: { TableName: table, Key: { pk: c } } },
            ],
          }),
        );
      }
      stats.transactions += 1;
    } else if (r < 0.85) {
      at.kind = 'conditional put';
      stats.conditionalPuts += 1;
      await client.send(
        new PutItemCommand({
          TableName: table,
          Item: fullItem(pick(hot), n),
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
    } else {
      at.kind = 'no-op put';
      // Put the current item again unchanged: moto emits a MODIFY with identical images.
      const key = pickKey(n);
      const current = await client.send(new GetItemCommand({ TableName: table, Key: { pk: key } }));
      if (current.Item) await client.send(new PutItemCommand({ TableName: table, Item: current.Item }));
      else await client.send(new PutItemCommand({ TableName: table, Item: fullItem(key, n) }));
      stats.noopPuts += 1;
    }
  };

  let next = 0;
  let running = true;
  let finished = false;
  const startedAt = Date.now();
  const worker = async () => {
    while (running && next < OPS) {
      const n = next;
      next += 1;
      const at = { kind: '' };
      try {
        await op(n, at);
      } catch (error) {
        const name = (error as Error).name || 'Error';
        const label = `${at.kind} ${name}`;
        stats.errors[label] = (stats.errors[label] ?? 0) + 1;
        if (!EXPECTED_ERRORS.has(name)) stats.errorSamples[name] ??= (error as Error).message.slice(0, 60);
      }
      stats.ops += 1;
    }
  };
  const done = Promise.all(Array.from({ length: WRITERS }, worker)).then(() => {
    finished = true;
  });
  return {
    stats,
    startedAt,
    done,
    hotKeys: hot.length,
    get finished() {
      return finished;
    },
    async stop() {
      running = false;
      await done;
    },
  };
}

/**
 * The writer's client, with writes of one key serialized (a write waits for the key's write in
 * flight). DynamoDB serializes writes of an item and its stream follows that order; moto does
 * neither: two concurrent writes of one key can land in its table in one order and in its stream in
 * the other (seen: a new-key UpdateItem racing an update of the same key left moto's table without
 * the attribute its newest stream record carries), which no consumer can converge on. Writes of
 * different keys stay concurrent, and so do hot keys across the writer's workers.
 */
function serializedPerKey(client: DynamoDBClient): DynamoDBClient {
  const held = new Map<string, Promise<void>>();
  const send = client.send.bind(client) as (command: unknown) => Promise<unknown>;
  const keysOf = (input: Record<string, unknown>): string[] => {
    const out: unknown[] = [];
    if (input.Item) out.push((input.Item as Item).pk);
    if (input.Key) out.push((input.Key as Item).pk);
    for (const requests of Object.values((input.RequestItems ?? {}) as Record<string, WriteRequestLike[]>)) {
      for (const r of requests) out.push(r.PutRequest?.Item.pk ?? r.DeleteRequest?.Key.pk);
    }
    for (const t of (input.TransactItems ?? []) as Record<string, { Item?: Item; Key?: Item }>[]) {
      for (const part of Object.values(t)) out.push(part.Item?.pk ?? part.Key?.pk);
    }
    return [...new Set(out.filter((k) => k !== undefined).map((k) => JSON.stringify(k)))];
  };
  return {
    send: async (command: { input: Record<string, unknown> }) => {
      if (command.constructor.name === 'GetItemCommand') return send(command);
      const keys = keysOf(command.input);
      for (;;) {
        const busy = keys.map((k) => held.get(k)).filter((p) => p !== undefined);
        if (busy.length === 0) break;
        await Promise.all(busy);
      }
      let release: () => void = () => {};
      const mine = new Promise<void>((resolve) => {
        release = resolve;
      });
      for (const k of keys) held.set(k, mine);
      try {
        return await send(command);
      } finally {
        for (const k of keys) if (held.get(k) === mine) held.delete(k);
        release();
      }
    },
  } as unknown as DynamoDBClient;
}

function describeWriter(s: WriterStats): string {
  return `${fmt(s.puts)} puts, ${fmt(s.updates)} updates, ${fmt(s.newKeyUpdates)} updates of new keys, ${fmt(s.deletes)} deletes, ${fmt(s.missingDeletes)} deletes of missing keys, ${fmt(s.batches)} batches, ${fmt(s.transactions)} transactions, ${fmt(s.conditionalPuts)} conditional puts, ${fmt(s.noopPuts)} no-op puts`;
}

function describeErrors(errors: Record<string, number>): string {
  const entries = Object.entries(errors);
  return entries.length === 0 ? 'none' : entries.map(([name, n]) => `${name} ${n}`).join(', ');
}

// ---------------------------------------------------------------------------------------------
// Helpers

type Counts = ReturnType<FaultProxy['stats']>['total'];

function describeFaults(c: Counts | undefined): string {
  if (!c) return 'no requests';
  const injected = c.throttled + c.errors + c.dropped + c.droppedAfterForward + c.partial;
  return `${fmt(c.requests)} requests, ${fmt(c.throttled)} throttled (${((100 * c.throttled) / Math.max(1, c.requests)).toFixed(0)}%), ${fmt(c.errors)} 5xx, ${fmt(c.dropped)} dropped, ${fmt(c.droppedAfterForward)} dropped after moto applied, ${fmt(c.partial)} partial (${fmt(c.heldBack)} held back); ${fmt(injected)} injected`;
}

function subtract(a: Counts, b: Counts | undefined): Counts {
  const out = { ...a };
  for (const k of Object.keys(out) as (keyof Counts)[]) out[k] = a[k] - (b?.[k] ?? 0);
  return out;
}

async function cli(args: string[], env: NodeJS.ProcessEnv) {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (d) => {
    out += String(d);
  });
  stderr.on('data', (d) => {
    err += String(d);
  });
  const code = await runCli(args, { stdout, stderr, env });
  return { code, stdout: out, stderr: err };
}

interface StateView {
  stream?: { streamArn?: string };
  export?: { exportTime?: string };
}

function readState(stateDir: string): StateView {
  const file = readdirSync(stateDir).find((f) => f.endsWith('.json') && !f.includes('checkpoint'));
  if (!file) throw new Error(`no migration state in ${stateDir}`);
  return JSON.parse(readFileSync(join(stateDir, file), 'utf8')) as StateView;
}

function parseJson(text: string): Record<string, number> | undefined {
  try {
    const data = JSON.parse(text) as { data?: Record<string, number> } & Record<string, number>;
    return data.data ?? data;
  } catch {
    return undefined;
  }
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(
      `reliability failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exitCode = 3;
  },
);
