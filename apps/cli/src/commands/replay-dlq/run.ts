import {
  ChangeMessageVisibilityCommand,
  DeleteMessageCommand,
  type Message,
  ReceiveMessageCommand,
} from '@aws-sdk/client-sqs';
import type { DeadLetterMessage } from '@ddb-migrate/cdc-lambda';
import {
  ConfigError,
  createDynamoDbClient,
  createStreamsClient,
  describeSdkError,
  fromDynamoJson,
} from '@ddb-migrate/core';
import type { CliContext } from '../../context.js';
import { BatchTrimmedError } from '../../errors.js';
import { ExitCode } from '../../exit-codes.js';
import { type GlobalOptions, readNumber, type SourceTargetOptions } from '../../options.js';
import type { CommandResult } from '../../output.js';
import { assertQueueExists, createSqsClient } from '../../side-clients.js';
import { resolveSides } from '../../sides.js';
import { type EsmFailureMessage, parseMessage, tableNameFromStreamArn } from './parse-message.js';
import { readBatchKeys } from './read-batch-keys.js';
import { resyncKeys } from './resync-keys.js';

/** Typed options of `ddb-migrate replay-dlq` (numbers as given: run.ts reads them with readNumber). */
export interface ReplayDlqCliOptions extends GlobalOptions, SourceTargetOptions {
  /** `--dlq-url`, also accepted as `--queue-url` (this command's earlier name) and `--queue`. */
  dlqUrl: string;
  maxMessages?: unknown;
  stableAttempts: unknown;
  visibilityTimeout: unknown;
  streamReadSeconds: unknown;
  /** The account of the queue: `source` (the seed's layout) or `target` (`migrate --cdc-account target`). */
  cdcAccount?: unknown;
}

/**
 * The queue's account: `--cdc-account` if given, else `target` when the queue URL names the target
 * account (the layout of `migrate --cdc-account target`), else `source`.
 */
export function queueAccount(
  options: Pick<ReplayDlqCliOptions, 'cdcAccount' | 'targetAccountId'>,
  queueUrl: string,
): 'source' | 'target' {
  const given = options.cdcAccount;
  if (given !== undefined) {
    if (given === 'source' || given === 'target') return given;
    throw new ConfigError(`--cdc-account must be one of source, target (got ${String(given)})`, {
      hint: 'Pass --cdc-account target when the queue is in the target account',
    });
  }
  const account = /\/(\d{12})\/[^/]+$/.exec(queueUrl)?.[1];
  return account !== undefined && account === options.targetAccountId ? 'target' : 'source';
}

/** Where a message's changes are in the stream (ESM batches). */
interface BatchRef {
  streamArn: string;
  shardId: string;
  startSequenceNumber: string;
  endSequenceNumber: string;
}

/** A message left in the queue because its keys could not be re-synced. */
export type FailedMessage = { error: string } & (
  | { kind: 'engine-record'; sequenceNumber?: string }
  | ({ kind: 'esm-batch' } & BatchRef)
);

/** What `replay-dlq` prints with --output json. */
export interface ReplayDlqResult {
  queueUrl: string;
  received: number;
  /** Keys re-synced over all messages (a key of several ESM batches counts once per batch). */
  resynced: number;
  puts: number;
  deletes: number;
  /** The CDC engine's whole-record messages whose key was re-synced (and the message deleted). */
  engineRecords: { resynced: number };
  /** Lambda ESM on-failure batches re-read from the stream, re-synced and deleted. */
  esmBatches: { resynced: number; records: number; keys: number };
  /** ESM batches whose records are gone from the stream; left in the queue. */
  trimmed: (BatchRef & { reason: string; remedy: string })[];
  /** Messages that could not be handled; left in the queue (they reappear after the visibility timeout). */
  failed: FailedMessage[];
  /** Messages that are neither (not JSON, another producer); left in the queue. */
  unsupported: number;
}

const TRIMMED_REMEDY =
  "run 'ddb-migrate verify --repair' with the same source and target flags (it re-syncs every differing key), then delete the message";

/**
 * Drains the dead-letter queue and re-syncs from the source's current items (read consistently,
 * write the target, re-read until stable), deleting each message once handled:
 * - the CDC engine's whole-record messages: the record's key;
 * - a Lambda event source mapping's metadata-only OnFailure records: the distinct keys of the
 *   batch's records, re-read from the stream (AT_SEQUENCE_NUMBER start, up to the end).
 * A message is deleted only when all of its keys are known and stable in the target: an ESM batch
 * only after its re-read reached its endSequenceNumber or `batchSize` records (a partial re-read,
 * bounded by --stream-read-seconds, is reported and kept). Records of another table's stream than
 * --source-table-name are refused in both kinds. Messages that fail, batches already trimmed from
 * the stream, and unknown messages stay in the queue. Exit 0 when every message was handled, 3 when
 * some failed, were partial or were trimmed.
 */
