import { DeleteMessageCommand, type Message, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import type { DeadLetterMessage } from '@ddb-migrate/cdc-lambda';
import { ConfigError, createDynamoDbClient, fromDynamoJson } from '@ddb-migrate/core';
import type { CliContext } from '../../context.js';
import { ExitCode } from '../../exit-codes.js';
import type { CommandResult } from '../../output.js';
import { createSqsClient } from '../../side-clients.js';
import { resolveSides } from '../../sides.js';
import type { ReplayDlqCliOptions } from './command.js';
import { resyncKey } from './resync-key.js';

/** What `replay-dlq` prints with --output json. */
export interface ReplayDlqResult {
  queueUrl: string;
  received: number;
  resynced: number;
  puts: number;
  deletes: number;
  /** Keys that could not be re-synced; their messages stay in the queue. */
  failed: { sequenceNumber?: string; error: string }[];
  /** Messages that carry no record (e.g. Lambda's metadata-only OnFailure); left in the queue. */
  unsupported: number;
}

/**
 * Drains the dead-letter queue: for each CDC failure message, re-sync its key from the source's
 * current item (read consistently, write the target, re-read until stable) and delete the
 * message; messages that fail stay in the queue (they reappear after the visibility timeout).
 * Exit 0 when every message was handled, 3 when some keys could not be re-synced.
 */
export async function runReplayDlq(
  options: ReplayDlqCliOptions,
  ctx: CliContext,
): Promise<CommandResult<ReplayDlqResult>> {
  if (!/^https?:\/\//.test(options.queueUrl)) {
    throw new ConfigError(`--queue-url "${options.queueUrl}" is not an SQS queue URL`);
  }
  const sides = resolveSides(options, ctx.env);
  const sqs = createSqsClient(sides.source);
  const source = { client: createDynamoDbClient(sides.source), tableName: options.sourceTableName };
  const target = {
    client: createDynamoDbClient(sides.target),
    tableName: options.targetTableName ?? options.sourceTableName,
  };
  const result: ReplayDlqResult = {
    queueUrl: options.queueUrl,
    received: 0,
    resynced: 0,
    puts: 0,
    deletes: 0,
    failed: [],
    unsupported: 0,
  };
  const seen = new Set<string>();
  const limit = options.maxMessages ?? Number.POSITIVE_INFINITY;

  while (result.received < limit) {
    const out = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: options.queueUrl,
        MaxNumberOfMessages: Math.min(10, limit - result.received),
        WaitTimeSeconds: 1,
        VisibilityTimeout: options.visibilityTimeout,
      }),
    );
    const messages = (out.Messages ?? []).filter((m) => m.MessageId && !seen.has(m.MessageId));
    if (messages.length === 0) break;
    for (const message of messages) seen.add(message.MessageId as string);
    result.received += messages.length;
    await Promise.all(messages.map((message) => handleMessage(message)));
  }

  async function handleMessage(message: Message): Promise<void> {
    const parsed = parseMessage(message.Body);
    if (parsed === undefined) {
      result.unsupported += 1;
      ctx.logger.warn('message carries no CDC record; left in the queue', { messageId: message.MessageId });
      return;
    }
    const sequenceNumber = parsed.record.dynamodb?.SequenceNumber;
    try {
      const key = fromDynamoJson(parsed.record.dynamodb?.Keys);
      const outcome = await resyncKey(source, target, key, options.stableAttempts);
      await sqs.send(
        new DeleteMessageCommand({ QueueUrl: options.queueUrl, ReceiptHandle: message.ReceiptHandle }),
      );
      result.resynced += 1;
      if (outcome === 'put') result.puts += 1;
      else result.deletes += 1;
      ctx.logger.debug('key re-synced', { sequenceNumber, outcome });
    } catch (error) {
      const text = `${(error as Error).name}: ${(error as Error).message}`;
      result.failed.push({ ...(sequenceNumber === undefined ? {} : { sequenceNumber }), error: text });
      ctx.logger.warn('key not re-synced; message left in the queue', { sequenceNumber, error: text });
    }
  }

  const lines = [
    `replay-dlq: ${result.received} messages, ${result.resynced} keys re-synced (${result.puts} put, ${result.deletes} deleted)`,
  ];
  if (result.unsupported > 0)
    lines.push(`  ${result.unsupported} messages without a record left in the queue`);
  for (const f of result.failed) lines.push(`  not re-synced: record ${f.sequenceNumber ?? '?'}: ${f.error}`);
  return {
    data: result,
    text: lines.join('\n'),
    exitCode: result.failed.length > 0 ? ExitCode.Failure : ExitCode.Ok,
  };
}

/** The CDC handler's dead-letter body; undefined for anything else. */
function parseMessage(body: string | undefined): DeadLetterMessage | undefined {
  try {
    const parsed = JSON.parse(body ?? '') as Partial<DeadLetterMessage>;
    if (parsed.kind === 'ddb-migrate.cdc.failed-record' && parsed.record?.dynamodb?.Keys) {
      return parsed as DeadLetterMessage;
    }
  } catch {
    // not JSON: unsupported
  }
  return undefined;
}
