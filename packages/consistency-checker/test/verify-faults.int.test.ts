import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { motoEndpoint, startFaultProxy } from '@ddb-migrate/test-kit';
import { describe, expect, it } from 'vitest';
import { type Difference, type TableSide, verifyTables } from '../src/index.js';
import { createSides, describeDifference, seedWithDifferences } from './fixtures.js';

/** Makes a client's Scan read segment (i + 1) % N when asked for i, so every item needs a point read. */
function misalignSegments(client: DynamoDBClient): DynamoDBClient {
  client.middlewareStack.add(
    (next) => async (args) => {
      const input = args.input as { Segment?: number; TotalSegments?: number };
      if (input.Segment !== undefined && input.TotalSegments !== undefined) {
        args.input = { ...input, Segment: (input.Segment + 1) % input.TotalSegments };
      }
      return next(args);
    },
    { step: 'initialize', name: 'misalignSegments' },
  );
  return client;
}

async function run(source: TableSide, target: TableSide) {
  const differences: Difference[] = [];
  const summary = await verifyTables({
    source,
    target,
    totalSegments: 4,
    recheckDelaySeconds: 0,
    recheckAttempts: 2,
    windowItems: 16,
    // About a third of the calls fail here: 8 attempts (the default) leave a call failing for good
    // about once in 12,000, which a run of several hundred calls met now and then (a flaky test).
    maxAttempts: 14,
    onDifference: (d) => {
      differences.push(d);
    },
  });
  return { summary, found: differences.map(describeDifference).sort() };
}

describe('verifyTables under throttling and faults', () => {
  it('finds exactly the same differences through throttles, 5xx and partial BatchGetItem, and counts the retries', async () => {
    const { source, target } = await createSides();
    const seeded = await seedWithDifferences(source, target, 150);
    const proxy = await startFaultProxy({
      target: motoEndpoint(),
      seed: 11,
      rules: [
        {
          service: 'dynamodb',
          operation: ['Scan', 'BatchGetItem', 'GetItem', 'DescribeTable'],
          throttleRate: 0.25,
          errorRate: 0.08,
          errorStatus: 'mixed',
          partialRate: 0.5,
          partialFraction: 0.4,
        },
      ],
    });
    // The SDK's own retries off: every injected fault reaches the engine's back-off.
    const viaProxy = async (side: TableSide): Promise<TableSide> => {
      const config = side.client.config;
      const client = new DynamoDBClient({
        region: await config.region(),
        credentials: config.credentials,
        endpoint: proxy.endpoint,
        maxAttempts: 1,
      });
      return { client, tableName: side.tableName };
    };
    try {
      // Misaligned target segments: every item is confirmed by BatchGetItem, so reads get faults too.
      misalignSegments(target.client);
      const clean = await run(source, target);
      const faultyTarget = await viaProxy(target);
      misalignSegments(faultyTarget.client);
      const faulty = await run(await viaProxy(source), faultyTarget);

      expect(clean.found).toEqual(seeded.expected);
      expect(faulty.found).toEqual(clean.found);
      for (const field of [
        'sourceScanned',
        'targetScanned',
        'matched',
        'missingInTarget',
        'extraInTarget',
        'different',
        'differences',
        'pointReads',
      ] as const) {
        expect(faulty.summary[field], field).toBe(clean.summary[field]);
      }
      expect(clean.summary).toMatchObject({ throttles: 0, retries: 0, unprocessedKeys: 0 });

      const stats = proxy.stats();
      const scan = stats.byOperation.Scan!;
      const batchGet = stats.byOperation.BatchGetItem!;
      expect(scan.throttled / scan.requests).toBeGreaterThan(0.1);
      expect(batchGet.throttled).toBeGreaterThan(0);
      expect(batchGet.partial).toBeGreaterThan(0);
      expect(stats.total.errors).toBeGreaterThan(0);
      // With SDK retries off the engine sees, and counts, every injected fault.
      expect(faulty.summary.throttles).toBe(stats.total.throttled);
      expect(faulty.summary.retries).toBe(stats.total.throttled + stats.total.errors);
      expect(faulty.summary.unprocessedKeys).toBe(batchGet.heldBack);
    } finally {
      await proxy.close();
    }
  });
});
