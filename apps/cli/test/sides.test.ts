import { describe, expect, it } from 'vitest';
import { type SidesFlags, targetRoleArnFromFlags } from '../src/sides.js';

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
