// The randomness an adversary may use, as any driver can provide it: the simulator hands
// in a stream forked from the run seed (src/sim/rng.ts); the process driver one built
// from --adversary-seed, or from a fresh random seed it prints, so a run can be repeated.
// An adversary never reaches for Math.random: its choices replay from the seed (STYLE 7).

export interface Rng {
  /** Uniform in [0, 1). */
  next(): number;
  /** Uniform integer in [low, high], both inclusive. */
  int(low: number, high: number): number;
  /** True with probability p. */
  chance(p: number): boolean;
  /** An independent stream named `label`, derived from this stream's seed. */
  fork(label: string): Rng;
}

/** `items` in a random order: each drawn one key from `rng`, in order, then sorted by key. */
export function shuffled<T>(rng: Pick<Rng, 'next'>, items: readonly T[]): T[] {
  return items
    .map((item) => ({ item, key: rng.next() }))
    .sort((a, b) => a.key - b.key)
    .map(({ item }) => item);
}
