import {
  type IncomingHttpHeaders,
  type IncomingMessage,
  request as httpRequest,
  type ServerResponse,
  createServer,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import { crc32 } from 'node:zlib';
import { errorResponse, type InjectedErrorKind, type InjectedResponse } from './fault-responses.js';
import { splitBatch } from './partial-batch.js';
import { createPrng } from './prng.js';
import { identifyOperation, type RequestOperation } from './request-operation.js';

/** One fault rule. The first rule whose `service`/`operation` match a request applies to it. */
export interface FaultRule {
  /** Operation name(s) to match, e.g. `'BatchWriteItem'`; any when omitted. */
  operation?: string | string[];
  /** Service to match: `dynamodb`, `dynamodbstreams`, `s3`, `sqs`, `sts`, ...; any when omitted. */
  service?: string;
  /** Share of requests answered with a throttling error. */
  throttleRate?: number;
  /** Which throttling error. Default `ProvisionedThroughputExceededException` (S3: 503 SlowDown). */
  throttleError?: 'ProvisionedThroughputExceededException' | 'ThrottlingException';
  /** Share of requests answered with a 5xx error. */
  errorRate?: number;
  /** Which 5xx: 500 InternalServerError, 503 ServiceUnavailable, or both alternately at random. Default 500. */
  errorStatus?: 500 | 503 | 'mixed';
  /** Share of requests whose connection is destroyed before forwarding (the call never reaches moto). */
  dropRate?: number;
  /** Share of requests forwarded, then whose connection is destroyed (moto applied it; the client sees a reset). */
  dropAfterForwardRate?: number;
  /** Added latency per matching request, in ms. */
  latencyMs?: number;
  /** BatchWriteItem/BatchGetItem: share of calls turned into partial successes. */
  partialRate?: number;
  /** Share of a partial call's requests/keys held back as unprocessed (at least one). Default 0.5. */
  partialFraction?: number;
  /** Stop injecting (forward normally) after this many injections by this rule. */
  maxInjections?: number;
}

/** Counters of one operation (or of all). */
export interface FaultCounts {
  requests: number;
  forwarded: number;
  throttled: number;
  errors: number;
  dropped: number;
  droppedAfterForward: number;
  partial: number;
  /** Requests/keys returned as UnprocessedItems/UnprocessedKeys. */
  heldBack: number;
  delayed: number;
  /** Requests answered by the `authorize` hook instead of being forwarded (e.g. an AccessDeniedException). */
  denied: number;
}

/** What the proxy did, in total and per operation name. */
export interface FaultProxyStats {
  total: FaultCounts;
  byOperation: Record<string, FaultCounts>;
}

/** What the `authorize` hook of {@link FaultProxyOptions} sees of a request. */
export interface AuthorizeRequest {
  /** As in {@link FaultRule.service}: `dynamodb`, `dynamodbstreams`, `s3`, ... */
  service: string;
  /** API operation name, e.g. `PutItem` (`unknown` for REST APIs the proxy does not name, e.g. Lambda's). */
  operation: string;
  /** The HTTP method, e.g. `POST`. */
  method: string;
  /** The request's URL path and query, e.g. `/2015-03-31/event-source-mappings/?FunctionName=f`. */
  path: string;
  headers: IncomingHttpHeaders;
  /** The request body, unchanged. */
  body: Buffer;
}

/**
 * Decides whether a request may go on: a response to send instead of forwarding it (counted as
 * `denied`), or `undefined` to let the fault rules and moto handle it.
 */
export type AuthorizeHook = (
  request: AuthorizeRequest,
) => Promise<InjectedResponse | undefined> | InjectedResponse | undefined;

/** Options of {@link startFaultProxy}. */
export interface FaultProxyOptions {
  /** Where to forward, e.g. `motoEndpoint()`. Must be a loopback http URL. */
  target: string;
  rules?: FaultRule[];
  /** PRNG seed for every injection decision. Default 1. */
  seed?: number;
  /**
   * Consulted for every request before the fault rules (e.g. `createPolicyEnforcer(...).authorize`);
   * a returned response is sent instead of forwarding. None by default.
   */
  authorize?: AuthorizeHook;
}

/** A running fault proxy. */
export interface FaultProxy {
  /** `http://127.0.0.1:<port>`: give it to SDK clients as `endpoint`. */
  endpoint: string;
  stats(): FaultProxyStats;
  /** Replaces the rules (and resets their injection counts); e.g. `setRules([])` to stop injecting. */
  setRules(rules: FaultRule[]): void;
  /** Replaces the `authorize` hook; `undefined` removes it. */
  setAuthorize(authorize: AuthorizeHook | undefined): void;
  close(): Promise<void>;
}

function emptyCounts(): FaultCounts {
  return {
    requests: 0,
    forwarded: 0,
    throttled: 0,
    errors: 0,
    dropped: 0,
    droppedAfterForward: 0,
    partial: 0,
    heldBack: 0,
    delayed: 0,
    denied: 0,
  };
}

function matches(rule: FaultRule, op: RequestOperation): boolean {
  if (rule.service && rule.service !== op.service) return false;
  if (rule.operation === undefined) return true;
  const ops = Array.isArray(rule.operation) ? rule.operation : [rule.operation];
  return ops.includes(op.operation);
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

interface Forwarded {
  status: number;
  headers: Record<string, string | string[]>;
  body: Buffer;
}

function forward(target: URL, req: IncomingMessage, body: Buffer): Promise<Forwarded> {
  const headers = { ...req.headers };
  headers['content-length'] = String(body.length);
  delete headers['transfer-encoding'];
  return new Promise((resolve, reject) => {
    const out = httpRequest(
      {
        hostname: target.hostname,
        port: target.port,
        method: req.method,
        path: req.url,
        headers,
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 502,
            headers: res.headers as Record<string, string | string[]>,
            body: Buffer.concat(chunks),
          }),
        );
        res.on('error', reject);
      },
    );
    out.on('error', reject);
    out.end(body);
  });
}

