import { randomIndex } from '../prng.js';

/**
 * Sequence numbers like AWS's (`800000000003126276362`): decimal strings of 21 digits and more,
 * strictly increasing across the whole stream and so within each shard (Streams API reference,
 * `SequenceNumberRange`: "sequence numbers ... increase over time").
 */
export class SequenceNumbers {
  private last = 100_000_000_000_000_000_000n;

  constructor(private readonly random: () => number) {}

  next(): bigint {
    this.last += BigInt(1 + randomIndex(this.random, 9));
    return this.last;
  }
}

/** `shardId-<20-digit creation ms>-<8 hex>`, the form of AWS shard IDs. */
export function shardIdFor(createdAtMs: number, random: () => number): string {
  const hex = Array.from({ length: 8 }, () => randomIndex(random, 16).toString(16)).join('');
  return `shardId-${String(createdAtMs).padStart(20, '0')}-${hex}`;
}

/** A 32-hex-digit event ID, as AWS records carry. */
export function eventIdFor(random: () => number): string {
  return Array.from({ length: 32 }, () => randomIndex(random, 16).toString(16)).join('');
}

/** The size of the hash space shards divide among themselves. */
export const HASH_SPACE = 2 ** 32;

/**
 * A stable 32-bit FNV-1a hash of a key in DynamoDB wire JSON (attribute names sorted), so one key
 * always lands in the same shard of a split and the same concurrent batch of an event source mapping.
 */
export function keyHash(keysJson: Record<string, unknown>): number {
  const text = JSON.stringify(
    Object.keys(keysJson)
      .sort()
      .map((name) => [name, keysJson[name]]),
  );
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i += 1) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash >>> 0;
}
