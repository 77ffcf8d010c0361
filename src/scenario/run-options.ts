// A Scenario and a seed make the options of one run: the only translation from the
// scenario's terms to the driver's, so a sweep over seeds (in any thread) builds the
// same run for the same seed.
import type { CryptoBackend } from '../crypto/index.ts';
import type { RunOptions } from '../sim/run.ts';
import type { Scenario } from './scenario.ts';

/** What a scenario does not decide: how the run is observed and which crypto backend computes it. */
export interface RunExtras {
  readonly cryptoBackend?: CryptoBackend;
  readonly trace?: (line: string) => void;
}

/**
 * @example runSeed(scenarioRunOptions(await loadScenario('x.json'), 7))
 */
export function scenarioRunOptions(scenario: Scenario, seed: number, extras: RunExtras = {}): RunOptions {
  const liveness = livenessOf(scenario);
  return {
    seed,
    n: scenario.n,
    auth: scenario.auth,
    optimizations: scenario.optimizations,
    durationMs: scenario.durationMs,
    workloadDurationMs: scenario.workloadDurationMs,
    workload: scenario.workload,
    network: scenario.network,
    parameters: scenario.parameters,
    faulty: scenario.faulty,
    ...(liveness === undefined ? {} : { liveness }),
    ...(scenario.byzantineClients === undefined ? {} : { byzantineClients: scenario.byzantineClients }),
    ...(extras.cryptoBackend === undefined ? {} : { cryptoBackend: extras.cryptoBackend }),
    ...(extras.trace === undefined ? {} : { trace: extras.trace }),
  };
}

/** The liveness bound a run checks: the expectation's, or, for a negative test, the one it expects broken. */
export function livenessOf(scenario: Scenario): RunOptions['liveness'] {
  switch (scenario.expect.kind) {
    case 'live':
      return { liveAfterMs: scenario.expect.liveAfterMs, completeWithinMs: scenario.expect.completeWithinMs };
    case 'violation':
      return scenario.expect.liveness;
    case 'safe':
      return undefined;
  }
}
