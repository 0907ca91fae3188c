// Seeded random numbers for the queue simulation: the same seed gives the same day, on every machine.

/** mulberry32: a small, fast 32-bit generator; plenty for a simulation (not for secrets). */
export function makeRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Exponential with the given mean (inverse transform; never exactly 0 or infinite). */
export const exponential = (rand: () => number, mean: number): number => -mean * Math.log(1 - rand() * 0.999999999);

/** Number of trials until the first success, ≥ 1, with the given mean (≥ 1). */
export function geometric(rand: () => number, mean: number): number {
  if (mean <= 1) return 1;
  const p = 1 / mean;
  return 1 + Math.floor(Math.log(1 - rand() * 0.999999999) / Math.log(1 - p));
}
