import type { BatchWriteResult, WriteOp } from '@ddb-migrate/core';
import { fakeSdkClient, sdkError } from '@ddb-migrate/test-kit';
import type { LambdaStreamRecord } from '../src/apply/stream-event.js';

export const STREAM_ARN = 'arn:aws:dynamodb:us-east-1:123456789012:table/src/stream/2024-05-01T00:00:00.000';

let nextSeq = 100000000000000000000n;

/** A Lambda-shaped stream record (wire JSON) for key `pk`. */
export function streamRecord(
  eventName: 'INSERT' | 'MODIFY' | 'REMOVE',
  pk: string,
  opts: {
    image?: Record<string, unknown>;
    seq?: string;
    createdAt?: number;
    /** OldImage attributes (OLD_IMAGE / NEW_AND_OLD_IMAGES streams; MODIFY and REMOVE only). */
    oldImage?: Record<string, unknown>;
    ttl?: boolean;
    viewType?: 'KEYS_ONLY' | 'NEW_IMAGE' | 'OLD_IMAGE' | 'NEW_AND_OLD_IMAGES';
  } = {},
): LambdaStreamRecord {
  nextSeq += 1n;
  const keys = { pk: { S: pk } };
  const viewType = opts.viewType ?? 'NEW_AND_OLD_IMAGES';
  const withImage = eventName !== 'REMOVE' && (viewType === 'NEW_IMAGE' || viewType === 'NEW_AND_OLD_IMAGES');
  const withOldImage =
    opts.oldImage !== undefined &&
    eventName !== 'INSERT' &&
    (viewType === 'OLD_IMAGE' || viewType === 'NEW_AND_OLD_IMAGES');
  return {
    eventID: `e${nextSeq}`,
    eventName,
    eventVersion: '1.1',
    eventSource: 'aws:dynamodb',
    awsRegion: 'us-east-1',
    eventSourceARN: STREAM_ARN,
    dynamodb: {
      ApproximateCreationDateTime: opts.createdAt ?? 1_800_000_000,
      Keys: keys,
      ...(withImage ? { NewImage: { ...keys, ...(opts.image ?? {}) } } : {}),
      ...(withOldImage ? { OldImage: { ...keys, ...opts.oldImage } } : {}),
      SequenceNumber: opts.seq ?? String(nextSeq),
      SizeBytes: 20,
      StreamViewType: viewType,
    },
    ...(opts.ttl ? { userIdentity: { type: 'Service', principalId: 'dynamodb.amazonaws.com' } } : {}),
  };
}

/** A fake core batchWrite: records the ops; `failFor(op)` returns a failure for an op. */
export function fakeWriteBatch(
  failFor: (op: WriteOp, call: number) => { code?: string; retryable: boolean } | undefined = () => undefined,
) {
  const calls: (readonly WriteOp[])[] = [];
  const writeBatch = async (_client: unknown, ops: readonly WriteOp[]): Promise<BatchWriteResult> => {
    calls.push(ops);
    const failed = ops.flatMap((op) => {
      const f = failFor(op, calls.length);
      return f ? [{ op, error: `failed: ${f.code ?? 'x'}`, ...f }] : [];
    });
    return {
      written: ops.length - failed.length,
      calls: Math.ceil(ops.length / 25),
      retries: 0,
      throttles: 0,
      failed,
    };
  };
  return { writeBatch, calls };
}

export function fakeSqs(fail = false) {
  const sent: { QueueUrl?: string; MessageBody?: string }[] = [];
  const sqs = fakeSdkClient({
    SendMessage: (input: { QueueUrl?: string; MessageBody?: string }) => {
      if (fail) throw sdkError('ServiceUnavailable', 503, { message: 'queue down' });
      sent.push(input);
      return {};
    },
  });
  return { sqs: sqs as never, sent };
}

/**
 * A fake source table for fetch-on-change: BatchGetItem answers from `items` (pk -> item); a key
 * not in the map is gone. Records every request it was sent.
 */
export function fakeSource(items: Record<string, Record<string, unknown>>) {
  const reads: { RequestItems: Record<string, { Keys: { pk?: { S?: string } }[] }> }[] = [];
  const source = fakeSdkClient({
    BatchGetItem: (input: (typeof reads)[number]) => {
      reads.push(input);
      const [table, request] = Object.entries(input.RequestItems)[0] ?? [];
      const found = (request?.Keys ?? []).flatMap((k) => {
        const item = items[k.pk?.S ?? ''];
        return item === undefined ? [] : [{ pk: k.pk, ...item }];
      });
      return { Responses: { [table as string]: found } };
    },
  });
  return { source: source as never, reads };
}

/** Every record lands in exactly one of applied, skipped, coalesced, failed, dlq. */
export function ledgerOf(c: {
  records: number;
  applied: number;
  skipped: number;
  coalesced: number;
  failed: number;
  dlq: number;
}): { sum: number; records: number } {
  return { sum: c.applied + c.skipped + c.coalesced + c.failed + c.dlq, records: c.records };
}
