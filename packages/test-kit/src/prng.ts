/** A seeded PRNG (mulberry32): returns floats in [0, 1), the same sequence for the same seed. */
export function createPrng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** An integer in [0, max). */
export function randomIndex(random: () => number, max: number): number {
  return Math.floor(random() * max);
}

/** One element of a non-empty array. */
export function pick<T>(random: () => number, values: readonly T[]): T {
  return values[randomIndex(random, values.length)] as T;
}
