import { describe, expect, it } from 'vitest';
import {
  estimateVerify,
  PRICES,
  SCAN_BYTES_PER_SECOND_PER_SEGMENT,
  WORKER_ITEMS_PER_SECOND,
} from '../src/commands/verify/engine-estimate.js';
import { fanoutSegmentCount } from '../src/commands/verify/engine-plan.js';
import { itemListBody, readFanoutDefinition } from '../src/commands/verify/engine-stepfunctions.js';

const TB = 1024 ** 4;
const billion = { items: 1_000_000_000, bytes: TB };

describe('fan-out segments', () => {
  it('takes one segment per GiB or per 250k items, uncapped, and at least four per worker', () => {
    // 1 TiB is 1,024 GiB, but a billion items is 4,000 x 250k: the larger wins.
    expect(fanoutSegmentCount({ source: billion, target: billion }, 100)).toBe(4000);
    expect(
      fanoutSegmentCount(
        { source: { items: 1000, bytes: 10 * 1024 ** 3 }, target: { items: 0, bytes: 0 } },
        1,
      ),
    ).toBe(10);
    expect(fanoutSegmentCount({ source: { items: 10, bytes: 0 }, target: { items: 10, bytes: 0 } }, 3)).toBe(
      12,
    );
    // No size reported (moto): one per 250k items.
    expect(
      fanoutSegmentCount({ source: { items: 10_000_000, bytes: 0 }, target: { items: 0, bytes: 0 } }, 1),
    ).toBe(40);
  });
});

describe('verify --dry-run estimate', () => {
  it('sizes a 1 TB, billion-item table on Step Functions: workers, wall time, RCU and each cost', () => {
    const e = estimateVerify(
      { source: billion, target: billion },
      { engine: 'stepfunctions', workers: 1, maxConcurrency: 100 },
    );

    expect(e).toMatchObject({ totalSegments: 4000, ranges: 1000, workers: 100, parallel: 100 });
    // ~1.1 KB items: 4 segments at 4 MiB/s each give ~15k items/s, below the CPU's 20k: Scan-bound.
    const perWorker = Math.min(WORKER_ITEMS_PER_SECOND, (4 * SCAN_BYTES_PER_SECOND_PER_SEGMENT) / (TB / 1e9));
    expect(perWorker).toBeLessThan(WORKER_ITEMS_PER_SECOND);
    expect(e.wallSeconds).toBe(Math.round(1e9 / (100 * perWorker) + 10));
    // One eventually consistent scan of 1 TiB: bytes / 4 KiB / 2 on each side.
    expect(e.rcu.source).toBe(TB / 4096 / 2);
    expect(e.costUsd.dynamodbOnDemand).toBeCloseTo(((2 * TB) / 4096 / 2) * PRICES.dynamodbReadRequestUnit, 1);
    const computeSeconds = 1e9 / perWorker;
    expect(e.costUsd.lambda).toBeGreaterThanOrEqual(
      Math.floor(computeSeconds * (1769 / 1024) * PRICES.lambdaGbSecond * 100) / 100,
    );
    // ~65,500 s of work over 1,000 ranges: ~66 s each, one invocation per range, plus the merge.
    expect(e.invocations).toBe(1001);
    expect(e.costUsd.stepFunctions).toBeCloseTo((4 + 1000 * 4) * PRICES.stepFunctionsTransition, 2);
    expect(e.costUsd.total).toBeCloseTo(
      e.costUsd.dynamodbOnDemand + e.costUsd.lambda + e.costUsd.stepFunctions,
      1,
    );
  });

  it('is bound by --max-rcu when the cap is slower than the workers', () => {
    const e = estimateVerify(
      { source: billion, target: billion },
      { engine: 'stepfunctions', workers: 1, maxConcurrency: 100, maxRcu: 10_000 },
    );
    expect(e.rcuLimitedSeconds).toBe(Math.round(TB / 4096 / 2 / 10_000));
    expect(e.wallSeconds).toBeGreaterThanOrEqual(e.rcuLimitedSeconds!);
  });

  it('runs local workers at most as many at once as there are cores, with no Lambda or Step Functions cost', () => {
    const e = estimateVerify(
      { source: { items: 1_000_000, bytes: 1e9 }, target: { items: 1_000_000, bytes: 1e9 } },
      { engine: 'local', workers: 8, cores: 2 },
    );
    expect(e).toMatchObject({ workers: 8, parallel: 2, invocations: 0 });
    expect(e.costUsd.lambda).toBe(0);
    expect(e.costUsd.stepFunctions).toBe(0);
    expect(e.assumptions.join('\n')).toMatch(/8 workers on 2 cores/);
  });

  it('without workers is the single-process verify (no fan-out)', () => {
    const e = estimateVerify(
      { source: { items: 100, bytes: 0 }, target: { items: 90, bytes: 0 } },
      { engine: 'local', workers: 1, cores: 2 },
    );
    expect(e).toMatchObject({ ranges: 1, workers: 1, totalSegments: 0 });
    expect(e.assumptions.join('\n')).toMatch(/reports no size/);
  });
});

describe('the deployed definition, as the CLI reads it', () => {
  const definition = JSON.stringify({
    StartAt: 'VerifyRanges',
    States: {
      VerifyRanges: {
        Type: 'Map',
        ItemReader: {
          ReaderConfig: { InputType: 'JSONL' },
          Parameters: { Bucket: 'work', 'Key.$': '$.itemList.Key' },
        },
        MaxConcurrency: 40,
        End: true,
      },
    },
  });

  it('takes the item list format, the bucket and MaxConcurrency from the ItemReader Map', () => {
    expect(readFanoutDefinition(definition)).toEqual({
      inputType: 'JSONL',
      bucket: 'work',
      maxConcurrency: 40,
    });
  });

  it('refuses a state machine that is not a verify fan-out', () => {
    expect(() =>
      readFanoutDefinition(JSON.stringify({ StartAt: 'A', States: { A: { Type: 'Pass', End: true } } })),
    ).toThrow(/no Map state with an ItemReader/);
  });

  it('writes the item list as JSONL lines or a JSON array, as the ItemReader reads it', () => {
    const ranges = [
      { first: 0, last: 3 },
      { first: 4, last: 5 },
    ];
    expect(itemListBody(ranges, 'JSONL')).toBe('{"first":0,"last":3}\n{"first":4,"last":5}\n');
    expect(JSON.parse(itemListBody(ranges, 'JSON'))).toEqual(ranges);
    expect(() => itemListBody(ranges, 'CSV')).toThrow(/reads CSV/);
  });
});
