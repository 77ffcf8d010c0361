// The adversary tests' common run: 4 lockseq clients (`ci` profile) for 8 s on a lightly
// lossy network, n = 4, 4 s to settle. It is longer than the shipped scenarios in
// adversaries/scenarios/ (most run 3 clients for 4 s) so each test sees more rounds of its attack.
import { DEFAULT_NETWORK, type NetworkOptions } from '../../src/sim/network.ts';
import { lockseqWorkloadOf } from '../../src/sim/profiles.ts';
import { runSeed, type RunOptions, type SeedRun } from '../../src/sim/run.ts';

/** 1% loss, 1% duplicates and 2 ms of jitter on the default network. */
export const LIGHTLY_LOSSY: NetworkOptions = { ...DEFAULT_NETWORK, loss: 0.01, jitterMs: 2, duplicate: 0.01 };

/** One seed of the common run; `options` override any default. */
export function adversaryRun(options: Partial<RunOptions> & { seed: number }): SeedRun {
  return runSeed({
    n: 4,
    durationMs: 12_000,
    workloadDurationMs: 8_000,
    workload: lockseqWorkloadOf('ci', 4),
    network: LIGHTLY_LOSSY,
    ...options,
  });
}
