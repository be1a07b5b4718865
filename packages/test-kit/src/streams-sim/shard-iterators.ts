import { SimServiceError } from './sim-errors.js';

/** Where an iterator points: the next record it returns is the first with a sequence number above `after`. */
export interface IteratorPosition {
  streamArn: string;
  shardId: string;
  after: bigint;
  /** Sim-clock time the iterator was handed out (expiry after 15 minutes). */
  issuedAtMs: number;
}

const SEPARATOR = '|1|';

/** An opaque iterator string shaped like AWS's (`<stream ARN>|1|<opaque>`). */
export function encodeIterator(position: IteratorPosition): string {
  const state = JSON.stringify({
    s: position.shardId,
    p: `${position.after}`,
    t: position.issuedAtMs,
  });
  return `${position.streamArn}${SEPARATOR}${Buffer.from(state, 'utf8').toString('base64')}`;
}

/** @throws SimServiceError ValidationException for a string the sim did not hand out. */
export function decodeIterator(iterator: unknown): IteratorPosition {
  if (typeof iterator !== 'string' || iterator.length === 0 || iterator.length > 2048) {
    throw new SimServiceError('ValidationException', 'Invalid ShardIterator: must be 1 to 2048 characters');
  }
  const at = iterator.lastIndexOf(SEPARATOR);
  try {
    if (at < 0) throw new Error('no separator');
    const state = JSON.parse(Buffer.from(iterator.slice(at + SEPARATOR.length), 'base64').toString('utf8'));
    if (typeof state.s !== 'string' || typeof state.p !== 'string' || typeof state.t !== 'number') {
      throw new Error('bad state');
    }
    return {
      streamArn: iterator.slice(0, at),
      shardId: state.s,
      after: BigInt(state.p),
      issuedAtMs: state.t,
    };
  } catch {
    throw new SimServiceError('ValidationException', 'Invalid ShardIterator');
  }
}
