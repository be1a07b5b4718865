/** Byte helpers for B and BS values (Uint8Array; a Node Buffer is a Uint8Array too). */

/** True when `value` holds bytes the SDK accepts for B (Uint8Array, Buffer). */
export function isBytes(value: unknown): value is Uint8Array {
  return value instanceof Uint8Array;
}

/** Byte-wise equality. */
export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.byteLength !== b.byteLength) return false;
  return Buffer.compare(asBuffer(a), asBuffer(b)) === 0;
}

/** Standard base64 (with padding), the form DynamoDB JSON uses for binary. */
export function bytesToBase64(bytes: Uint8Array): string {
  return asBuffer(bytes).toString('base64');
}

/** A string with one char per byte: cheap and unique, for use as a Set/Map key. */
export function bytesToKeyString(bytes: Uint8Array): string {
  return asBuffer(bytes).toString('latin1');
}

// Standard or URL-safe alphabet, padding optional; a length of 4k+1 can never be valid base64.
const BASE64_PATTERN = /^(?:[A-Za-z0-9+/]*|[A-Za-z0-9_-]*)={0,2}$/;

/** Decodes base64 text to a fresh Uint8Array (not a pooled Buffer view); `undefined` when it is not base64. */
export function tryBase64ToBytes(text: string): Uint8Array | undefined {
  if (!BASE64_PATTERN.test(text)) return undefined;
  const unpadded = text.replace(/=+$/, '');
  if (unpadded.length % 4 === 1) return undefined;
  if (text.length !== unpadded.length && text.length % 4 !== 0) return undefined;
  return new Uint8Array(Buffer.from(text, 'base64'));
}

function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
