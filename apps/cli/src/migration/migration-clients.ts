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
} from '@ddb-migrate/core';

/** Every SDK client a migration uses; built once from the two sides, destroyed at the end. */
export interface MigrationClients {
  sourceDdb: DynamoDBClient;
  sourceStreams: DynamoDBStreamsClient;
  sourceSts: STSClient;
  sourceLambda: LambdaClient;
  sourceSqs: SQSClient;
  targetDdb: DynamoDBClient;
  targetS3: S3Client;
  targetSts: STSClient;
  destroy(): void;
}

/** Builds the clients (the CDC function and its queue live in the source account, as in the seed). */
export function createMigrationClients(source: AwsSideConfig, target: AwsSideConfig): MigrationClients {
  const clients = {
    sourceDdb: createDynamoDbClient(source),
    sourceStreams: createStreamsClient(source),
    sourceSts: createStsClient(source),
    sourceLambda: new LambdaClient(plainConfig(source)),
    sourceSqs: new SQSClient(plainConfig(source)),
    targetDdb: createDynamoDbClient(target),
    targetS3: createS3Client(target),
    targetSts: createStsClient(target),
  };
  return {
    ...clients,
    destroy() {
      for (const c of Object.values(clients)) c.destroy();
    },
  };
}

function plainConfig(side: AwsSideConfig) {
  return {
    region: side.region,
    ...(side.endpoint === undefined ? {} : { endpoint: side.endpoint }),
    ...(side.maxAttempts === undefined ? {} : { maxAttempts: side.maxAttempts }),
    ...(side.credentials === undefined ? {} : { credentials: side.credentials }),
    ...(side.profile === undefined || side.credentials !== undefined ? {} : { profile: side.profile }),
  };
}
