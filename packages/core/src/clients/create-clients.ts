import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import { S3Client } from '@aws-sdk/client-s3';
import { STSClient } from '@aws-sdk/client-sts';
import { fromIni } from '@aws-sdk/credential-providers';
import type {
  AwsCredentialIdentity,
  AwsCredentialIdentityProvider,
  AwsSideConfig,
} from './aws-side-config.js';
import { createHttpHandler } from './http-handler.js';

/**
 * The credentials a side signs with: explicit `credentials` first, then `profile` (fromIni),
 * otherwise `undefined` so the SDK's default provider chain applies.
 */
export function sideCredentials(
  side: AwsSideConfig,
): AwsCredentialIdentityProvider | AwsCredentialIdentity | undefined {
  if (side.credentials !== undefined) return side.credentials;
  if (side.profile !== undefined) return fromIni({ profile: side.profile });
  return undefined;
}

/** Client options shared by every service client built from a side. */
export function baseClientConfig(side: AwsSideConfig) {
  const credentials = sideCredentials(side);
  return {
    region: side.region,
    ...(side.endpoint === undefined ? {} : { endpoint: side.endpoint }),
    ...(side.maxAttempts === undefined ? {} : { maxAttempts: side.maxAttempts }),
    ...(side.retryMode === undefined ? {} : { retryMode: side.retryMode }),
    ...(credentials === undefined ? {} : { credentials }),
    requestHandler: createHttpHandler(side),
  };
}

/**
 * A DynamoDB client for one side.
 *
 * @example
 * const target = createDynamoDbClient({ region: 'eu-west-1', credentials: assumeRoleCredentials(source, { roleArn }) });
 */
export function createDynamoDbClient(side: AwsSideConfig): DynamoDBClient {
  return new DynamoDBClient(baseClientConfig(side));
}

/** A DynamoDB Streams client for one side. */
export function createStreamsClient(side: AwsSideConfig): DynamoDBStreamsClient {
  return new DynamoDBStreamsClient(baseClientConfig(side));
}

/**
 * An S3 client for one side. With a custom endpoint it uses path-style addressing (local
 * stand-ins have no per-bucket DNS) and computes/validates checksums only when required
 * (S3-compatible stores do not all support the SDK's default CRC32 checksums). A bucket in another
 * Region than the side's is followed (S3 answers 301 there), since the export bucket may live anywhere.
 */
export function createS3Client(side: AwsSideConfig): S3Client {
  return new S3Client({
    ...baseClientConfig(side),
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
  return new STSClient(baseClientConfig(side));
}
