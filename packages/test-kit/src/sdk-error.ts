/** Which side AWS blames for a failed call, as the SDK's service exceptions carry it. */
export type SdkFault = 'client' | 'server';

/** An error shaped like the AWS SDK v3's service exceptions: `name`, `$fault`, `$metadata`. */
export type SdkError = Error & {
  $fault: SdkFault;
  $metadata: { httpStatusCode?: number; attempts?: number };
};

/** Options of {@link sdkError}. */
export interface SdkErrorOptions {
  /** The message (default: the name). Some callers match on it, e.g. "TimeToLive is already enabled". */
  message?: string;
  /** `$fault` (default: `server` for a 5xx status, else `client`). */
  fault?: SdkFault;
  /** `$metadata.attempts`: how many attempts the SDK made before it gave up (default: left out). */
  attempts?: number;
}

/**
 * An error as the AWS SDK v3 throws it for a failed call, for fake clients in unit tests: code in
 * `name`, HTTP status in `$metadata.httpStatusCode` (left out when `status` is undefined, as for an
 * error the SDK raised before any response).
 *
 * @example
 * ```ts
 * throw sdkError('ProvisionedThroughputExceededException', 400);
 * throw sdkError('ValidationException', 400, { message: 'TimeToLive is already enabled' });
 * ```
 */
export function sdkError(name: string, status?: number, options: SdkErrorOptions = {}): SdkError {
  const $metadata: SdkError['$metadata'] = {};
  if (status !== undefined) $metadata.httpStatusCode = status;
  if (options.attempts !== undefined) $metadata.attempts = options.attempts;
  return Object.assign(new Error(options.message ?? name), {
    name,
    $fault: options.fault ?? (status !== undefined && status >= 500 ? 'server' : 'client'),
    $metadata,
  });
}
