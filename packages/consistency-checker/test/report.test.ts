import { describe, expect, it } from 'vitest';
import { classify } from '../src/engine-context.js';
import { differenceToJson, mergeSummaries, summaryPathFor } from '../src/report.js';
import type { VerifySummary } from '../src/types.js';

function summary(segments: number[], overrides: Partial<VerifySummary> = {}): VerifySummary {
  return {
    sourceTable: 's',
    targetTable: 't',
    totalSegments: 4,
    segments,
    complete: false,
    sourceScanned: 10,
    targetScanned: 9,
    matched: 8,
    missingInTarget: 1,
    extraInTarget: 0,
    different: 1,
    rechecked: 2,
    resolvedByRecheck: 0,
    pointReads: 0,
    spilled: 0,
    repaired: 0,
    repairFailed: 0,
    throttles: 3,
    retries: 5,
    unprocessedKeys: 7,
    consumedRcu: { source: 1, target: 2 },
    durationMs: 100,
    differences: 2,
    remaining: 2,
    identical: false,
    ...overrides,
  };
}

describe('differenceToJson', () => {
  it('writes the key as DynamoDB JSON with binary as base64 and no values by default', () => {
    const line = differenceToJson({
      kind: 'different',
      key: { pk: { B: new Uint8Array([0, 1, 255]) }, sk: { N: '1' } },
      attributes: ['a', 'b'],
    });
    expect(line).toEqual({
      kind: 'different',
      key: { pk: { B: 'AAH/' }, sk: { N: '1' } },
      attributes: ['a', 'b'],
    });
  });
});

describe('classify', () => {
  const key = { pk: { S: 'a' } };
  it('finds nothing when both sides agree or both are absent', () => {
    expect(classify(key, undefined, undefined, false)).toBeUndefined();
    expect(
      classify(
        key,
        { ...key, n: { N: '1' }, s: { SS: ['x', 'y'] } },
        { ...key, n: { N: '1.0' }, s: { SS: ['y', 'x'] } },
        false,
      ),
    ).toBeUndefined();
  });

  it('names the kind and the differing attributes, values only when asked', () => {
    expect(classify(key, { ...key, a: { S: '1' } }, { ...key, a: { N: '1' } }, false)).toEqual({
      kind: 'different',
      key,
      attributes: ['a'],
    });
    expect(classify(key, { ...key, a: { S: '1' } }, undefined, false)?.kind).toBe('missing_in_target');
    const extra = classify(key, undefined, { ...key, z: { S: '1' } }, true);
    expect(extra).toMatchObject({
      kind: 'extra_in_target',
      attributes: ['pk', 'z'],
      target: { z: { S: '1' } },
    });
  });
});

describe('mergeSummaries', () => {
  it('sums counts of disjoint segment ranges and marks full coverage complete', () => {
    const merged = mergeSummaries([
      summary([0, 1]),
      summary([2, 3], { durationMs: 300, repaired: 1, remaining: 1 }),
    ]);
    expect(merged).toMatchObject({
      segments: [0, 1, 2, 3],
      complete: true,
      sourceScanned: 20,
      matched: 16,
      differences: 4,
      remaining: 3,
      repaired: 1,
      throttles: 6,
      retries: 10,
      unprocessedKeys: 14,
      consumedRcu: { source: 2, target: 4 },
      durationMs: 300,
      identical: false,
    });
  });

  it('merges a summary written before the retry counters existed as zero retries', () => {
    const { throttles: _t, retries: _r, unprocessedKeys: _u, ...older } = summary([0, 1]);
    const merged = mergeSummaries([older as VerifySummary, summary([2, 3])]);
    expect(merged).toMatchObject({ throttles: 3, retries: 5, unprocessedKeys: 7, sourceScanned: 20 });
  });

  it('refuses overlapping ranges and runs of different tables', () => {
    expect(() => mergeSummaries([summary([0, 1]), summary([1, 2])])).toThrow(/overlap/);
    expect(() => mergeSummaries([summary([0]), summary([1], { totalSegments: 8 })])).toThrow(
      /different verify runs/,
    );
    expect(() => mergeSummaries([])).toThrow(/at least one/);
  });
});

describe('summaryPathFor', () => {
  it('puts the summary next to the report', () => {
    expect(summaryPathFor('/tmp/r.ndjson')).toBe('/tmp/r.summary.json');
    expect(summaryPathFor('/tmp/report')).toBe('/tmp/report.summary.json');
  });
});
