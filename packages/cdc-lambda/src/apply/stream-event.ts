/**
 * The DynamoDB Streams event exactly as Lambda delivers it (wire JSON: images in DynamoDB JSON
 * with base64 binary, ApproximateCreationDateTime in epoch seconds). Declared here rather than
 * taken from `@types/aws-lambda` so the shape the local runner produces is pinned in one place.
 */
export interface LambdaStreamRecord {
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
  /** Present on TTL deletes: `{ type: 'Service', principalId: 'dynamodb.amazonaws.com' }`. */
  userIdentity?: { type?: string; principalId?: string };
}

/** The event a stream-triggered Lambda receives. */
export interface LambdaStreamEvent {
  Records: LambdaStreamRecord[];
}

/** A failed record to retry from (ReportBatchItemFailures). */
export interface BatchItemFailure {
  itemIdentifier: string;
}

/** What the handler returns; Lambda checkpoints before the lowest identifier and retries from it. */
export interface StreamBatchResponse {
  batchItemFailures: BatchItemFailure[];
}

/** The part of the Lambda context the handler uses. */
export interface InvocationContext {
  getRemainingTimeInMillis(): number;
  awsRequestId?: string;
}

/** True for a REMOVE made by DynamoDB's TTL process rather than by a caller. */
export function isTtlDelete(record: LambdaStreamRecord): boolean {
  return (
    record.eventName === 'REMOVE' &&
    record.userIdentity?.type === 'Service' &&
    record.userIdentity.principalId === 'dynamodb.amazonaws.com'
  );
}
