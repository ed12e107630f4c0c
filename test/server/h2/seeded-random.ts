/**
 * xorshift32 (Marsaglia 2003): a seeded PRNG for the randomized codec tests, so a failing case
 * replays from its seed. Returns the next 32-bit unsigned value on each call.
 */
export function xorshift32(seed: number): () => number {
  let state = seed >>> 0 || 1;
  return () => {
    state ^= state << 13;
    state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    return state;
  };
}

/** A seeded `next(n)`: an integer in 0..n-1. */
export function seededBelow(seed: number): (n: number) => number {
  const next = xorshift32(seed);
  return (n) => next() % n;
}
