// The view-change scenarios of OSDI'99 §4.4–4.5, as functions of a seed range, so that
// each can run in its own test file (vitest spreads files over both cores). Safety is
// checked in every run by the simulator's checkers; each scenario adds what it must show
// about liveness and recovery, and returns problems as readable lines (empty = pass).
import type { SeedRun } from '../../src/sim/run.ts';
import { lockseqWorkloadOf } from '../../src/sim/profiles.ts';
import { simulate as simulateCi, type ScenarioOptions } from './simulate.ts';

/** Four lockseq clients, not the ci profile's eight: as much protocol per seed at half the cost. */
const CLIENTS = 4;

function simulate(options: ScenarioOptions): SeedRun {
  return simulateCi({ workload: lockseqWorkloadOf('ci', CLIENTS), ...options });
}

/** `flags` are the `pancydb sim` flags of the same run, for the replay command. */
export function acrossSeeds(firstSeed: number, seeds: number, flags: string, run: (seed: number) => SeedRun, check: (run: SeedRun) => string[]): string[] {
  const problems: string[] = [];
  for (let seed = firstSeed; seed < firstSeed + seeds; seed++) {
    const result = run(seed);
    const found = [...result.report.violations.map((violation) => `${violation.property}: ${violation.detail}`), ...check(result)];
    for (const problem of found) problems.push(`seed ${seed}: ${problem} — replay: npx pancydb sim -S ${seed} --profile ci --clients ${CLIENTS} ${flags} -V`);
  }
  return problems;
}

/** Replicas that executed the same prefix hold the same state, and all clients got their answers. */
export function settled(run: SeedRun, replicas: readonly number[]): string[] {
  const problems: string[] = [];
  const executed = new Set(replicas.map((id) => run.report.lastExecuted[String(id)]));
  const digests = new Set(replicas.map((id) => run.report.stateDigests[String(id)]));
  if (executed.size !== 1) problems.push(`replicas ${replicas.join(',')} ended at different sequence numbers ${JSON.stringify(run.report.lastExecuted)}`);
  if (digests.size !== 1) problems.push(`replicas ${replicas.join(',')} ended with different states`);
  const busy = run.context.clients.filter((client) => client.busy).length;
  if (busy > 0) problems.push(`${busy} clients still waiting at the end`);
  return problems;
}

export function silentPrimary(firstSeed: number, seeds: number): string[] {
  return acrossSeeds(
    firstSeed,
    seeds,
    '--duration 16 --work-until 13 --silent 0@10',
    (seed) => simulate({ seed, durationMs: 16_000, workloadDurationMs: 13_000, network: { silences: [{ replica: 0, fromMs: 10_000, untilMs: Infinity }] } }),
    (run) => [
      ...(run.report.viewChanges === 1 && run.report.finalView === 1 ? [] : [`expected one view change to view 1, got ${run.report.viewChanges} (view ${run.report.finalView})`]),
      ...settled(run, [1, 2, 3]),
    ],
  );
}

export function crashUnderLoss(firstSeed: number, seeds: number): string[] {
  return acrossSeeds(
    firstSeed,
    seeds,
    '--duration 16 --work-until 8 -l 0.2 --reorder 0.2 --crash 0@3',
    // A long quiet tail: at 20% loss a client can lose both replies twice and back off 1.2 s.
    (seed) => simulate({ seed, durationMs: 16_000, workloadDurationMs: 8_000, network: { loss: 0.2, reorder: 0.2, crashes: [{ replica: 0, atMs: 3_000 }] } }),
    (run) => {
      const atCrash = run.report.lastExecuted['0']!;
      return [
        ...(run.report.finalView >= 1 ? [] : ['no view change after the primary crashed']),
        ...(run.report.executedSeq > atCrash ? [] : [`no progress after the crash (stuck at n=${atCrash})`]),
        ...settled(run, [1, 2, 3]),
      ];
    },
  );
}

export function twoFaultyPrimaries(firstSeed: number, seeds: number): string[] {
  const silent = (replica: number) => ({ replica, fromMs: 2_000, untilMs: Infinity });
  return acrossSeeds(
    firstSeed,
    seeds,
    '-n 7 --duration 12 --work-until 9 --silent 0@2 --silent 1@2',
    (seed) => simulate({ seed, n: 7, durationMs: 12_000, workloadDurationMs: 9_000, network: { silences: [silent(0), silent(1)] } }),
    (run) => [
      ...(run.report.finalView === 2 ? [] : [`expected view 2, ended in view ${run.report.finalView}`]),
      ...settled(run, [2, 3, 4, 5, 6]),
    ],
  );
}

export function partitionedBackup(firstSeed: number, seeds: number): string[] {
  return acrossSeeds(
    firstSeed,
    seeds,
    '--duration 37 --work-until 34 --partition 2-32:0,1,2/3',
    (seed) => simulate({
      seed,
      durationMs: 37_000,
      workloadDurationMs: 34_000,
      network: { partitions: [{ fromMs: 2_000, untilMs: 32_000, groups: [[0, 1, 2], [3]] }] },
    }),
    (run) => [
      ...(run.report.stateTransfers >= 1 ? [] : ['the healed backup caught up without a state transfer']),
      ...settled(run, [0, 1, 2, 3]),
    ],
  );
}
