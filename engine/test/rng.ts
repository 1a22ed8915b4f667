/** Seeded PRNG (mulberry32) for replayable randomized tests. */
export interface Rng {
  /** Integer in [0, n). */
  int(n: number): number;
  /** Float in [0, 1). */
  float(): number;
}

export function rng(seed: number): Rng {
  let a = seed >>> 0;
  const float = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return { float, int: (n: number) => Math.floor(float() * n) };
}