function send(
  res: ServerResponse,
  status: number,
  headers: Record<string, string | string[]>,
  body: Buffer | string,
) {
  const buf = typeof body === 'string' ? Buffer.from(body) : body;
  const h = { ...headers };
  delete h['transfer-encoding'];
  delete h.connection;
  h['content-length'] = String(buf.length);
  res.writeHead(status, h);
  res.end(buf);
}

function mergeUnprocessed(
  forwarded: Forwarded | undefined,
  field: 'UnprocessedItems' | 'UnprocessedKeys',
  unprocessed: Record<string, unknown>,
): Forwarded {
  const base: Record<string, unknown> = forwarded ? JSON.parse(forwarded.body.toString('utf8')) : {};
  if (field === 'UnprocessedKeys' && !base.Responses) base.Responses = {};
  base[field] = { ...((base[field] as Record<string, unknown>) ?? {}), ...unprocessed };
  const body = Buffer.from(JSON.stringify(base));
  const headers: Record<string, string | string[]> = forwarded
    ? { ...forwarded.headers }
    : { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-requestid': 'FAULTPROXY-PARTIAL' };
  // The body changed: keep DynamoDB's CRC32 header truthful.
  headers['x-amz-crc32'] = String(crc32(body));
  delete headers['content-encoding'];
  return { status: 200, headers, body };
}

/**
 * Starts an HTTP proxy on 127.0.0.1 (free port) that forwards requests unchanged (body bytes and
 * headers) to `target` and, per matching rule, injects AWS-shaped throttles and 5xx errors, dropped
 * connections, latency, and partial BatchWriteItem/BatchGetItem results (moto never returns
 * UnprocessedItems). Decisions come from a seeded PRNG. An `authorize` hook (e.g. a
 * `createPolicyEnforcer`) may answer a request itself before any rule applies.
 *
 * @example
 * const proxy = await startFaultProxy({ target: motoEndpoint(), rules: [{ operation: 'BatchWriteItem', throttleRate: 0.3 }], seed: 7 });
 * const ddb = new DynamoDBClient({ ...side, endpoint: proxy.endpoint });
 * // ... proxy.stats().byOperation.BatchWriteItem.throttled
 * await proxy.close();
 */
export async function startFaultProxy(opts: FaultProxyOptions): Promise<FaultProxy> {
  const target = new URL(opts.target);
  if (target.protocol !== 'http:' || !['127.0.0.1', 'localhost', '[::1]'].includes(target.hostname)) {
    throw new Error(`Fault proxy target must be a loopback http URL, got ${opts.target}`);
  }
  const random = createPrng(opts.seed ?? 1);
  let rules = opts.rules ?? [];
  let authorize = opts.authorize;
  let injections = new Map<FaultRule, number>();
  const total = emptyCounts();
  const byOperation: Record<string, FaultCounts> = {};
  const count = (op: string, field: keyof FaultCounts, n = 1) => {
    byOperation[op] ??= emptyCounts();
    byOperation[op][field] += n;
    total[field] += n;
  };
  const canInject = (rule: FaultRule) =>
    (injections.get(rule) ?? 0) < (rule.maxInjections ?? Number.POSITIVE_INFINITY);
  const injected = (rule: FaultRule) => injections.set(rule, (injections.get(rule) ?? 0) + 1);
  const roll = (rate: number | undefined) => rate !== undefined && rate > 0 && random() < rate;

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const body = await readBody(req);
    const op = identifyOperation(req.method ?? 'GET', req.url ?? '/', req.headers, body);
    const name = op.operation;
    count(name, 'requests');
    if (authorize) {
      const answer = await authorize({
        service: op.service,
        operation: name,
        method: req.method ?? 'GET',
        path: req.url ?? '/',
        headers: req.headers,
        body,
      });
      if (answer) {
        count(name, 'denied');
        send(res, answer.status, answer.headers, answer.body);
        return;
      }
    }
    const rule = rules.find((r) => matches(r, op));

    if (rule?.latencyMs) {
      count(name, 'delayed');
      await new Promise((r) => setTimeout(r, rule.latencyMs));
    }
    if (rule && canInject(rule)) {
      if (roll(rule.dropRate)) {
        injected(rule);
        count(name, 'dropped');
        req.socket.destroy();
        return;
      }
      let kind: InjectedErrorKind | undefined;
      if (roll(rule.throttleRate)) {
        kind = rule.throttleError ?? 'ProvisionedThroughputExceededException';
        count(name, 'throttled');
      } else if (roll(rule.errorRate)) {
        const status =
          rule.errorStatus === 'mixed' ? (random() < 0.5 ? 500 : 503) : (rule.errorStatus ?? 500);
        kind = status === 503 ? 'ServiceUnavailable' : 'InternalServerError';
        count(name, 'errors');
      }
      if (kind) {
        injected(rule);
        const r: InjectedResponse = errorResponse(op, kind);
        send(res, r.status, r.headers, r.body);
        return;
      }
      if (
        (name === 'BatchWriteItem' || name === 'BatchGetItem') &&
        op.service === 'dynamodb' &&
        roll(rule.partialRate)
      ) {
        const split = splitBatch(name, body, rule.partialFraction ?? 0.5, random);
        if (split) {
          injected(rule);
          count(name, 'partial');
          count(name, 'heldBack', split.heldBack);
          let forwarded: Forwarded | undefined;
          if (split.forwardBody !== undefined) {
            forwarded = await forward(target, req, Buffer.from(split.forwardBody));
            count(name, 'forwarded');
            if (forwarded.status !== 200) {
              send(res, forwarded.status, forwarded.headers, forwarded.body);
              return;
            }
          }
          const field = name === 'BatchWriteItem' ? 'UnprocessedItems' : 'UnprocessedKeys';
          const merged = mergeUnprocessed(forwarded, field, split.unprocessed);
          send(res, merged.status, merged.headers, merged.body);
          return;
        }
      }
    }
    const forwarded = await forward(target, req, body);
    count(name, 'forwarded');
    if (rule && canInject(rule) && roll(rule.dropAfterForwardRate)) {
      injected(rule);
      count(name, 'droppedAfterForward');
      req.socket.destroy();
      return;
    }
    send(res, forwarded.status, forwarded.headers, forwarded.body);
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      send(res, 502, { 'content-type': 'text/plain' }, `fault proxy: ${String(err)}`);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    stats: () => structuredClone({ total, byOperation }),
    setRules: (next) => {
      rules = next;
      injections = new Map();
    },
    setAuthorize: (next) => {
      authorize = next;
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };
}
