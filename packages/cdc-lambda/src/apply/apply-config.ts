import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { batchWrite, KeyNames, Logger } from '@ddb-migrate/core';
import type { TtlDeletesMode } from '../config/cdc-config.js';

/** What the apply engine needs to know; built once (cold start) and passed to every batch. */
export interface ApplyConfig {
  /** TableName for writes: the target table's name (assumed role) or ARN (resource policy). */
  targetTableId: string;
  /** Records with ApproximateCreationDateTime strictly before this (epoch s) are skipped. None: apply all. */
  cutoffEpochSeconds?: number;
  ttlDeletes: TtlDeletesMode;
  /** Source table (name or ARN) for fetch-on-change; default: the table of the record's eventSourceARN. */
  sourceTableArn?: string;
  /** Queue for records that can never be applied; without it such records block (never dropped). */
  dlqUrl?: string;
  /** Target key names; default: derived from the records' Keys. */
  keyNames?: KeyNames;
  /** BatchWriteItem calls in flight. Default 8. */
  concurrency?: number;
  /** Writer attempts per op within one pass. Default 15. */
  maxAttempts?: number;
  /** Passes over still-failing keys within the time budget. Default 3. */
  maxPasses?: number;
  /** Time kept back from the invocation's remaining time for reporting. Default: 20% of it, 1-10 s. */
  safetyMarginMs?: number;
  /**
   * Bound of one request, in ms; set it to the clients' request timeout. The engine aborts a
   * request still running after it and starts none later than `requestTimeoutMs + safety margin`
   * before the invocation ends, so no write is in flight after the invocation returns. Default 5000.
   */
  requestTimeoutMs?: number;
}

/** Clients and hooks the engine uses; injected so tests and the local runner can supply their own. */
export interface ApplyDeps {
  target: Pick<DynamoDBClient, 'send'>;
  /** Source reads for fetch-on-change. */
  source?: Pick<DynamoDBClient, 'send'>;
  sqs?: Pick<SQSClient, 'send'>;
  logger?: Logger;
  /** Default: core's `batchWrite`. */
  writeBatch?: typeof batchWrite;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

/** Counters of one batch. Every record lands in exactly one of skipped, coalesced, applied, failed, dlq. */
export interface ApplyCounters {
  records: number;
  /** skippedByCutoff + skippedTtlDeletes + skippedGoneAtSource. */
  skipped: number;
  /** Records of keys whose every record in the batch is older than the cutoff. */
  skippedByCutoff: number;
  /** TTL deletes left out in skip mode. */
  skippedTtlDeletes: number;
  /**
   * TTL_DELETES=skip with fetch-on-change: keys left unwritten because the source item is gone
   * after their newest record (a user delete arrives as its own REMOVE record and deletes the key
   * then; a TTL delete is not replicated).
   */
  skippedGoneAtSource: number;
  /** Records superseded by a later record of the same key in the batch. */
  coalesced: number;
  /** Keys written (one deciding record each). */
  applied: number;
  /** Keys still failing: reported as batch item failures. */
  failed: number;
  /** Records parked in the dead-letter queue. */
  dlq: number;
  /** Keys whose current item was read from the source (KEYS_ONLY / OLD_IMAGE streams). */
  fetched: number;
  ttlDeletesReplicated: number;
  writeCalls: number;
  writeRetries: number;
  throttles: number;
  /** Newest ApproximateCreationDateTime in the batch, epoch seconds. */
  newestCreatedAt?: number;
}

/** Engine output: the Lambda response plus counters for metrics and progress. */
export interface ApplyResult {
  batchItemFailures: { itemIdentifier: string }[];
  counters: ApplyCounters;
}
