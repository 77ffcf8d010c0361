// Shared helpers for scenario and sweep tests: run one simulated seed with the
// defaults of the `ci` profile unless a test says otherwise.
import { DEFAULT_NETWORK, type NetworkOptions } from '../../src/sim/network.ts';
import { lockseqWorkloadOf, PROFILES } from '../../src/sim/profiles.ts';
import { runSeed, type RunOptions, type SeedRun } from '../../src/sim/run.ts';

export interface ScenarioOptions extends Partial<Omit<RunOptions, 'network'>> {
  readonly seed: number;
  readonly network?: Partial<NetworkOptions>;
}

export function simulate(options: ScenarioOptions): SeedRun {
  return runSeed({
    n: 4,
    durationMs: PROFILES.ci.durationS * 1000,
    workload: lockseqWorkloadOf('ci'),
    ...options,
    network: { ...DEFAULT_NETWORK, ...options.network },
  });
}

/** Violations as readable text, so a failing assertion shows what broke and the replay seed. */
export function describeViolations(run: SeedRun): string[] {
  return run.report.violations.map((violation) => `seed ${run.report.seed}: ${violation.property}: ${violation.detail}`);
}
