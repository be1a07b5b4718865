import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createPrng } from '../prng.js';
import { createSimClock, type SimClock } from './sim-clock.js';
import { SimServiceError } from './sim-errors.js';
import { DEFAULT_RETENTION_MS, DEFAULT_ROLLOVER_MS, StreamStore } from './stream-store.js';
import { StreamsOperations } from './streams-operations.js';
import type { AppendResult, SimRecordInput, SimShard, SimStream, SimStreamViewType } from './stream-types.js';

/** Options of {@link startStreamsSim}; every default is AWS's documented or observed value. */
export interface StreamsSimOptions {
  /** Seed of every random choice (splits, empty pages, IDs). Default 1. */
  seed?: number;
  /** The clock; default a manual {@link createSimClock}. */
  clock?: SimClock;
  region?: string;
  accountId?: string;
  tableName?: string;
  /** Default `pk` HASH. */
  keySchema?: { AttributeName: string; KeyType: 'HASH' | 'RANGE' }[];
  streamViewType?: SimStreamViewType;
  /** Shard rollover by age; 0 disables. Default 4 h. */
  rolloverEveryMs?: number;
  /** Shard rollover after this many records; 0 (default) disables. */
  rolloverEveryRecords?: number;
  /** Chance that a rollover splits into two children. Default 0. */
  splitChance?: number;
  /** Delay before a closed shard's children are listed. Default 0. */
  childListingDelayMs?: number;
  /** Default 24 h. */
  retentionMs?: number;
  /** Default 15 min. */
  iteratorTtlMs?: number;
  /** Share of GetRecords calls on open shards that come back empty although records wait. Default 0. */
  emptyPageRate?: number;
  /** DescribeStream calls per second of sim clock. Default 10. */
  describeLimitPerSecond?: number;
  initialShards?: number;
}

/** Counters of what the sim served. */
export interface StreamsSimStats {
  requests: Record<string, number>;
  errors: Record<string, number>;
  appended: number;
  dropped: number;
}

/** A running simulated DynamoDB Streams endpoint. */
export interface StreamsSim {
  /** `http://127.0.0.1:<port>`: the `endpoint` of a DynamoDBStreamsClient. */
  endpoint: string;
  /** The current stream's ARN (a new one after disable + enable). */
  readonly streamArn: string;
  clock: SimClock;
  /** Appends a change; undefined (dropped) while the stream is disabled. */
  append(record: SimRecordInput): AppendResult | undefined;
  /** Closes open shards now (all, or one), each with one child or, with `split`, two. */
  rollover(options?: { shardId?: string; split?: boolean }): SimShard[];
  disableStream(): void;
  /** Enables a new stream and returns its (new) ARN. */
  enableStream(): string;
  /** The streams as the sim holds them (after applying the clock), for assertions. */
  streams(): readonly SimStream[];
  setEmptyPageRate(rate: number): void;
  stats(): StreamsSimStats;
  close(): Promise<void>;
}

const TARGET_PREFIX = 'DynamoDBStreams_20120810.';

/**
 * Starts a simulated DynamoDB Streams endpoint on 127.0.0.1 (a free port) that real SDK clients
 * talk to over the JSON 1.0 protocol, with shard rollover and splits, late child listing,
 * trimming, iterator expiry, empty pages, DescribeStream throttling and disable/re-enable. See the
 * README's table for the AWS source of each behaviour.
 *
 * @example
 * const sim = await startStreamsSim({ rolloverEveryRecords: 50, splitChance: 0.5, seed: 7 });
 * const streams = new DynamoDBStreamsClient({ ...sourceSide(), endpoint: sim.endpoint });
 * sim.append({ eventName: 'INSERT', keys: { pk: { S: 'a' } }, newImage: { pk: { S: 'a' } } });
 */
export async function startStreamsSim(options: StreamsSimOptions = {}): Promise<StreamsSim> {
  const clock = options.clock ?? createSimClock();
  const random = createPrng(options.seed ?? 1);
  const region = options.region ?? 'us-east-1';
  const store = new StreamStore({
    now: clock.now,
    random,
    region,
    accountId: options.accountId ?? '123456789012',
    tableName: options.tableName ?? 'sim-table',
    keySchema: options.keySchema ?? [{ AttributeName: 'pk', KeyType: 'HASH' }],
    streamViewType: options.streamViewType ?? 'NEW_AND_OLD_IMAGES',
    rolloverEveryMs: options.rolloverEveryMs ?? DEFAULT_ROLLOVER_MS,
    rolloverEveryRecords: options.rolloverEveryRecords ?? 0,
    splitChance: options.splitChance ?? 0,
    childListingDelayMs: options.childListingDelayMs ?? 0,
    retentionMs: options.retentionMs ?? DEFAULT_RETENTION_MS,
    initialShards: options.initialShards ?? 1,
  });
  const apiOptions = {
    now: clock.now,
    random,
    region,
    iteratorTtlMs: options.iteratorTtlMs ?? 15 * 60_000,
    emptyPageRate: options.emptyPageRate ?? 0,
    describeLimitPerSecond: options.describeLimitPerSecond ?? 10,
  };
  const operations = new StreamsOperations(store, apiOptions);
  const stats: StreamsSimStats = { requests: {}, errors: {}, appended: 0, dropped: 0 };
  let requestCounter = 0;

  const respond = (res: ServerResponse, status: number, body: string) => {
    requestCounter += 1;
    res.writeHead(status, {
      'content-type': 'application/x-amz-json-1.0',
      'x-amzn-requestid': `STREAMSSIM${String(requestCounter).padStart(10, '0')}`,
      'content-length': Buffer.byteLength(body),
    });
    res.end(body);
  };

  const serve = async (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const target = String(req.headers['x-amz-target'] ?? '');
    const operation = target.startsWith(TARGET_PREFIX) ? target.slice(TARGET_PREFIX.length) : target;
    stats.requests[operation] = (stats.requests[operation] ?? 0) + 1;
    try {
      const text = Buffer.concat(chunks).toString('utf8');
      const input = text.length === 0 ? {} : JSON.parse(text);
      respond(res, 200, JSON.stringify(operations.handle(operation, input)));
    } catch (error) {
      const failure =
        error instanceof SimServiceError
          ? error
          : new SimServiceError('InternalServerError', `streams sim: ${(error as Error).message}`);
      stats.errors[failure.type] = (stats.errors[failure.type] ?? 0) + 1;
      respond(res, failure.status, failure.toBody());
    }
  };

  const server = createServer((req, res) => {
    // Loopback only: the sim is a test fixture, never a listener for other hosts.
    const remote = req.socket.remoteAddress ?? '';
    if (remote !== '127.0.0.1' && remote !== '::1' && remote !== '::ffff:127.0.0.1') {
      req.socket.destroy();
      return;
    }
    serve(req, res).catch(() => req.socket.destroy());
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return {
    endpoint: `http://127.0.0.1:${port}`,
    get streamArn() {
      return store.latest.streamArn;
    },
    clock,
    append(record) {
      const result = store.append(record);
      if (result) stats.appended += 1;
      else stats.dropped += 1;
      return result;
    },
    rollover: (opts) => {
      store.tick();
      return store.rollover(opts);
    },
    disableStream: () => {
      store.tick();
      store.disable();
    },
    enableStream: () => store.enable().streamArn,
    streams: () => {
      store.tick();
      return store.streams();
    },
    setEmptyPageRate: (rate) => {
      apiOptions.emptyPageRate = rate;
    },
    stats: () => structuredClone(stats),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
