import { InvocationDeadlineError, RequestTimeoutError } from '../errors.js';

/** Default bound of one request (a single `send`), the Lambda clients' request timeout. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 5_000;

/**
 * An invocation's time budget, in epoch ms. Every request is bounded by `requestTimeoutMs` and
 * none starts after `startBy`, so every request has ended by `deadline`, which is a safety margin
 * before the invocation's end: a write of an invocation is never in flight after it returns.
 */
export interface TimeBudget {
  /** All calls have ended by then; the rest of the invocation is kept for reporting. */
  deadline: number;
  /** `deadline - requestTimeoutMs`: no call starts after this. */
  startBy: number;
  requestTimeoutMs: number;
  now: () => number;
}

/**
 * The budget of an invocation with `remainingTimeMs` left: margin = `safetyMarginMs`, or 20% of
 * the remaining time within 1-10 s; `deadline` = now + remaining - margin; `startBy` = deadline -
 * request timeout. With less than margin + request timeout left, no call starts at all.
 */
export function timeBudget(
  remainingTimeMs: number,
  options: { safetyMarginMs?: number; requestTimeoutMs?: number },
  now: () => number,
): TimeBudget {
  const margin = options.safetyMarginMs ?? Math.min(10_000, Math.max(1000, remainingTimeMs * 0.2));
  const requestTimeoutMs = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  const deadline = now() + Math.max(0, remainingTimeMs - margin);
  return { deadline, startBy: deadline - requestTimeoutMs, requestTimeoutMs, now };
}

type SendOptions = { abortSignal?: AbortSignal } & Record<string, unknown>;
type Send = (command: unknown, options: SendOptions) => Promise<unknown>;
// biome-ignore lint/suspicious/noExplicitAny: matches any SDK client's overloaded send.
type SendClient = { send: (...args: any[]) => Promise<unknown> };

/**
 * Wraps a client so that its `send` keeps to `budget`: a send that would start after `startBy`
 * is refused ({@link InvocationDeadlineError}), and a send still running after `requestTimeoutMs`
 * is aborted (its abort signal fires, so the SDK destroys the request) and rejected with a
 * {@link RequestTimeoutError}. This bounds the whole send, credentials and SDK retries included,
 * whatever the client's own settings.
 */
export function withinBudget<C extends SendClient>(client: C, budget: TimeBudget): C {
  const send = (command: unknown, options?: SendOptions): Promise<unknown> => {
    if (budget.now() > budget.startBy) return Promise.reject(new InvocationDeadlineError());
    const controller = new AbortController();
    const caller = options?.abortSignal;
    const abortSignal =
      caller === undefined ? controller.signal : AbortSignal.any([caller, controller.signal]);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        const error = new RequestTimeoutError(budget.requestTimeoutMs);
        controller.abort(error);
        reject(error);
      }, budget.requestTimeoutMs);
      (client.send as Send)
        .call(client, command, { ...options, abortSignal })
        .then(resolve, reject)
        .finally(() => clearTimeout(timer));
    });
  };
  return { send } as unknown as C;
}
