import { describe, expect, it } from 'vitest';
import {
  CHECKPOINT_VERSION,
  decodeCheckpoint,
  encodeCheckpoint,
  type RangeCheckpoint,
} from '../src/worker/checkpoint.js';
import { parseWorkerEvent, rangeId, segmentRanges } from '../src/worker/worker-event.js';

describe('range checkpoint', () => {
  it('round-trips cursors with binary and numeric keys through DynamoDB JSON', () => {
    const checkpoint: RangeCheckpoint = {
      version: CHECKPOINT_VERSION,
      totalSegments: 16,
      invocations: 3,
      done: false,
      pending: [
        {
          segment: 4,
          cursor: {
            sourceKey: {
              pk: { B: new Uint8Array([0, 1, 255]) },
              sk: { N: '12345678901234567890123456789012345678' },
            },
            sourceDone: false,
            targetDone: true,
          },
        },
        { segment: 5 },
      ],
      parts: ['parts/r0000004-0000007/00001-ab12cd34-0000.ndjson'],
    };

    const text = encodeCheckpoint(checkpoint);

    expect(JSON.parse(text).pending[0].cursor.sourceKey).toEqual({
      pk: { B: 'AAH/' },
      sk: { N: '12345678901234567890123456789012345678' },
    });
    expect(decodeCheckpoint(text, 'test')).toEqual(checkpoint);
  });

  it('refuses a checkpoint of another version instead of misreading it', () => {
    const text = JSON.stringify({ version: 99, pending: [], parts: [] });
    expect(() => decodeCheckpoint(text, 's3://b/p/checkpoints/r.json')).toThrow(
      /is not a version 1 verify checkpoint/,
    );
  });
});

describe('worker item list', () => {
  it('splits the segments into contiguous ranges, the last one shorter, named so they sort', () => {
    expect(segmentRanges(10, 4)).toEqual([
      { first: 0, last: 3 },
      { first: 4, last: 7 },
      { first: 8, last: 9 },
    ]);
    expect(rangeId({ first: 8, last: 9 })).toBe('r0000008-0000009');
    expect([rangeId({ first: 10, last: 19 }), rangeId({ first: 2, last: 9 })].sort()).toEqual([
      'r0000002-0000009',
      'r0000010-0000019',
    ]);
  });

  it('checks an event before any AWS call, naming the field', () => {
    const job = {
      workUrl: 's3://b/p/',
      source: { tableName: 'a', region: 'us-east-1' },
      target: { tableName: 'b', region: 'us-east-1' },
      totalSegments: 4,
    };
    expect(parseWorkerEvent({ job, range: { first: 0, last: 3 } }).range).toEqual({ first: 0, last: 3 });
    expect(() =>
      parseWorkerEvent({ job: { ...job, totalSegments: 0 }, range: { first: 0, last: 0 } }),
    ).toThrow(/totalSegments must be a positive integer/);
    expect(() =>
      parseWorkerEvent({ job: { ...job, target: { tableName: 'b' } }, range: { first: 0, last: 0 } }),
    ).toThrow(/job\.target\.region is missing/);
    expect(() => parseWorkerEvent({ job, range: { first: 0, last: 3 }, invocation: -1 })).toThrow(
      /invocation/,
    );
  });
});
