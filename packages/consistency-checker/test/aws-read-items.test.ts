import type { BatchGetItemCommandInput } from '@aws-sdk/client-dynamodb';
import { AwsCallError, ConfigError, type Item } from '@ddb-migrate/core';
import { fakeSdkClient, sdkError } from '@ddb-migrate/test-kit';
import { describe, expect, it } from 'vitest';
import { defaultCallPolicy } from '../src/aws-call.js';
import { readItems } from '../src/read-items.js';
import { MAX_TOTAL_SEGMENTS, selectSegments } from '../src/segments.js';
import type { TableSide } from '../src/types.js';

const ARN = 'arn:aws:dynamodb:us-east-1:222222222222:table/target';
const keyNames = { partitionKey: 'pk' };
const key = (pk: string): Item => ({ pk: { S: pk } });
/** Yields to the event loop, so a runaway retry loop cannot starve the test's timers. */
const tick = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

function side(send: (input: BatchGetItemCommandInput) => Promise<unknown>, tableName = ARN): TableSide {
  return { tableName, client: fakeSdkClient({ BatchGetItem: send }) as never };
}

describe('readItems against real BatchGetItem shapes', () => {
  it('finds the items and retries the unprocessed keys when the maps are keyed by table name for an ARN request', async () => {
    const calls: BatchGetItemCommandInput[] = [];
    const target = side(async (input) => {
      calls.push(input);
      const keys = input.RequestItems?.[ARN]?.Keys ?? [];
      const [first, ...rest] = keys;
      return {
        Responses: { target: first ? [{ ...first, v: { N: '1' } }] : [] },
        UnprocessedKeys: rest.length > 0 ? { target: { Keys: rest, ConsistentRead: true } } : {},
        ConsumedCapacity: [
          { TableName: 'target', CapacityUnits: 1, ReadCapacityUnits: 1, Table: { CapacityUnits: 1 } },
        ],
      };
    });
    const result = await readItems(target, [key('a'), key('b'), key('c')], keyNames, {
      consistent: true,
      policy: defaultCallPolicy({ sleep: tick }),
    });
    expect([...result.items.keys()]).toHaveLength(3);
    expect(calls).toHaveLength(3);
    expect(calls.every((c) => c.RequestItems?.[ARN]?.ConsistentRead === true)).toBe(true);
    // CapacityUnits counted once per call (ReadCapacityUnits and Table.CapacityUnits are the same units again).
    expect(result.consumedRcu).toBe(3);
  });

  it('gives up with an AwsCallError when keys stay unprocessed, instead of looping forever', async () => {
    const target = side(async (input) => ({
      Responses: { [ARN]: [] },
      UnprocessedKeys: { [ARN]: input.RequestItems?.[ARN] },
    }));
    const read = readItems(target, [key('a')], keyNames, {
      consistent: false,
      policy: defaultCallPolicy({ sleep: tick }),
    });
    const guard = new Promise((_, reject) => setTimeout(() => reject(new Error('still looping')), 3000));
    await expect(Promise.race([read, guard])).rejects.toBeInstanceOf(AwsCallError);
  });

  it('retries SDK-shaped throttling errors and counts them as throttles', async () => {
    let calls = 0;
    const retries: boolean[] = [];
    const target = side(async (input) => {
      calls += 1;
      if (calls <= 2) throw sdkError('ProvisionedThroughputExceededException', 400);
      if (calls === 3) throw sdkError('InternalServerError', 500);
      return { Responses: { [ARN]: (input.RequestItems?.[ARN]?.Keys ?? []) as Item[] } };
    });
    const result = await readItems(target, [key('a')], keyNames, {
      consistent: false,
      policy: defaultCallPolicy({ sleep: tick, onRetry: (t) => retries.push(t) }),
    });
    expect(result.items.size).toBe(1);
    expect(retries).toEqual([true, true, false]);
  });
});

describe('segment count bounds', () => {
  it("rejects more segments than Scan's TotalSegments maximum (1,000,000) before any scan", () => {
    expect(MAX_TOTAL_SEGMENTS).toBe(1_000_000);
    expect(() => selectSegments(1_000_001)).toThrow(ConfigError);
    expect(selectSegments(1_000_000, { first: 999_998, last: 999_999 })).toEqual([999_998, 999_999]);
  });
});
