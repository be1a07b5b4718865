import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import { LambdaClient } from '@aws-sdk/client-lambda';
import type { S3Client } from '@aws-sdk/client-s3';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { STSClient } from '@aws-sdk/client-sts';
import {
  type AwsSideConfig,
  createDynamoDbClient,
  createS3Client,
  createStreamsClient,
  createStsClient,
  sideClientConfig,
} from '@ddb-migrate/core';

/**
 * Every SDK client a migration calls, as `send` only (the CDC engine's deps do the same), so tests
 * can pass fakes. The CDC function and its queue live in the source account, as in the seed.
 */
export interface MigrationClients {
  sourceDdb: Pick<DynamoDBClient, 'send'>;
  sourceStreams: Pick<DynamoDBStreamsClient, 'send'>;
  sourceSts: Pick<STSClient, 'send'>;
  sourceLambda: Pick<LambdaClient, 'send'>;
  sourceSqs: Pick<SQSClient, 'send'>;
  targetDdb: Pick<DynamoDBClient, 'send'>;
  targetS3: Pick<S3Client, 'send'>;
  targetSts: Pick<STSClient, 'send'>;
}

/**
 * Core's `describeSourceTable` and `applyPostCreateSettings` declare a whole DynamoDBClient but
 * only call `send`: this hands them an injected client without changing anything at run time.
 */
export function asDynamoDbClient(client: Pick<DynamoDBClient, 'send'>): DynamoDBClient {
  return client as DynamoDBClient;
}

/** The clients of one run, and how to release the ones built here. */
export interface OpenClients {
  clients: MigrationClients;
  /** Destroys the clients built here (injected ones belong to the caller). */
  destroy(): void;
}

/**
 * The injected clients, and for every one missing a client built from its side with core's
 * factories. `maxSockets` sizes the keep-alive pool of clients built here (a side's own
 * `maxSockets` wins).
 */
export function openClients(
  sides: { source: AwsSideConfig; target: AwsSideConfig },
  injected: Partial<MigrationClients> = {},
  maxSockets?: number,
): OpenClients {
  const built: { destroy(): void }[] = [];
  const tune = (side: AwsSideConfig): AwsSideConfig =>
    maxSockets === undefined || side.maxSockets !== undefined ? side : { ...side, maxSockets };
  const source = tune(sides.source);
  const target = tune(sides.target);
  const pick = <K extends keyof MigrationClients, C extends MigrationClients[K] & { destroy(): void }>(
    key: K,
    build: () => C,
  ): MigrationClients[K] => {
    const given = injected[key];
    if (given !== undefined) return given;
    const client = build();
    built.push(client);
    return client;
  };
  const clients: MigrationClients = {
    sourceDdb: pick('sourceDdb', () => createDynamoDbClient(source)),
    sourceStreams: pick('sourceStreams', () => createStreamsClient(source)),
    sourceSts: pick('sourceSts', () => createStsClient(source)),
    sourceLambda: pick('sourceLambda', () => new LambdaClient(sideClientConfig(source))),
    sourceSqs: pick('sourceSqs', () => new SQSClient(sideClientConfig(source))),
    targetDdb: pick('targetDdb', () => createDynamoDbClient(target)),
    targetS3: pick('targetS3', () => createS3Client(target)),
    targetSts: pick('targetSts', () => createStsClient(target)),
  };
  return {
    clients,
    destroy() {
      for (const c of built) c.destroy();
    },
  };
}
