import { describe, expect, it } from 'vitest';
import { TokenBucket } from '../../src/write/token-bucket.js';

describe('TokenBucket', () => {
  it('lets a burst through immediately, then paces takes at the rate', async () => {
    const bucket = new TokenBucket(200, 20);
    const start = performance.now();
    await bucket.take(20);
    expect(performance.now() - start).toBeLessThan(30);
    // 40 more tokens at 200/s need ~200 ms.
    await bucket.take(20);
    await bucket.take(20);
    const elapsed = performance.now() - start;
    expect(elapsed).toBeGreaterThanOrEqual(180);
    expect(elapsed).toBeLessThan(600);
  });

  it('lets a take larger than the burst pass by going into debt, and later takes repay it', async () => {
    const bucket = new TokenBucket(1000, 10);
    const start = performance.now();
    await bucket.take(400); // a 400 KB item at a 10 WCU burst
    expect(performance.now() - start).toBeLessThan(30);
    expect(bucket.available()).toBeLessThan(-350);
    await bucket.take(1); // must wait ~390 ms for the debt
    expect(performance.now() - start).toBeGreaterThanOrEqual(350);
  });

  it('rejects a waiting take when its signal aborts, and serves later takes afterwards', async () => {
    const bucket = new TokenBucket(10, 1);
    await bucket.take(1);
    const controller = new AbortController();
    const waiting = bucket.take(5, controller.signal);
    controller.abort(new Error('cancelled'));
    await expect(waiting).rejects.toThrow('cancelled');
    await expect(bucket.take(0)).resolves.toBeUndefined();
  });

  it('refuses a non-positive rate', () => {
    expect(() => new TokenBucket(0)).toThrow(RangeError);
  });
});
