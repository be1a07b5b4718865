import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import { type AwsSideConfig, assumeRoleCredentials, createDynamoDbClient, type Env } from '@ddb-migrate/core';
import type { ApplyConfig } from './apply/apply-config.js';
import { type CdcLambdaConfig, regionFromArn } from './config/cdc-config.js';

/** The Lambda's clients: target writes, source reads (fetch-on-change), the dead-letter queue. */
export interface LambdaClients {
  target: DynamoDBClient;
  source: DynamoDBClient;
  sqs: SQSClient;
}

/**
 * Per-request timeout of the DynamoDB clients. A write must not outlive its invocation: Lambda
 * retries a timed-out batch, and a stale write landing after the retry's could regress an item.
 * The engine stops starting calls a safety margin (1-10 s, 20% of the time left) before the
 * deadline; with a function timeout of 30 s or more that margin covers this timeout.
 */
export const LAMBDA_REQUEST_TIMEOUT_MS = 5_000;

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
  });
  const sqs = new SQSClient({ region: queueRegion(config.dlqUrl) ?? ownRegion, ...endpoint });
  return { target, source, sqs };
}

/** The apply engine's config from the Lambda's config. */
export function toApplyConfig(config: CdcLambdaConfig): ApplyConfig {
  return {
    targetTableId: config.targetTableId,
    cutoffEpochSeconds: config.cutoffEpochSeconds,
    ttlDeletes: config.ttlDeletes,
    dlqUrl: config.dlqUrl,
    ...(config.sourceTableArn === undefined ? {} : { sourceTableArn: config.sourceTableArn }),
  };
}

/** `https://sqs.<region>.amazonaws.com/...` -> region. */
function queueRegion(url: string): string | undefined {
  return /^https:\/\/sqs\.([a-z0-9-]+)\.amazonaws\.com/.exec(url)?.[1];
}
