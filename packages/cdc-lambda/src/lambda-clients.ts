import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import {
  type AwsSideConfig,
  assumeRoleCredentials,
  createDynamoDbClient,
  createHttpHandler,
  type Env,
} from '@ddb-migrate/core';
import type { ApplyConfig } from './apply/apply-config.js';
import { DEFAULT_REQUEST_TIMEOUT_MS } from './apply/time-budget.js';
import { type CdcLambdaConfig, regionFromArn } from './config/cdc-config.js';

/** The Lambda's clients: target writes, source reads (fetch-on-change), the dead-letter queue. */
export interface LambdaClients {
  target: DynamoDBClient;
  source: DynamoDBClient;
  sqs: SQSClient;
}

/**
 * Per-request timeout of the clients, handed to the engine as `requestTimeoutMs`. A write must not
 * outlive its invocation: Lambda retries a timed-out batch, and a stale write landing after the
 * retry's could regress an item. The guarantee: a write of an invocation is never in flight after
 * the invocation returns; every request is bounded by the request timeout, which is inside the
 * safety margin. The engine starts no request later than request timeout + safety margin (1-10 s,
 * 20% of the time left) before the invocation ends and aborts one still running after the
 * timeout. The DynamoDB clients make one attempt per send (`maxAttempts: 1`): the engine retries
 * itself, with backoff and jitter, so SDK retries cannot stretch a send past this bound.
 */
export const LAMBDA_REQUEST_TIMEOUT_MS = DEFAULT_REQUEST_TIMEOUT_MS;

/** One attempt per send: retries belong to the engine, which knows the invocation's deadline. */
const SDK_MAX_ATTEMPTS = 1;

/**
 * Builds the clients from the validated config. The target signs with TARGET_ROLE_ARN's
 * credentials (cached, refreshed before expiry) when set, otherwise with the function's own role
 * against the target table's ARN (the target table's resource policy grants it).
 */
export function createLambdaClients(config: CdcLambdaConfig, env: Env): LambdaClients {
  const ownRegion = env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? config.targetRegion;
  const endpoint = config.endpoint === undefined ? {} : { endpoint: config.endpoint };
  const own: AwsSideConfig = { region: ownRegion, ...endpoint };
  const target = createDynamoDbClient({
    region: config.targetRegion,
    ...endpoint,
    requestTimeoutMs: LAMBDA_REQUEST_TIMEOUT_MS,
    maxAttempts: SDK_MAX_ATTEMPTS,
    ...(config.targetRoleArn === undefined
      ? {}
      : {
          credentials: assumeRoleCredentials(own, {
            roleArn: config.targetRoleArn,
            sessionName: 'ddb-migrate-cdc',
          }),
        }),
  });
  const sourceRegion = (config.sourceTableArn && regionFromArn(config.sourceTableArn)) || ownRegion;
  const source = createDynamoDbClient({
    region: sourceRegion,
    ...endpoint,
    requestTimeoutMs: LAMBDA_REQUEST_TIMEOUT_MS,
    maxAttempts: SDK_MAX_ATTEMPTS,
  });
  // The engine does not retry SQS itself, so its client keeps the SDK's retries; the engine bounds
  // each send as a whole by the request timeout.
  const sqs = new SQSClient({
    region: queueRegion(config.dlqUrl) ?? ownRegion,
    ...endpoint,
    requestHandler: createHttpHandler({ maxSockets: 8, requestTimeoutMs: LAMBDA_REQUEST_TIMEOUT_MS }),
  });
  return { target, source, sqs };
}

/** The apply engine's config from the Lambda's config. */
export function toApplyConfig(config: CdcLambdaConfig): ApplyConfig {
  return {
    targetTableId: config.targetTableId,
    cutoffEpochSeconds: config.cutoffEpochSeconds,
    ttlDeletes: config.ttlDeletes,
    dlqUrl: config.dlqUrl,
    requestTimeoutMs: LAMBDA_REQUEST_TIMEOUT_MS,
    ...(config.sourceTableArn === undefined ? {} : { sourceTableArn: config.sourceTableArn }),
  };
}

/** `https://sqs.<region>.amazonaws.com/...` -> region. */
function queueRegion(url: string): string | undefined {
  return /^https:\/\/sqs\.([a-z0-9-]+)\.amazonaws\.com/.exec(url)?.[1];
}
