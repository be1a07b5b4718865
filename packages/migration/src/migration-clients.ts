import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import { KMSClient } from '@aws-sdk/client-kms';
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
 * can pass fakes. The CDC function and its queue live in the source account (the seed's layout) or,
 * with `cdcAccount: 'target'`, in the target account: {@link cdcSideClients} picks them.
 */
export interface MigrationClients {
  sourceDdb: Pick<DynamoDBClient, 'send'>;
  sourceStreams: Pick<DynamoDBStreamsClient, 'send'>;
  sourceSts: Pick<STSClient, 'send'>;
  sourceLambda: Pick<LambdaClient, 'send'>;
  sourceSqs: Pick<SQSClient, 'send'>;
  /** Which key encrypts the source table (an AWS managed key cannot be read across accounts). */
  sourceKms: Pick<KMSClient, 'send'>;
  targetDdb: Pick<DynamoDBClient, 'send'>;
  targetS3: Pick<S3Client, 'send'>;
  targetSts: Pick<STSClient, 'send'>;
  targetLambda: Pick<LambdaClient, 'send'>;
  targetSqs: Pick<SQSClient, 'send'>;
}

/** The account of the CDC function, its queue and mapping (the seed's layout: `source`). */
export type CdcAccount = 'source' | 'target';

/** The Lambda and SQS clients of the account that holds the CDC function, its queue and mapping. */
export function cdcSideClients(
  clients: Pick<MigrationClients, 'sourceLambda' | 'sourceSqs' | 'targetLambda' | 'targetSqs'>,
  account: CdcAccount,
): { lambda: Pick<LambdaClient, 'send'>; sqs: Pick<SQSClient, 'send'> } {
  return account === 'target'
    ? { lambda: clients.targetLambda, sqs: clients.targetSqs }
    : { lambda: clients.sourceLambda, sqs: clients.sourceSqs };
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
    sourceKms: pick('sourceKms', () => new KMSClient(sideClientConfig(source))),
    targetDdb: pick('targetDdb', () => createDynamoDbClient(target)),
    targetS3: pick('targetS3', () => createS3Client(target)),
    targetSts: pick('targetSts', () => createStsClient(target)),
    targetLambda: pick('targetLambda', () => new LambdaClient(sideClientConfig(target))),
    targetSqs: pick('targetSqs', () => new SQSClient(sideClientConfig(target))),
  };
  return {
    clients,
    destroy() {
      for (const c of built) c.destroy();
    },
  };
}
