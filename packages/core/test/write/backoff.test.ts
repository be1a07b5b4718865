import { sdkError } from '@ddb-migrate/test-kit';
import { describe, expect, it } from 'vitest';
import { backoffDelayMs, isRetryableError, isThrottlingError, sleep } from '../../src/write/backoff.js';

function nodeError(code: string): Error {
  return Object.assign(new Error(`socket ${code}`), { code });
}

describe('backoffDelayMs', () => {
  it('stays within [0, base * 2^(attempt-1)) with full jitter', () => {
    expect(backoffDelayMs(1, { baseMs: 100, random: () => 0.999 })).toBe(99);
    expect(backoffDelayMs(3, { baseMs: 100, random: () => 0.5 })).toBe(200);
    expect(backoffDelayMs(3, { baseMs: 100, random: () => 0 })).toBe(0);
  });

  it('caps the delay at maxMs however many attempts were made', () => {
    expect(backoffDelayMs(50, { baseMs: 100, maxMs: 1000, random: () => 0.999 })).toBe(999);
    expect(backoffDelayMs(1000, { baseMs: 100, maxMs: 1000, random: () => 0.5 })).toBe(500);
  });

  it('spreads delays randomly (jitter) with the default random source', () => {
    const delays = new Set(Array.from({ length: 50 }, () => backoffDelayMs(8, { baseMs: 100 })));
    expect(delays.size).toBeGreaterThan(10);
  });
});

describe('isThrottlingError / isRetryableError', () => {
  it.each(['ProvisionedThroughputExceededException', 'ThrottlingException', 'RequestLimitExceeded'])(
    'treats %s as a retryable throttle',
    (name) => {
      expect(isThrottlingError(sdkError(name, 400))).toBe(true);
      expect(isRetryableError(sdkError(name, 400))).toBe(true);
    },
  );

  it.each([
    ['InternalServerError', 500],
    ['ServiceUnavailable', 503],
    ['SomethingNew', 502],
    ['TimeoutError', undefined],
  ] as const)('treats %s (%s) as retryable but not a throttle', (name, status) => {
    expect(isRetryableError(sdkError(name, status))).toBe(true);
    expect(isThrottlingError(sdkError(name, status))).toBe(false);
  });

  it.each(['ECONNRESET', 'EPIPE', 'ETIMEDOUT'])(
    'retries socket error %s, also when wrapped in cause',
    (code) => {
      expect(isRetryableError(nodeError(code))).toBe(true);
      expect(isRetryableError(new Error('request failed', { cause: nodeError(code) }))).toBe(true);
    },
  );

  it.each([
    ['ValidationException', 400],
    ['ResourceNotFoundException', 400],
    ['AccessDeniedException', 400],
    ['AccessDenied', 403],
  ] as const)('does not retry %s', (name, status) => {
    expect(isRetryableError(sdkError(name, status))).toBe(false);
    expect(isThrottlingError(sdkError(name, status))).toBe(false);
  });

  it('does not retry non-errors or plain errors', () => {
    expect(isRetryableError(undefined)).toBe(false);
    expect(isRetryableError('ECONNRESET')).toBe(false);
    expect(isRetryableError(new Error('boom'))).toBe(false);
  });
});

describe('sleep', () => {
  it('rejects with the abort reason when the signal aborts', async () => {
    const controller = new AbortController();
    const pending = sleep(10_000, controller.signal);
    controller.abort(new Error('stop'));
    await expect(pending).rejects.toThrow('stop');
  });
});
