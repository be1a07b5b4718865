import type { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';

/** A stream record exactly as Lambda delivers it (wire JSON, creation time in epoch seconds). */
export interface EsmRecord {
  eventID?: string;
  eventName?: 'INSERT' | 'MODIFY' | 'REMOVE';
  eventVersion?: string;
  eventSource?: string;
  awsRegion?: string;
  eventSourceARN?: string;
  dynamodb?: {
    ApproximateCreationDateTime?: number;
    Keys?: Record<string, unknown>;
    NewImage?: Record<string, unknown>;
    OldImage?: Record<string, unknown>;
    SequenceNumber?: string;
    SizeBytes?: number;
    StreamViewType?: 'KEYS_ONLY' | 'NEW_IMAGE' | 'OLD_IMAGE' | 'NEW_AND_OLD_IMAGES';
  };
  userIdentity?: { type?: string; principalId?: string };
}

/** The invocation context the emulator passes (the part stream handlers use). */
export interface EsmContext {
  getRemainingTimeInMillis(): number;
  awsRequestId: string;
  functionName: string;
}

/** A stream-triggered function: the product's createHandler or a built zip's handler. */
export type EsmHandler = (
  event: { Records: EsmRecord[] },
  context: EsmContext,
) => Promise<{ batchItemFailures?: { itemIdentifier?: string | null }[] } | undefined | null>;

/** The metadata-only record Lambda sends to an on-failure destination (Lambda guide, with-ddb). */
export interface OnFailureMessage {
  requestContext: {
    requestId: string;
    functionArn: string;
    condition: 'RetryAttemptsExhausted' | 'RecordAgeExceeded';
    approximateInvokeCount: number;
  };
  responseContext: { statusCode: number; executedVersion: string; functionError?: 'Unhandled' };
  version: '1.0';
  timestamp: string;
  DDBStreamBatchInfo: {
    shardId: string;
    startSequenceNumber: string;
    endSequenceNumber: string;
    approximateArrivalOfFirstRecord: string;
    approximateArrivalOfLastRecord: string;
    batchSize: number;
    streamArn: string;
  };
}

/** The event source mapping settings that apply to DynamoDB Streams (Lambda guide, services-ddb-params). */
export interface EventSourceMappingOptions {
  streams: Pick<DynamoDBStreamsClient, 'send'>;
  streamArn: string;
  handler: EsmHandler;
  /** 1-10,000; default 100. */
  batchSize?: number;
  /** 0-300; default 0. */
  maximumBatchingWindowInSeconds?: number;
  /** 1-10; default 1. */
  parallelizationFactor?: number;
  functionResponseTypes?: 'ReportBatchItemFailures'[];
  bisectBatchOnFunctionError?: boolean;
  /** -1 (until the record expires) or 0-10,000; default -1. */
  maximumRetryAttempts?: number;
  /** -1 (infinite) or 60-604,800; default -1. */
  maximumRecordAgeInSeconds?: number;
  startingPosition: 'TRIM_HORIZON' | 'LATEST';
  /** The on-failure destination (an SQS queue or SNS topic in AWS). */
  onFailure?: (message: OnFailureMessage) => void | Promise<void>;
  functionArn?: string;
  /** Stream retention: with infinite retries a failing batch is dropped when it expires. Default 24 h. */
  retentionSeconds?: number;
  /** Function timeout told to the handler. Default 60 s. */
  timeoutMs?: number;
  /** Shard polling interval. Default 250 ms (Lambda polls 4 times a second). */
  pollIntervalMs?: number;
  /** Delay before retry n (1-based). Default min(100 ms * 2^(n-1), 30 s). */
  retryDelayMs?: (retry: number) => number;
  now?: () => number;
  /** Default a real timer; give one that advances a sim clock for deterministic runs. */
  sleep?: (ms: number) => Promise<void>;
  /** Seeds request IDs. Default 1. */
  seed?: number;
}

/** What the emulator did. */
export interface EsmCounters {
  invocations: number;
  /** Re-invocations after a failure (bisected halves not counted). */
  retries: number;
  bisects: number;
  discardedBatches: number;
  discardedRecords: number;
  /** Records of batches that completed (after retries). */
  recordsProcessed: number;
  shardsFinished: number;
  expiredIterators: number;
  /** TrimmedDataAccessException: the shard was re-read from TRIM_HORIZON (records lost). */
  trimmedSkips: number;
  describeThrottles: number;
}

export function emptyEsmCounters(): EsmCounters {
  return {
    invocations: 0,
    retries: 0,
    bisects: 0,
    discardedBatches: 0,
    discardedRecords: 0,
    recordsProcessed: 0,
    shardsFinished: 0,
    expiredIterators: 0,
    trimmedSkips: 0,
    describeThrottles: 0,
  };
}
