import type { BatchWriteResult, WriteOp } from '@ddb-migrate/core';
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
    ttl?: boolean;
    viewType?: 'KEYS_ONLY' | 'NEW_AND_OLD_IMAGES';
  } = {},
): LambdaStreamRecord {
  nextSeq += 1n;
  const keys = { pk: { S: pk } };
  const viewType = opts.viewType ?? 'NEW_AND_OLD_IMAGES';
  const withImage = eventName !== 'REMOVE' && viewType !== 'KEYS_ONLY';
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
  const sqs = {
    send: async (command: { input: { QueueUrl?: string; MessageBody?: string } }) => {
      if (fail) throw Object.assign(new Error('queue down'), { name: 'ServiceUnavailable' });
      sent.push(command.input);
      return {};
    },
  };
  return { sqs: sqs as never, sent };
}
