import { randomBytes } from 'node:crypto';

let counter = 0;

/**
 * A name unique across processes and runs, valid for tables, buckets, queues, roles and functions:
 * lowercase letters, digits and hyphens, `<prefix>-<pid><counter>-<random>`.
 *
 * @example
 * uniqueName('orders'); // 'orders-6kz3-9f2c1a7b'
 */
export function uniqueName(prefix: string): string {
  counter += 1;
  const clean = prefix.toLowerCase().replace(/[^a-z0-9-]/g, '-') || 't';
  return `${clean}-${process.pid.toString(36)}${counter.toString(36)}-${randomBytes(4).toString('hex')}`;
}
