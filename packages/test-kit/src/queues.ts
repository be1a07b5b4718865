import { CreateQueueCommand, GetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { uniqueName } from './names.js';

/** A queue created by {@link createQueue}. */
export interface CreatedQueue {
  name: string;
  url: string;
  arn: string;
}

/**
 * Creates an SQS queue (unique name unless given) and returns its name, URL and ARN.
 * moto looks queues up by name in the caller's account, whatever account the URL names.
 */
export async function createQueue(
  sqs: SQSClient,
  opts: { name?: string; fifo?: boolean; attributes?: Record<string, string> } = {},
): Promise<CreatedQueue> {
  const base = opts.name ?? uniqueName('q');
  const name = opts.fifo && !base.endsWith('.fifo') ? `${base}.fifo` : base;
  const attributes = { ...(opts.fifo ? { FifoQueue: 'true' } : {}), ...opts.attributes };
  const out = await sqs.send(new CreateQueueCommand({ QueueName: name, Attributes: attributes }));
  const url = out.QueueUrl as string;
  const attrs = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }),
  );
  return { name, url, arn: attrs.Attributes?.QueueArn as string };
}
