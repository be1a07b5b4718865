import { describe, expect, it } from 'vitest';
import { memoizeCredentials } from '../../src/clients/assume-role.js';
import type { AwsCredentialIdentity } from '../../src/clients/aws-side-config.js';
import { createS3Client } from '../../src/clients/create-clients.js';
import { partitionFromRegion, roleArnFromName } from '../../src/clients/role-arn.js';
import { sideClientConfig } from '../../src/clients/side-client-config.js';

describe('roleArnFromName', () => {
  it('builds role ARNs in the partition of the region', () => {
    expect(roleArnFromName('222222222222', 'cross_account_assume_role')).toBe(
      'arn:aws:iam::222222222222:role/cross_account_assume_role',
    );
    expect(roleArnFromName('222222222222', 'r', partitionFromRegion('cn-northwest-1'))).toBe(
      'arn:aws-cn:iam::222222222222:role/r',
    );
    expect(roleArnFromName('222222222222', 'team/r', partitionFromRegion('us-gov-west-1'))).toBe(
      'arn:aws-us-gov:iam::222222222222:role/team/r',
    );
    expect(partitionFromRegion('eu-central-1')).toBe('aws');
  });

  it('returns an ARN unchanged and rejects malformed account ids', () => {
    expect(roleArnFromName('1', 'arn:aws:iam::333333333333:role/x')).toBe('arn:aws:iam::333333333333:role/x');
    expect(() => roleArnFromName('12345', 'r')).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID' }));
  });
});

describe('memoizeCredentials', () => {
  const creds = (n: number, expiresAt?: number): AwsCredentialIdentity => ({
    accessKeyId: `AK${n}`,
    secretAccessKey: 's',
    ...(expiresAt === undefined ? {} : { expiration: new Date(expiresAt) }),
  });

  it('shares one session between callers and refreshes within 5 minutes of expiry', async () => {
    let now = 0;
    let calls = 0;
    const provider = memoizeCredentials(
      async () => {
        calls += 1;
        return creds(calls, now + 3_600_000);
      },
      undefined,
      () => now,
    );
    const [a, b] = await Promise.all([provider(), provider()]);
    expect(calls).toBe(1);
    expect(a).toBe(b);
    now = 3_600_000 - 6 * 60_000;
    expect((await provider()).accessKeyId).toBe('AK1');
    now = 3_600_000 - 4 * 60_000;
    expect((await provider()).accessKeyId).toBe('AK2');
    expect((await provider({ forceRefresh: true })).accessKeyId).toBe('AK3');
  });

  it('keeps credentials without expiration and retries after a failed refresh', async () => {
    let fail = true;
    const provider = memoizeCredentials(async () => {
      if (fail) throw new Error('sts down');
      return creds(1);
    });
    await expect(provider()).rejects.toThrow('sts down');
    fail = false;
    expect((await provider()).accessKeyId).toBe('AK1');
    fail = true;
    expect((await provider()).accessKeyId).toBe('AK1');
  });
});

describe('createS3Client', () => {
  it('uses path-style addressing only with a custom endpoint', async () => {
    const local = createS3Client({ region: 'us-east-1', endpoint: 'http://127.0.0.1:5000' });
    const aws = createS3Client({ region: 'us-east-1' });
    expect(local.config.forcePathStyle).toBe(true);
    expect(aws.config.forcePathStyle).toBeFalsy();
    local.destroy();
    aws.destroy();
  });
});

describe('sideClientConfig', () => {
  it('keeps the retry mode, attempts and endpoint, and gives every client its own keep-alive handler', () => {
    const side = {
      region: 'eu-west-1',
      endpoint: 'http://127.0.0.1:5000',
      maxAttempts: 7,
      retryMode: 'adaptive' as const,
    };
    const config = sideClientConfig(side);
    expect(config).toMatchObject({
      region: 'eu-west-1',
      endpoint: 'http://127.0.0.1:5000',
      maxAttempts: 7,
      retryMode: 'adaptive',
    });
    expect(config.requestHandler.constructor.name).toBe('NodeHttpHandler');
    expect(sideClientConfig(side).requestHandler).not.toBe(config.requestHandler);
  });

  it('resolves a profile to a credential provider instead of passing the raw profile to the SDK', () => {
    const config = sideClientConfig({ region: 'us-east-1', profile: 'source-admin' });
    expect(config).not.toHaveProperty('profile');
    expect(typeof config.credentials).toBe('function');
  });

  it('lets explicit credentials win over the profile and leaves the default chain to the SDK otherwise', () => {
    const credentials = { accessKeyId: 'AK', secretAccessKey: 's' };
    expect(sideClientConfig({ region: 'us-east-1', profile: 'p', credentials }).credentials).toBe(
      credentials,
    );
    expect(sideClientConfig({ region: 'us-east-1' })).not.toHaveProperty('credentials');
  });
});
