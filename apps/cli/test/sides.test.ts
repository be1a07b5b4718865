import { describe, expect, it } from 'vitest';
import { resolveSides, type SidesFlags, targetRoleArnFromFlags } from '../src/sides.js';

const flags = (extra: Partial<SidesFlags>): SidesFlags => ({ sourceRegion: 'us-east-1', ...extra });

describe('targetRoleArnFromFlags', () => {
  it('builds the seed default role ARN in the target account', () => {
    expect(targetRoleArnFromFlags(flags({ targetAccountId: '222222222222' }), 'eu-west-1')).toBe(
      'arn:aws:iam::222222222222:role/cross_account_assume_role',
    );
  });

  it.each([
    ['cn-north-1', 'arn:aws-cn:iam::222222222222:role/r'],
    ['us-gov-west-1', 'arn:aws-us-gov:iam::222222222222:role/r'],
    ['us-iso-east-1', 'arn:aws-iso:iam::222222222222:role/r'],
    ['us-isob-east-1', 'arn:aws-iso-b:iam::222222222222:role/r'],
  ])('uses the partition of the target region %s', (region, arn) => {
    expect(
      targetRoleArnFromFlags(flags({ targetAccountId: '222222222222', targetRoleName: 'r' }), region),
    ).toBe(arn);
  });

  it('takes --target-role-arn as given and refuses one in another account than --target-account-id', () => {
    const arn = 'arn:aws:iam::333333333333:role/migrator';
    expect(targetRoleArnFromFlags(flags({ targetRoleArn: arn }), 'us-east-1')).toBe(arn);
    expect(() =>
      targetRoleArnFromFlags(flags({ targetRoleArn: arn, targetAccountId: '222222222222' }), 'us-east-1'),
    ).toThrow(/account 333333333333 but --target-account-id is 222222222222/);
  });

  it('has no role without a target account', () => {
    expect(targetRoleArnFromFlags(flags({}), 'us-east-1')).toBeUndefined();
  });
});

describe('resolveSides: --region, --profile and the AWS_* variables (AWS CLI convention, source side only)', () => {
  const keys = { AWS_ACCESS_KEY_ID: 'AKID', AWS_SECRET_ACCESS_KEY: 'secret' };

  it('takes the source region from --source-region, else --region, AWS_REGION, AWS_DEFAULT_REGION', () => {
    const env = { AWS_REGION: 'eu-west-1', AWS_DEFAULT_REGION: 'eu-west-2' };
    expect(resolveSides({ sourceRegion: 'us-east-1' }, env).source.region).toBe('us-east-1');
    expect(resolveSides({ region: 'ap-south-1' }, env).source.region).toBe('ap-south-1');
    expect(resolveSides({}, env).source.region).toBe('eu-west-1');
    expect(resolveSides({}, { AWS_DEFAULT_REGION: 'eu-west-2' }).source.region).toBe('eu-west-2');
    expect(() => resolveSides({}, {})).toThrow(/--source-region is required/);
  });

  it('defaults the target region to the source region however that was given', () => {
    const sides = resolveSides({ targetAccountId: '222222222222' }, { AWS_REGION: 'eu-west-1' });
    expect(sides.target.region).toBe('eu-west-1');
    expect(sides.targetRoleArn).toBe('arn:aws:iam::222222222222:role/cross_account_assume_role');
  });

  it('takes the source profile from --source-profile or --profile, else keys in the env, else AWS_PROFILE', () => {
    const region = { sourceRegion: 'us-east-1' };
    expect(resolveSides({ ...region, profile: 'ops' }, keys).source.profile).toBe('ops');
    expect(resolveSides({ ...region, sourceProfile: 'src' }, { AWS_PROFILE: 'env' }).source.profile).toBe(
      'src',
    );
    expect(resolveSides(region, { AWS_PROFILE: 'env' }).source.profile).toBe('env');
    const withKeys = resolveSides(region, { ...keys, AWS_PROFILE: 'env' }).source;
    expect(withKeys.profile).toBeUndefined();
    expect(withKeys.credentials).toMatchObject({ accessKeyId: 'AKID' });
  });

  it('never uses --profile or AWS_PROFILE for a target reached through a role or its own profile', () => {
    const role = resolveSides(
      { sourceRegion: 'us-east-1', profile: 'ops', targetAccountId: '222222222222' },
      { AWS_PROFILE: 'env' },
    );
    expect(role.target.profile).toBeUndefined();
    expect(role.targetAccess).toMatchObject({ kind: 'assume-role' });
    const own = resolveSides({ sourceRegion: 'us-east-1', profile: 'ops', targetProfile: 'tgt' }, {});
    expect(own.target.profile).toBe('tgt');
  });
});
