import { GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import {
  AwsCallError,
  type AwsSideConfig,
  PreflightError,
  sdkErrorName,
  sideClientConfig,
} from '@ddb-migrate/core';

// bootstrap builds its CloudFormation clients with core's builder through this module.
export { sideClientConfig };

/** An SQS client for a side (the CDC dead-letter queue is in the source account, or the target with `migrate --cdc-account target`). */
export function createSqsClient(side: AwsSideConfig): SQSClient {
  return new SQSClient(sideClientConfig(side));
}

/** The names SQS gives a queue that does not exist (JSON and query protocols). */
const NO_SUCH_QUEUE = /QueueDoesNotExist|NonExistentQueue/;

/**
 * Checks, reading only, that the dead-letter queue `queueUrl` exists before a command relies on
 * it: a missing queue is bad input (PreflightError `QUEUE_NOT_FOUND`, exit 2) naming the URL and
 * the flag, not a raw QueueDoesNotExist in the middle of the run.
 */
export async function assertQueueExists(
  sqs: Pick<SQSClient, 'send'>,
  queueUrl: string,
  flag: string,
): Promise<void> {
  try {
    await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }));
  } catch (error) {
    if (NO_SUCH_QUEUE.test(sdkErrorName(error) ?? '')) {
      throw new PreflightError('QUEUE_NOT_FOUND', `The queue ${queueUrl} (${flag}) does not exist`, {
        hint: `Check ${flag}: the CDC dead-letter queue is the source stack's DlqUrl output (aws sqs list-queues lists the account's queues)`,
        cause: error,
      });
    }
    throw new AwsCallError('GetQueueAttributes', error, {
      hint: `Allow sqs:GetQueueAttributes on ${queueUrl} and check ${flag}`,
    });
  }
}
