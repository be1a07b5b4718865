import { ConfigError } from '@ddb-migrate/core';

/**
 * Parses repeated `Key=Value` flags (`--source-parameter MemorySize=1024`).
 *
 * @throws ConfigError for an entry without `=` or with an empty key.
 */
export function parseParameterFlags(flag: string, entries: readonly string[] = []): Record<string, string> {
  const result: Record<string, string> = {};
  for (const entry of entries) {
    const eq = entry.indexOf('=');
    if (eq <= 0) {
      throw new ConfigError(`${flag} "${entry}" is not Key=Value`, {
        hint: `Pass ${flag} ParameterName=value`,
      });
    }
    result[entry.slice(0, eq)] = entry.slice(eq + 1);
  }
  return result;
}

/**
 * Splits `s3://bucket/key` into its parts.
 *
 * @throws ConfigError for anything else.
 */
export function parseS3Uri(uri: string): { bucket: string; key: string } {
  const match = /^s3:\/\/([^/]+)\/(.+)$/.exec(uri);
  if (!match?.[1] || !match[2]) {
    throw new ConfigError(`--code-s3-uri "${uri}" is not an s3://bucket/key URI`, {
      hint: 'Pass e.g. s3://my-code-bucket/ddb-migrate/ddb-migrate-cdc-lambda-0.1.0.zip',
    });
  }
  return { bucket: match[1], key: match[2] };
}

/**
 * The IAM principal ARN behind a caller identity, as bucket and trust policies name it:
 * `arn:aws:sts::1:assumed-role/Name/session` -> `arn:aws:iam::1:role/Name` (a role path, if any,
 * is not visible in the session ARN), IAM users unchanged. Undefined for the root user or
 * anything else, which must be named with --operator-principal-arn.
 */
export function principalArnFromCaller(callerArn: string): string | undefined {
  const role = /^arn:(aws[a-z-]*):sts::(\d{12}):assumed-role\/([^/]+)\/[^/]+$/.exec(callerArn);
  if (role) return `arn:${role[1]}:iam::${role[2]}:role/${role[3]}`;
  // moto reports plain keys as `arn:aws:sts::<account>:user/<name>`; AWS uses the iam service.
  const user = /^arn:(aws[a-z-]*):(?:iam|sts)::(\d{12}):user\/(.+)$/.exec(callerArn);
  if (user) return `arn:${user[1]}:iam::${user[2]}:user/${user[3]}`;
  return undefined;
}
