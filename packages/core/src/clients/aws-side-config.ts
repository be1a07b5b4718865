/**
 * Credentials as the AWS SDK v3 uses them (structurally the same as `AwsCredentialIdentity`
 * from `@smithy/types`, declared here so core needs no extra dependency).
 */
export interface AwsCredentialIdentity {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
  /** When the credentials stop working; absent for long-lived keys. */
  readonly expiration?: Date;
  readonly credentialScope?: string;
  readonly accountId?: string;
}

/** A function that resolves credentials; the SDK calls it before signing (and memoizes it). */
export type AwsCredentialIdentityProvider = (
  // biome-ignore lint/suspicious/noExplicitAny: mirrors the SDK's own provider signature
  identityProperties?: Record<string, any>,
) => Promise<AwsCredentialIdentity>;

/**
 * Everything needed to build SDK clients for one side (source or target) of a migration.
 * Core never reads environment variables: entry points (CLI, Lambda) fill this in, including
 * the endpoint from `--endpoint-url` / `AWS_ENDPOINT_URL`.
 */
export interface AwsSideConfig {
  /** Region of the table (and of the bucket, for S3 clients). */
  region: string;
  /** Shared-config profile (`~/.aws/config`), resolved with `fromIni`. Ignored when `credentials` is set. */
  profile?: string;
  /** Custom endpoint for every service (a local stand-in such as moto). */
  endpoint?: string;
  /** SDK-level attempts per call (default: SDK default 3). Retries in the batch writer are separate. */
  maxAttempts?: number;
  /** SDK retry strategy (default `standard`). */
  retryMode?: 'standard' | 'adaptive';
  /** Explicit credentials or provider; wins over `profile`. */
  credentials?: AwsCredentialIdentityProvider | AwsCredentialIdentity;
  /** Sockets per client (keep-alive pool); size it for the writer's `concurrency`. Default 64. */
  maxSockets?: number;
  /** Milliseconds to establish a TCP/TLS connection before the SDK gives up and retries. Default 5000. */
  connectionTimeoutMs?: number;
  /** Milliseconds a request may take before it fails with a TimeoutError. Default none. */
  requestTimeoutMs?: number;
}

/** The role to assume for the other side (usually the target account). */
export interface AssumeRoleConfig {
  /** Full role ARN; build one from an account id and role name with `roleArnFromName`. */
  roleArn: string;
  /** sts:ExternalId, when the role's trust policy requires one. */
  externalId?: string;
  /** RoleSessionName (shows up in CloudTrail). Default `ddb-migrate`. */
  sessionName?: string;
  /** Session length in seconds (900..43200, capped by the role's MaxSessionDuration). Default 3600. */
  durationSeconds?: number;
}

/**
 * How a side's credentials were obtained, for messages and plans (the credentials themselves are
 * in {@link AwsSideConfig.credentials}): an assumed role, a shared-config profile, or the other
 * side's credentials (same-account migration).
 */
export type TargetAccess =
  | { kind: 'assume-role'; roleArn: string }
  | { kind: 'profile'; profile: string }
  | { kind: 'same-credentials' };
