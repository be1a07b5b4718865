import type { BatchWriteItemCommandInput, WriteRequest } from '@aws-sdk/client-dynamodb';
import { fakeSdkClient } from '@ddb-migrate/test-kit';
import { describe, expect, it } from 'vitest';
import { batchWrite } from '../../src/write/batch-writer.js';
import { unprocessedFor } from '../../src/write/chunk-writer.js';
import type { BatchWriteClient, WriteOp } from '../../src/write/write-op.js';

const ARN = 'arn:aws:dynamodb:eu-west-1:222222222222:table/orders';

describe('UnprocessedItems keyed by the other form of the table name', () => {
  it('re-sends writes the service returns under the table name when the request named the ARN', async () => {
    const landed = new Set<string>();
    let calls = 0;
    const client = fakeSdkClient({
      BatchWriteItem: (input: BatchWriteItemCommandInput) => {
        calls += 1;
        const requests = input.RequestItems?.[ARN] ?? [];
        // First call: nothing processed, answered under the plain name (resource-policy mode).
        if (calls === 1) return { UnprocessedItems: { orders: requests }, $metadata: {} };
        for (const r of requests) landed.add(r.PutRequest?.Item?.pk?.S ?? '');
        return { UnprocessedItems: {}, $metadata: {} };
      },
    }) as unknown as BatchWriteClient;
    const ops: WriteOp[] = ['a', 'b', 'c'].map((pk) => ({ type: 'put', item: { pk: { S: pk } } }));

    const result = await batchWrite(client, ops, {
      tableName: ARN,
      keyNames: { partitionKey: 'pk' },
      baseDelayMs: 1,
      maxDelayMs: 2,
    });

    expect(calls).toBe(2);
    expect([...landed].sort()).toEqual(['a', 'b', 'c']);
    expect(result.written).toBe(3);
    expect(result.failed).toEqual([]);
  });

  it('reads the named entry when present and ignores other tables', () => {
    const mine: WriteRequest[] = [{ DeleteRequest: { Key: { pk: { S: 'x' } } } }];
    const other: WriteRequest[] = [{ DeleteRequest: { Key: { pk: { S: 'y' } } } }];
    expect(unprocessedFor({ [ARN]: mine, other }, ARN)).toBe(mine);
    expect(unprocessedFor({ a: mine, b: other }, ARN)).toBeUndefined();
    expect(unprocessedFor(undefined, ARN)).toBeUndefined();
    expect(unprocessedFor({}, ARN)).toBeUndefined();
  });
});
