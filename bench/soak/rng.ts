// The soak run's schedule replays with --seed (test/helpers/random.ts).
export type Rng = () => number;

export { seeded } from '../../test/helpers/random.js';

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
