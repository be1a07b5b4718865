/** Options of {@link backoffDelayMs}. */
export interface BackoffOptions {
  /** Delay cap of the first retry (attempt 1). Default 50 ms. */
  baseMs?: number;
  /** Upper bound of any delay. Default 20 s. */
  maxMs?: number;
  /** Random source in [0, 1); injectable for tests. */
  random?: () => number;
}

/**
 * Full-jitter exponential backoff (AWS Architecture Blog, "Exponential Backoff And Jitter"):
 * a uniformly random delay in [0, min(maxMs, baseMs * 2^(attempt-1))).
 *
 * @param attempt 1 for the first retry, 2 for the second...
 * @example await sleep(backoffDelayMs(attempt, { baseMs: 50, maxMs: 5000 }));
 */
export function backoffDelayMs(attempt: number, opts: BackoffOptions = {}): number {
  const base = opts.baseMs ?? 50;
  const max = opts.maxMs ?? 20_000;
  const random = opts.random ?? Math.random;
  const exponent = Math.min(Math.max(attempt - 1, 0), 30);
  const cap = Math.min(max, base * 2 ** exponent);
  return Math.floor(random() * cap);
}

const THROTTLING_CODES = new Set([
  'ProvisionedThroughputExceededException',
  'ThrottlingException',
  'Throttling',
  'RequestLimitExceeded',
  'TooManyRequestsException',
  'SlowDown',
]);

const TRANSIENT_CODES = new Set([
  'InternalServerError',
  'InternalFailure',
  'InternalError',
  'ServiceUnavailable',
  'ServiceUnavailableException',
  'RequestTimeout',
  'RequestTimeoutException',
  'TimeoutError',
  'TransactionInProgressException',
]);

const NETWORK_CODES = new Set([
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ECONNABORTED',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_SOCKET',
]);

interface ErrorShape {
  name?: unknown;
  code?: unknown;
  Code?: unknown;
  $metadata?: { httpStatusCode?: unknown };
  $retryable?: { throttling?: boolean };
  cause?: unknown;
}

function shape(err: unknown): ErrorShape | undefined {
  return typeof err === 'object' && err !== null ? (err as ErrorShape) : undefined;
}

/** True for throttling errors (ProvisionedThroughputExceeded, Throttling, RequestLimitExceeded, HTTP 429). */
export function isThrottlingError(err: unknown): boolean {
  const e = shape(err);
  if (e === undefined) return false;
  if (e.$retryable?.throttling === true) return true;
  if (e.$metadata?.httpStatusCode === 429) return true;
  return [e.name, e.code, e.Code].some((c) => typeof c === 'string' && THROTTLING_CODES.has(c));
}

/**
 * True when retrying the same request may succeed: throttles, 5xx responses, timeouts and socket
 * errors (also when wrapped in `cause`). False for client errors such as ValidationException,
 * ResourceNotFoundException or AccessDenied, which fail again.
 */
export function isRetryableError(err: unknown, depth = 0): boolean {
  const e = shape(err);
  if (e === undefined) return false;
  if (isThrottlingError(err)) return true;
  const status = e.$metadata?.httpStatusCode;
  if (typeof status === 'number' && status >= 500) return true;
  for (const c of [e.name, e.code, e.Code]) {
    if (typeof c === 'string' && (TRANSIENT_CODES.has(c) || NETWORK_CODES.has(c))) return true;
  }
  if (typeof status === 'number' && status >= 400) return false;
  return depth < 3 && e.cause !== undefined && isRetryableError(e.cause, depth + 1);
}

/** Resolves after `ms`, or rejects with the signal's reason when it aborts first. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
