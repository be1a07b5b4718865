import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { AwsSideConfig } from './aws-side-config.js';

/** Default socket pool per client: enough for the batch writer's default concurrency plus headroom. */
export const DEFAULT_MAX_SOCKETS = 64;

/**
 * An HTTP handler with keep-alive agents and a socket pool sized for parallel batches. Node's
 * default agent would otherwise open and close a TLS connection per request under load.
 */
export function createHttpHandler(
  side: Pick<AwsSideConfig, 'maxSockets' | 'connectionTimeoutMs' | 'requestTimeoutMs'>,
): NodeHttpHandler {
  const maxSockets = side.maxSockets ?? DEFAULT_MAX_SOCKETS;
  const agentOptions = { keepAlive: true, maxSockets, keepAliveMsecs: 1000 };
  return new NodeHttpHandler({
    httpAgent: new HttpAgent(agentOptions),
    httpsAgent: new HttpsAgent(agentOptions),
    connectionTimeout: side.connectionTimeoutMs ?? 5000,
    ...(side.requestTimeoutMs === undefined
      ? {}
      : { requestTimeout: side.requestTimeoutMs, throwOnRequestTimeout: true }),
  });
}
