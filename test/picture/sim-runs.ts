// Three simulated runs whose pictures tests draw: a fault-free run, the demo's view change,
// and a run whose history is not linearizable. Each is a few seconds of simulated time and
// takes about a second to record.
//
//   const { record } = recordedRun('view-change');   // RunRecord, memoized per kind
import { demoRunOptions } from '../../src/cli/demo.ts';
import type { RunRecord } from '../../src/picture/record.ts';
import { recordSeed } from '../../src/picture/sim-recorder.ts';
import { DEFAULT_NETWORK } from '../../src/sim/network.ts';
import { lockseqWorkloadOf } from '../../src/sim/profiles.ts';
import type { RunOptions, SeedRun } from '../../src/sim/run.ts';

export type PictureRunKind = 'fault-free' | 'view-change' | 'violation';

/** n = 4, four lockseq clients for 1.5 s, half a second to settle; nothing goes wrong. */
export function faultFreeRunOptions(seed = 1): RunOptions {
  return { seed, n: 4, durationMs: 2_000, workloadDurationMs: 1_500, workload: lockseqWorkloadOf('ci', 4), network: DEFAULT_NETWORK };
}

/**
 * Pancydb's cas executed as a plain put (the 'cas-as-put' flaw of src/core/flaws.ts, tests
 * only): three clients on two keys with a cas-heavy mix; the linearizability checker finds
 * a cas that succeeded against another value (as test/sweeps/checkers-fire.test.ts does).
 */
export function violationRunOptions(seed = 1): RunOptions {
  return {
    seed,
    n: 4,
    durationMs: 4_000,
    workloadDurationMs: 3_000,
    workload: { kind: 'random', clients: 3, keys: 2, mix: { get: 2, put: 1, cas: 3, remove: 1 } },
    network: DEFAULT_NETWORK,
    flaws: new Set(['cas-as-put']),
  };
}

export function pictureRunOptions(kind: PictureRunKind, seed = 1): RunOptions {
  switch (kind) {
    case 'fault-free':
      return faultFreeRunOptions(seed);
    case 'view-change':
      return demoRunOptions(seed);
    case 'violation':
      return violationRunOptions(seed);
  }
}

const recorded = new Map<PictureRunKind, { run: SeedRun; record: RunRecord }>();

/** Seed 1 of `kind`, recorded once per test file and shared. */
export function recordedRun(kind: PictureRunKind): { run: SeedRun; record: RunRecord } {
  let result = recorded.get(kind);
  if (result === undefined) {
    result = recordSeed(pictureRunOptions(kind), { replay: kind === 'view-change' ? 'npx pancydb demo -S 1' : `(test/picture/sim-runs.ts: ${kind}, seed 1)`, title: `${kind} run, seed 1` });
    recorded.set(kind, result);
  }
  return result;
}
