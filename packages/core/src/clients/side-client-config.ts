import { fromIni } from '@aws-sdk/credential-providers';
import type {
  AwsCredentialIdentity,
  AwsCredentialIdentityProvider,
  AwsSideConfig,
} from './aws-side-config.js';
import { createHttpHandler } from './http-handler.js';

/**
 * The credentials a side signs with: explicit `credentials` first, then `profile` (fromIni),
 * otherwise `undefined` so the SDK's default provider chain applies.
 */
export function sideCredentials(
  side: AwsSideConfig,
): AwsCredentialIdentityProvider | AwsCredentialIdentity | undefined {
  if (side.credentials !== undefined) return side.credentials;
  if (side.profile !== undefined) return fromIni({ profile: side.profile });
  return undefined;
}

/**
 * The one place a side becomes AWS SDK client config, for every service (the factories here, and
 * `new LambdaClient(sideClientConfig(side))` for services core has no factory for): region,
 * endpoint, SDK attempts and retry mode, the side's credentials ({@link sideCredentials}: a
 * profile is resolved here, never passed to the SDK raw) and a keep-alive HTTP handler with the
 * side's socket pool and timeouts.
 *
 * @example
 * const lambda = new LambdaClient(sideClientConfig({ region: 'us-east-1', profile: 'source' }));
 */
export function sideClientConfig(side: AwsSideConfig) {
  const credentials = sideCredentials(side);
  return {
    region: side.region,
    ...(side.endpoint === undefined ? {} : { endpoint: side.endpoint }),
    ...(side.maxAttempts === undefined ? {} : { maxAttempts: side.maxAttempts }),
    ...(side.retryMode === undefined ? {} : { retryMode: side.retryMode }),
    ...(credentials === undefined ? {} : { credentials }),
    requestHandler: createHttpHandler(side),
  };
}
