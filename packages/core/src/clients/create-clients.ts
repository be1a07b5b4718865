import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import { S3Client } from '@aws-sdk/client-s3';
import { STSClient } from '@aws-sdk/client-sts';
import type { AwsSideConfig } from './aws-side-config.js';
import { sideClientConfig } from './side-client-config.js';

/**
 * A DynamoDB client for one side.
 *
 * @example
 * const target = createDynamoDbClient({ region: 'eu-west-1', credentials: assumeRoleCredentials(source, { roleArn }) });
 */
export function createDynamoDbClient(side: AwsSideConfig): DynamoDBClient {
  return new DynamoDBClient(sideClientConfig(side));
}

/** A DynamoDB Streams client for one side. */
export function createStreamsClient(side: AwsSideConfig): DynamoDBStreamsClient {
  return new DynamoDBStreamsClient(sideClientConfig(side));
}

/**
 * An S3 client for one side. With a custom endpoint it uses path-style addressing (local
 * stand-ins have no per-bucket DNS) and computes/validates checksums only when required
 * (S3-compatible stores do not all support the SDK's default CRC32 checksums). A bucket in another
 * Region than the side's is followed (S3 answers 301 there), since the export bucket may live anywhere.
 */
export function createS3Client(side: AwsSideConfig): S3Client {
  return new S3Client({
    ...sideClientConfig(side),
    followRegionRedirects: true,
    ...(side.endpoint === undefined
      ? {}
      : {
          forcePathStyle: true,
          requestChecksumCalculation: 'WHEN_REQUIRED' as const,
          responseChecksumValidation: 'WHEN_REQUIRED' as const,
        }),
  });
}

/** An STS client for one side (GetCallerIdentity in preflight). */
export function createStsClient(side: AwsSideConfig): STSClient {
  return new STSClient(sideClientConfig(side));
}
