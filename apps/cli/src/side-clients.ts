import { SQSClient } from '@aws-sdk/client-sqs';
import { type AwsSideConfig, sideClientConfig } from '@ddb-migrate/core';

// bootstrap builds its CloudFormation clients with core's builder through this module.
export { sideClientConfig };

/** An SQS client for a side (the CDC dead-letter queue lives in the source account). */
export function createSqsClient(side: AwsSideConfig): SQSClient {
  return new SQSClient(sideClientConfig(side));
}
