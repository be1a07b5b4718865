import { describe, expect, it } from 'vitest';
import {
  coversAllSegments,
  defaultSegmentCount,
  MAX_DEFAULT_SEGMENTS,
  parseSegmentRange,
  selectSegments,
} from '../src/segments.js';

describe('defaultSegmentCount', () => {
  it('uses at least 4 segments for small tables', () => {
    expect(
      defaultSegmentCount([
        { bytes: 0, items: 10 },
        { bytes: 0, items: 0 },
      ]),
    ).toBe(4);
  });

  it('uses one segment per GiB of the larger table', () => {
    expect(defaultSegmentCount([{ bytes: 10 * 1024 ** 3 }, { bytes: 3 * 1024 ** 3 }])).toBe(10);
  });

  it('falls back to item counts when the size is not reported (moto reports 0 bytes)', () => {
    expect(defaultSegmentCount([{ bytes: 0, items: 5_000_000 }])).toBe(20);
  });

  it('caps the default at 256 because moto leaves segments >= 256 empty', () => {
    expect(defaultSegmentCount([{ bytes: 10 * 1024 ** 4 }])).toBe(MAX_DEFAULT_SEGMENTS);
    expect(MAX_DEFAULT_SEGMENTS).toBe(256);
  });
});

describe('parseSegmentRange', () => {
  it('parses an inclusive range', () => {
    expect(parseSegmentRange('2-5', 8)).toEqual({ first: 2, last: 5 });
    expect(parseSegmentRange('3-3', 8)).toEqual({ first: 3, last: 3 });
  });

  it.each(['5-2', '0-8', 'a-b', '3', '-1-2'])('rejects %s for 8 segments as bad input', (text) => {
    expect(() => parseSegmentRange(text, 8)).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID' }));
  });
});

describe('selectSegments', () => {
  it('returns every segment by default', () => {
    expect(selectSegments(4)).toEqual([0, 1, 2, 3]);
  });

  it('restricts to a range', () => {
    expect(selectSegments(8, { first: 4, last: 7 })).toEqual([4, 5, 6, 7]);
  });

  it('spreads a sample evenly over the segments', () => {
    expect(selectSegments(8, undefined, 0.25)).toEqual([0, 4]);
    expect(selectSegments(10, undefined, 0.01)).toEqual([0]);
  });

  it('rejects a sample outside (0, 1] and non-positive segment counts', () => {
    expect(() => selectSegments(8, undefined, 0)).toThrow(/--sample/);
    expect(() => selectSegments(8, undefined, 1.5)).toThrow(/--sample/);
    expect(() => selectSegments(0)).toThrow(/--segments/);
  });
});

describe('coversAllSegments', () => {
  it('is true only for exactly 0..N-1', () => {
    expect(coversAllSegments([1, 0, 2], 3)).toBe(true);
    expect(coversAllSegments([0, 2], 3)).toBe(false);
    expect(coversAllSegments([0, 1, 2, 3], 3)).toBe(false);
  });
});
