import { ConfigError } from '../errors.js';

/**
 * The AWS partition a region belongs to: `aws-cn` for `cn-*`, `aws-us-gov` for `us-gov-*`,
 * the ISO partitions for `us-iso-*`/`us-isob-*`, otherwise `aws`.
 *
 * @example partitionFromRegion('cn-north-1') // 'aws-cn'
 */
export function partitionFromRegion(region: string): string {
  if (region.startsWith('cn-')) return 'aws-cn';
  if (region.startsWith('us-gov-')) return 'aws-us-gov';
  if (region.startsWith('us-isob-')) return 'aws-iso-b';
  if (region.startsWith('us-iso-')) return 'aws-iso';
  return 'aws';
}

/**
 * Builds an IAM role ARN from an account id and a role name (which may carry a path,
 * `team/migrator`). A value that already is an ARN is returned unchanged.
 *
 * @param partition `aws` (default), `aws-cn`, `aws-us-gov`...; derive it with {@link partitionFromRegion}.
 * @example roleArnFromName('222222222222', 'cross_account_assume_role') // 'arn:aws:iam::222222222222:role/cross_account_assume_role'
 */
export function roleArnFromName(accountId: string, roleName: string, partition = 'aws'): string {
  if (roleName.startsWith('arn:')) return roleName;
  if (!/^\d{12}$/.test(accountId)) {
    throw new ConfigError(`Account id "${accountId}" is not a 12-digit AWS account id`, {
      hint: 'Pass the target account id, e.g. --target-account-id 222222222222',
    });
  }
  const name = roleName.replace(/^\/+/, '');
  if (name === '') {
    throw new ConfigError('Role name is empty', { hint: 'Pass --target-role-name or --target-role-arn' });
  }
  return `arn:${partition}:iam::${accountId}:role/${name}`;
}
