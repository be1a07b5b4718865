import type { EsmRecord, OnFailureMessage } from './esm-types.js';

/** What the emulator knows about a discarded batch. */
export interface DiscardedBatch {
  records: EsmRecord[];
  shardId: string;
  streamArn: string;
  functionArn: string;
  requestId: string;
  condition: OnFailureMessage['requestContext']['condition'];
  invokeCount: number;
  /** The function threw (functionError "Unhandled"), as opposed to reporting item failures. */
  functionError: boolean;
  nowMs: number;
}

/**
 * The metadata-only invocation record Lambda sends to an on-failure destination for a DynamoDB
 * stream: no records, only where to find them (Lambda guide, with-ddb "Example Invocation Record";
 * arrival times in whole seconds, `2019-11-14T00:13:19Z`).
 */
export function onFailureMessage(batch: DiscardedBatch): OnFailureMessage {
  const first = batch.records[0]?.dynamodb;
  const last = batch.records.at(-1)?.dynamodb;
  const arrival = (seconds: number | undefined) =>
    new Date((seconds ?? 0) * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
  return {
    requestContext: {
      requestId: batch.requestId,
      functionArn: batch.functionArn,
      condition: batch.condition,
      approximateInvokeCount: batch.invokeCount,
    },
    responseContext: {
      statusCode: 200,
      executedVersion: '$LATEST',
      ...(batch.functionError ? { functionError: 'Unhandled' as const } : {}),
    },
    version: '1.0',
    timestamp: new Date(batch.nowMs).toISOString(),
    DDBStreamBatchInfo: {
      shardId: batch.shardId,
      startSequenceNumber: first?.SequenceNumber ?? '',
      endSequenceNumber: last?.SequenceNumber ?? '',
      approximateArrivalOfFirstRecord: arrival(first?.ApproximateCreationDateTime),
      approximateArrivalOfLastRecord: arrival(last?.ApproximateCreationDateTime),
      batchSize: batch.records.length,
      streamArn: batch.streamArn,
    },
  };
}