export async function runReplayDlq(
  options: ReplayDlqCliOptions,
  ctx: CliContext,
): Promise<CommandResult<ReplayDlqResult>> {
  const queueUrl = options.dlqUrl;
  if (!/^https?:\/\//.test(queueUrl)) {
    throw new ConfigError(`--dlq-url "${queueUrl}" is not an SQS queue URL`, {
      hint: 'Use the form https://sqs.<region>.amazonaws.com/<account>/<queue>',
    });
  }
  const maxMessages = readNumber(options.maxMessages, '--max-messages', { min: 1, integer: true });
  const stableAttempts =
    readNumber(options.stableAttempts, '--stable-attempts', { min: 1, integer: true }) ?? 5;
  const visibilityTimeout =
    readNumber(options.visibilityTimeout, '--visibility-timeout', { min: 0, max: 43_200, integer: true }) ??
    120;
  const streamReadSeconds =
    readNumber(options.streamReadSeconds, '--stream-read-seconds', { min: 0, aboveMin: true }) ?? 60;
  const account = queueAccount(options, queueUrl);
  const sides = resolveSides(options, ctx.env);
  const sqs = createSqsClient(account === 'target' ? sides.target : sides.source);
  const streams = createStreamsClient(sides.source);
  const source = { client: createDynamoDbClient(sides.source), tableName: options.sourceTableName };
  const target = {
    client: createDynamoDbClient(sides.target),
    tableName: options.targetTableName ?? options.sourceTableName,
  };
  const result: ReplayDlqResult = {
    queueUrl,
    received: 0,
    resynced: 0,
    puts: 0,
    deletes: 0,
    engineRecords: { resynced: 0 },
    esmBatches: { resynced: 0, records: 0, keys: 0 },
    trimmed: [],
    failed: [],
    unsupported: 0,
  };
  const seen = new Set<string>();
  const limit = maxMessages ?? Number.POSITIVE_INFINITY;
  await assertQueueExists(sqs, queueUrl, '--dlq-url');

  while (result.received < limit) {
    const out = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: Math.min(10, limit - result.received),
        WaitTimeSeconds: 1,
        VisibilityTimeout: visibilityTimeout,
      }),
    );
    const messages = (out.Messages ?? []).filter((m) => m.MessageId && !seen.has(m.MessageId));
    if (messages.length === 0) break;
    for (const message of messages) seen.add(message.MessageId as string);
    result.received += messages.length;
    await Promise.all(messages.map((message) => handleMessage(message)));
  }

  async function handleMessage(message: Message): Promise<void> {
    const stop = keepInvisible(message);
    try {
      await handleParsed(message);
    } finally {
      stop();
    }
  }

  /**
   * Extends the message's visibility every half timeout while its keys are re-synced, so a long
   * batch (up to 10,000 keys) is not handed to another consumer mid-way.
   */
  function keepInvisible(message: Message): () => void {
    const timer = setInterval(
      () => {
        sqs
          .send(
            new ChangeMessageVisibilityCommand({
              QueueUrl: queueUrl,
              ReceiptHandle: message.ReceiptHandle,
              VisibilityTimeout: visibilityTimeout,
            }),
          )
          .catch((error: unknown) =>
            ctx.logger.warn('could not extend the message visibility', {
              messageId: message.MessageId,
              error: (error as Error).message,
            }),
          );
      },
      Math.max(1000, (visibilityTimeout * 1000) / 2),
    );
    timer.unref();
    return () => clearInterval(timer);
  }

  async function handleParsed(message: Message): Promise<void> {
    const parsed = parseMessage(message.Body);
    if (parsed.kind === 'engine-record') return handleEngineRecord(message, parsed.message);
    if (parsed.kind === 'esm-batch') return handleEsmBatch(message, parsed.message);
    result.unsupported += 1;
    ctx.logger.warn('message is neither a CDC dead letter nor an ESM on-failure record; left in the queue', {
      messageId: message.MessageId,
    });
  }

  async function deleteMessage(message: Message): Promise<void> {
    await sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: message.ReceiptHandle }));
  }

  async function handleEngineRecord(message: Message, dead: DeadLetterMessage): Promise<void> {
    const sequenceNumber = dead.record.dynamodb?.SequenceNumber;
    const fail = (error: string) => {
      result.failed.push({
        kind: 'engine-record',
        ...(sequenceNumber === undefined ? {} : { sequenceNumber }),
        error,
      });
      ctx.logger.warn('key not re-synced; message left in the queue', { sequenceNumber, error });
    };
    try {
      const foreign = otherTable(dead.record.eventSourceARN);
      if (foreign !== undefined) return fail(foreign);
      const key = fromDynamoJson(dead.record.dynamodb?.Keys);
      const outcome = await resyncKeys(source, target, [key], stableAttempts);
      count(outcome);
      if (outcome.failed > 0) return fail(outcome.firstError ?? 'not re-synced');
      await deleteMessage(message);
      result.engineRecords.resynced += 1;
      ctx.logger.debug('key re-synced', { sequenceNumber });
    } catch (error) {
      fail(describeSdkError(error));
    }
  }

  async function handleEsmBatch(message: Message, failure: EsmFailureMessage): Promise<void> {
    const { streamArn, shardId, startSequenceNumber, endSequenceNumber } = failure.batch;
    const ref: BatchRef = { streamArn, shardId, startSequenceNumber, endSequenceNumber };
    const fields = { shardId, startSequenceNumber, endSequenceNumber };
    const fail = (error: string) => {
      result.failed.push({ kind: 'esm-batch', ...ref, error });
      ctx.logger.warn('ESM batch not re-synced; message left in the queue', { ...fields, error });
    };
    try {
      const foreign = otherTable(streamArn);
      if (foreign !== undefined) return fail(foreign);
      const batch = await readBatchKeys(streams, failure.batch, { readMs: streamReadSeconds * 1000 });
      // A partial read's keys are re-synced too (harmless, and it helps), but the batch may hold
      // keys not read yet: the message stays and comes back after its visibility timeout.
      const outcome = await resyncKeys(source, target, batch.keys, stableAttempts);
      count(outcome);
      if (!batch.complete) {
        return fail(`${batch.reason}; message left in the queue: run replay-dlq again, or ${TRIMMED_REMEDY}`);
      }
      if (outcome.failed > 0) {
        return fail(`${outcome.failed} of ${batch.keys.length} keys not re-synced: ${outcome.firstError}`);
      }
      await deleteMessage(message);
      result.esmBatches.resynced += 1;
      result.esmBatches.records += batch.records;
      result.esmBatches.keys += batch.keys.length;
      ctx.logger.debug('ESM batch re-synced', { ...fields, records: batch.records, keys: batch.keys.length });
    } catch (error) {
      if (error instanceof BatchTrimmedError) {
        result.trimmed.push({ ...ref, reason: error.reason, remedy: TRIMMED_REMEDY });
        ctx.logger.warn('ESM batch no longer in the stream; message left in the queue', fields);
        return;
      }
      fail(describeSdkError(error));
    }
  }

  /**
   * Why a record from this stream ARN is refused: it names another table than --source-table-name
   * (a name, or an ARN ending in `:table/<name>`). Undefined when it is this table's, or unknown.
   * The same rule for the engine's dead letters and the ESM's batches.
   */
  function otherTable(streamArn: string | undefined): string | undefined {
    const table = streamArn === undefined ? undefined : tableNameFromStreamArn(streamArn);
    if (table === undefined || table === source.tableName || source.tableName.endsWith(`:table/${table}`)) {
      return undefined;
    }
    return `the record is from table ${table}'s stream, not --source-table-name ${source.tableName}`;
  }

  function count(outcome: { puts: number; deletes: number }): void {
    result.puts += outcome.puts;
    result.deletes += outcome.deletes;
    result.resynced += outcome.puts + outcome.deletes;
  }

  return { data: result, text: renderText(result), exitCode: exitCodeOf(result) };
}

