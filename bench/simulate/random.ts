// Seeded random numbers for the queue simulation: the same seed gives the same day, on every machine.

export { seeded as makeRandom } from '../../test/helpers/random.js';

/** Exponential with the given mean (inverse transform; never exactly 0 or infinite). */
export const exponential = (rand: () => number, mean: number): number => -mean * Math.log(1 - rand() * 0.999999999);

/** Number of trials until the first success, ≥ 1, with the given mean (≥ 1). */
export function geometric(rand: () => number, mean: number): number {
  if (mean <= 1) return 1;
  const p = 1 / mean;
  return 1 + Math.floor(Math.log(1 - rand() * 0.999999999) / Math.log(1 - p));
}
