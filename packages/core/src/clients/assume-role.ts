import { fromTemporaryCredentials } from '@aws-sdk/credential-providers';
import type {
  AssumeRoleConfig,
  AwsCredentialIdentity,
  AwsCredentialIdentityProvider,
  AwsSideConfig,
} from './aws-side-config.js';
import { sideCredentials } from './side-client-config.js';
import { createHttpHandler } from './http-handler.js';

/** Default RoleSessionName, visible in the target account's CloudTrail. */
export const DEFAULT_ROLE_SESSION_NAME = 'ddb-migrate';

/** Refresh this long before `expiration` (the SDK's own window, `EXPIRATION_MS` in @smithy/core). */
export const CREDENTIAL_REFRESH_WINDOW_MS = 5 * 60_000;

/**
 * Credentials for `role`, obtained with sts:AssumeRole signed by the `caller` side's credentials
 * (explicit credentials, its profile, or the default chain), through the caller's region and
 * endpoint.
 *
 * Refresh: `fromTemporaryCredentials` itself calls AssumeRole on every invocation and returns
 * the session's `expiration`. Every SDK v3 client wraps its credential provider in
 * `memoizeIdentityProvider` (@smithy/core) and calls it again once the cached credentials are
 * within 5 minutes of `expiration`, so long runs never sign with expired keys. This function adds
 * the same memoization around the provider so that all clients built with it (DynamoDB, S3,
 * Streams) share one session instead of one AssumeRole per client; concurrent refreshes
 * coalesce into one STS call.
 *
 * @example
 * const target = createDynamoDbClient({ region, credentials: assumeRoleCredentials(sourceSide, {
 *   roleArn: roleArnFromName('222222222222', 'cross_account_assume_role', partitionFromRegion(region)),
 * }) });
 */
export function assumeRoleCredentials(
  caller: AwsSideConfig,
  role: AssumeRoleConfig,
): AwsCredentialIdentityProvider {
  const masterCredentials = sideCredentials(caller);
  const provider = fromTemporaryCredentials({
    ...(masterCredentials === undefined ? {} : { masterCredentials }),
    params: {
      RoleArn: role.roleArn,
      RoleSessionName: role.sessionName ?? DEFAULT_ROLE_SESSION_NAME,
      ...(role.externalId === undefined ? {} : { ExternalId: role.externalId }),
      ...(role.durationSeconds === undefined ? {} : { DurationSeconds: role.durationSeconds }),
    },
    clientConfig: {
      region: caller.region,
      ...(caller.endpoint === undefined ? {} : { endpoint: caller.endpoint }),
      ...(caller.maxAttempts === undefined ? {} : { maxAttempts: caller.maxAttempts }),
      ...(caller.retryMode === undefined ? {} : { retryMode: caller.retryMode }),
      // Own handler: otherwise STS borrows the first calling client's handler, and destroying
      // that client would break later refreshes for the others.
      requestHandler: createHttpHandler({ maxSockets: 4, connectionTimeoutMs: caller.connectionTimeoutMs }),
    },
  });
  return memoizeCredentials(provider);
}

/**
 * Caches credentials until they are within {@link CREDENTIAL_REFRESH_WINDOW_MS} of expiry;
 * concurrent callers share one pending refresh. `forceRefresh` (set by the SDK after an
 * expired-token error) bypasses the cache.
 */
export function memoizeCredentials(
  provider: AwsCredentialIdentityProvider,
  refreshWindowMs = CREDENTIAL_REFRESH_WINDOW_MS,
  now: () => number = Date.now,
): AwsCredentialIdentityProvider {
  let current: AwsCredentialIdentity | undefined;
  let pending: Promise<AwsCredentialIdentity> | undefined;
  return async (props) => {
    const fresh =
      current !== undefined &&
      props?.forceRefresh !== true &&
      (current.expiration === undefined || current.expiration.getTime() - now() > refreshWindowMs);
    if (fresh && current !== undefined) return current;
    pending ??= provider(props)
      .then((credentials) => {
        current = credentials;
        return credentials;
      })
      .finally(() => {
        pending = undefined;
      });
    return pending;
  };
}