function exitCodeOf(result: ReplayDlqResult): number {
  return result.failed.length > 0 || result.trimmed.length > 0 ? ExitCode.Failure : ExitCode.Ok;
}

function renderText(result: ReplayDlqResult): string {
  const { engineRecords, esmBatches } = result;
  const lines = [
    `replay-dlq: ${result.received} messages, ${result.resynced} keys re-synced (${result.puts} put, ${result.deletes} deleted)`,
    `  engine records re-synced: ${engineRecords.resynced}`,
    `  ESM batches re-synced: ${esmBatches.resynced} (${esmBatches.keys} keys from ${esmBatches.records} records)`,
  ];
  if (result.trimmed.length > 0) lines.push(`  trimmed: ${result.trimmed.length}`);
  if (result.failed.length > 0) lines.push(`  failed: ${result.failed.length}`);
  if (result.unsupported > 0) lines.push(`  ${result.unsupported} unsupported messages left in the queue`);
  for (const t of result.trimmed) {
    lines.push(
      `trimmed: ESM batch ${t.startSequenceNumber}..${t.endSequenceNumber} of ${t.shardId}: its records are no longer in the stream (${t.reason}), so its changes may be missing from the target; message left in the queue. Remedy: ${TRIMMED_REMEDY}`,
    );
  }
  for (const f of result.failed) {
    const what =
      f.kind === 'engine-record'
        ? `record ${f.sequenceNumber ?? '?'}`
        : `ESM batch ${f.startSequenceNumber}..${f.endSequenceNumber} of ${f.shardId}`;
    lines.push(`not re-synced: ${what}: ${f.error}`);
  }
  return lines.join('\n');
}
