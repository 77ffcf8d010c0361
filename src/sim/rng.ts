// The simulator's only source of randomness. One seed decides a whole run:
// every consumer (network, each client's workload, key derivation) forks its own
// named stream from the run seed, so adding a consumer never shifts another's draws.
import seedrandom from 'seedrandom';
import type { Rng as AdversaryRng } from '../adversary/rng.ts';

/** The driver-neutral Rng adversaries receive (src/adversary/rng.ts), plus what workloads need. */
export interface Rng extends AdversaryRng {
  /** Normal(mean, standardDeviation), by Box-Muller. */
  normal(mean: number, standardDeviation: number): number;
  /** An independent stream named `label`, derived from this stream's seed. */
  fork(label: string): Rng;
}

export function createRng(seed: string | number): Rng {
  const seedText = String(seed);
  const prng = seedrandom(seedText);
  const next = (): number => prng.quick();
  return {
    next,
    int: (low, high) => low + Math.floor(next() * (high - low + 1)),
    chance: (p) => p > 0 && next() < p,
    normal: (mean, standardDeviation) => {
      // 1 - next() is in (0, 1], so the logarithm is finite.
      const u1 = 1 - next();
      const u2 = next();
      return mean + standardDeviation * Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
    },
    fork: (label) => createRng(`${seedText}/${label}`),
  };
}
