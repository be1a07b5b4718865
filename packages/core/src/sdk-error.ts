/**
 * Naming and describing the errors the AWS SDK throws: service errors (`name` such as
 * `ResourceNotFoundException`), responses it could not parse (`Code`, or only an HTTP status), and
 * the Node socket errors underneath (`code` such as `ECONNREFUSED`).
 */

interface ErrorShape {
  name?: unknown;
  code?: unknown;
  Code?: unknown;
  message?: unknown;
  address?: unknown;
  port?: unknown;
  hostname?: unknown;
  cause?: unknown;
  errors?: unknown;
}

function shape(error: unknown): ErrorShape | undefined {
  return typeof error === 'object' && error !== null ? (error as ErrorShape) : undefined;
}

const named = (value: unknown): value is string =>
  typeof value === 'string' && value !== '' && value !== 'Error';

/**
 * The name of an SDK error: the service's error name (`ResourceNotFoundException`), else the
 * unparsed response's `Code`, else the Node error code (`ECONNREFUSED`). Undefined when the error
 * names nothing beyond the generic `Error` (or is not an object). The one helper every package uses
 * to branch on an AWS failure.
 *
 * @example
 * if (sdkErrorName(error) === 'ResourceNotFoundException') return undefined;
 */
export function sdkErrorName(error: unknown): string | undefined {
  const e = shape(error);
  if (e === undefined) return undefined;
  for (const candidate of [e.name, e.Code, e.code]) if (named(candidate)) return candidate;
  return undefined;
}

/** Node's socket error codes that mean the endpoint was never reached, in words. */
const UNREACHABLE_REASONS: Readonly<Record<string, string>> = {
  ECONNREFUSED: 'connection refused',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'host name lookup failed',
  ETIMEDOUT: 'connection timed out',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
};

/** What {@link unreachableEndpoint} found: where the connection went and why it failed. */
export interface UnreachableEndpoint {
  /** `host:port` (or the host name that did not resolve), when the error says. */
  where?: string;
  /** `connection refused`, `host not found`, ... */
  reason: string;
  /** The Node error code (`ECONNREFUSED`, ...). */
  code: string;
}

/**
 * When `error` (or its `cause`, or one of an AggregateError's `errors`) says the endpoint could
 * not be reached at all (connection refused, unknown host, no route), where and why; otherwise
 * undefined. Such a failure is about the endpoint or the network, never about credentials.
 *
 * @example
 * unreachableEndpoint(error); // { where: '127.0.0.1:4566', reason: 'connection refused', code: 'ECONNREFUSED' }
 */
export function unreachableEndpoint(error: unknown, depth = 0): UnreachableEndpoint | undefined {
  const e = shape(error);
  if (e === undefined || depth > 3) return undefined;
  if (typeof e.code === 'string' && e.code in UNREACHABLE_REASONS) {
    const where =
      typeof e.address === 'string'
        ? typeof e.port === 'number'
          ? `${e.address}:${e.port}`
          : e.address
        : typeof e.hostname === 'string'
          ? e.hostname
          : undefined;
    const found = Array.isArray(e.errors)
      ? e.errors.map((inner) => unreachableEndpoint(inner, depth + 1)).find((u) => u?.where !== undefined)
      : undefined;
    return {
      ...(where !== undefined ? { where } : found?.where !== undefined ? { where: found.where } : {}),
      reason: UNREACHABLE_REASONS[e.code] as string,
      code: e.code,
    };
  }
  if (Array.isArray(e.errors)) {
    for (const inner of e.errors) {
      const found = unreachableEndpoint(inner, depth + 1);
      if (found) return found;
    }
  }
  return e.cause === undefined ? undefined : unreachableEndpoint(e.cause, depth + 1);
}

/**
 * One line about an error for a message: `cannot reach <host:port> (connection refused)` for an
 * endpoint that was never reached, `<Name>: <first line of the message>` for a named error, the
 * message alone for a plain `Error` (never "Error: Error: ...").
 *
 * @example
 * throw new ConfigError(`Cannot read the queue (${describeSdkError(error)})`);
 */
export function describeSdkError(error: unknown): string {
  const unreachable = unreachableEndpoint(error);
  if (unreachable) {
    return `cannot reach ${unreachable.where ?? 'the endpoint'} (${unreachable.reason})`;
  }
  const e = shape(error);
  const message = typeof e?.message === 'string' ? (e.message.split('\n')[0] ?? '') : '';
  if (e === undefined || (message === '' && !(error instanceof Error))) return String(error);
  const name = sdkErrorName(error);
  if (name === undefined) return message || 'unknown error';
  // Node's own errors already start with their code ("ENOENT: no such file or directory, ...").
  return message === '' ? name : message.startsWith(name) ? message : `${name}: ${message}`;
}
