import { SQSClient } from '@aws-sdk/client-sqs';
import { type AwsSideConfig, sideCredentials } from '@ddb-migrate/core';

/**
 * Plain SDK client config for a side, for the services core has no factory for (SQS,
 * CloudFormation): region, endpoint, the side's credentials (explicit, else its profile, else the
 * default chain) and its SDK attempts. No custom HTTP handler: these clients make few calls.
 *
 * @example
 * const cfn = new CloudFormationClient(sideClientConfig(sides.target));
 */
export function sideClientConfig(side: AwsSideConfig) {
  const credentials = sideCredentials(side);
  return {
    region: side.region,
    ...(side.endpoint === undefined ? {} : { endpoint: side.endpoint }),
    ...(credentials === undefined ? {} : { credentials }),
    ...(side.maxAttempts === undefined ? {} : { maxAttempts: side.maxAttempts }),
  };
}

/** An SQS client for a side (the CDC dead-letter queue lives in the source account). */
export function createSqsClient(side: AwsSideConfig): SQSClient {
  return new SQSClient(sideClientConfig(side));
}
