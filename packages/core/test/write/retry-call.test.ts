import { sdkError } from '@ddb-migrate/test-kit';
import { describe, expect, it } from 'vitest';
import { retryCall } from '../../src/write/retry-call.js';

/** A call that fails with `errors` in turn, then returns 'ok'. */
function scripted(errors: Error[]) {
  let calls = 0;
  return {
    call: async () => {
      calls += 1;
      const e = errors[calls - 1];
      if (e) throw e;
      return 'ok';
    },
    calls: () => calls,
  };
}

const fast = { baseMs: 10, maxMs: 20, sleep: async () => {} };

describe('retryCall', () => {
  it('retries throttles and 5xx until the call succeeds, reporting each retry', async () => {
    const s = scripted([sdkError('ThrottlingException', 400), sdkError('InternalServerError', 500)]);
    const retries: number[] = [];
    const result = await retryCall(s.call, {
      ...fast,
      attempts: 5,
      onRetry: (_e, attempt) => retries.push(attempt),
    });
    expect(result).toBe('ok');
    expect(s.calls()).toBe(3);
    expect(retries).toEqual([1, 2]);
  });

  it('throws a non-retryable error at once, unchanged', async () => {
    const err = sdkError('ValidationException', 400);
    const s = scripted([err]);
    await expect(retryCall(s.call, { ...fast, attempts: 5 })).rejects.toBe(err);
    expect(s.calls()).toBe(1);
  });

  it('retries the named busy errors too', async () => {
    const s = scripted([sdkError('ResourceInUseException', 400)]);
    expect(await retryCall(s.call, { ...fast, attempts: 3, retryOn: ['ResourceInUseException'] })).toBe('ok');
    expect(s.calls()).toBe(2);
  });

  it('throws the last retryable error once the attempts are spent', async () => {
    const last = sdkError('ServiceUnavailable', 503);
    const s = scripted([sdkError('ServiceUnavailable', 503), last]);
    await expect(retryCall(s.call, { ...fast, attempts: 2 })).rejects.toBe(last);
    expect(s.calls()).toBe(2);
  });

  it('keeps delays within [minDelayMs, maxMs] and stops when aborted', async () => {
    const delays: number[] = [];
    const s = scripted(Array.from({ length: 6 }, () => sdkError('ThrottlingException', 400)));
    await retryCall(s.call, {
      attempts: 10,
      baseMs: 1000,
      maxMs: 4000,
      minDelayMs: 100,
      sleep: async (ms) => {
        delays.push(ms);
      },
    });
    expect(delays.every((d) => d >= 100 && d <= 4000)).toBe(true);
    const controller = new AbortController();
    controller.abort(new Error('stop'));
    await expect(retryCall(s.call, { ...fast, attempts: 3, signal: controller.signal })).rejects.toThrow(
      'stop',
    );
  });
});
