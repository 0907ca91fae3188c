// One small seeded generator for everything that must replay exactly from a seed: the queue
// simulation, the soak run's schedule, the relay fuzz test.

/** mulberry32: a fast 32-bit generator, uniform in [0, 1); plenty for simulations and fuzzing (never for secrets). */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
