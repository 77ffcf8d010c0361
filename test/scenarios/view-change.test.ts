// View change scenarios (OSDI'99 §4.4–4.5), each across 50 seeds of the ci workload.
// Safety is checked in every run by the simulator's checkers; each test adds what the
// scenario must show about liveness and recovery.
import { describe, expect, it } from 'vitest';
import { simulate } from '../support/simulate.ts';
import type { SeedRun } from '../../src/sim/run.ts';

const SEEDS = 50;

function acrossSeeds(firstSeed: number, run: (seed: number) => SeedRun, check: (run: SeedRun) => string[]): string[] {
  const problems: string[] = [];
  for (let seed = firstSeed; seed < firstSeed + SEEDS; seed++) {
    const result = run(seed);
    for (const violation of result.report.violations) problems.push(`seed ${seed}: ${violation.property}: ${violation.detail}`);
    for (const problem of check(result)) problems.push(`seed ${seed}: ${problem}`);
  }
  return problems;
}

/** Replicas that executed the same prefix hold the same state, and all clients got their answers. */
function settled(run: SeedRun, replicas: readonly number[]): string[] {
  const problems: string[] = [];
  const executed = new Set(replicas.map((id) => run.report.lastExecuted[String(id)]));
  const digests = new Set(replicas.map((id) => run.report.stateDigests[String(id)]));
  if (executed.size !== 1) problems.push(`replicas ${replicas.join(',')} ended at different sequence numbers ${JSON.stringify(run.report.lastExecuted)}`);
  if (digests.size !== 1) problems.push(`replicas ${replicas.join(',')} ended with different states`);
  const busy = run.context.clients.filter((client) => client.busy).length;
  if (busy > 0) problems.push(`${busy} clients still waiting at the end`);
  return problems;
}

describe('view change', () => {
  it('primary silent from 10 s: exactly one view change, every request completes', () => {
    const problems = acrossSeeds(
      100,
      (seed) => simulate({ seed, durationMs: 16_000, workloadDurationMs: 13_000, network: { silences: [{ replica: 0, fromMs: 10_000, untilMs: Infinity }] } }),
      (run) => [
        ...(run.report.viewChanges === 1 && run.report.finalView === 1 ? [] : [`expected one view change to view 1, got ${run.report.viewChanges} (view ${run.report.finalView})`]),
        ...settled(run, [1, 2, 3]),
      ],
    );
    expect(problems).toEqual([]);
  });

  it('primary crashes mid-batch under 20% loss with reordering: progress resumes, nothing executes twice', () => {
    const problems = acrossSeeds(
      200,
      // A long quiet tail: at 20% loss a client can lose both replies twice and back off 1.2 s.
      (seed) => simulate({ seed, durationMs: 16_000, workloadDurationMs: 8_000, network: { loss: 0.2, reorder: 0.2, crashes: [{ replica: 0, atMs: 3_000 }] } }),
      (run) => {
        const executedAfterCrash = run.report.executedSeq;
        const atCrash = run.report.lastExecuted['0']!;
        return [
          ...(run.report.finalView >= 1 ? [] : ['no view change after the primary crashed']),
          ...(executedAfterCrash > atCrash ? [] : [`no progress after the crash (stuck at n=${atCrash})`]),
          ...settled(run, [1, 2, 3]),
        ];
      },
    );
    expect(problems).toEqual([]);
  });

  it('two faulty primaries in a row, n=7 (replicas 0 and 1 silent): view 2 is reached and serves', () => {
    const silent = (replica: number) => ({ replica, fromMs: 2_000, untilMs: Infinity });
    const problems = acrossSeeds(
      300,
      (seed) => simulate({ seed, n: 7, durationMs: 12_000, workloadDurationMs: 9_000, network: { silences: [silent(0), silent(1)] } }),
      (run) => [
        ...(run.report.finalView === 2 ? [] : [`expected view 2, ended in view ${run.report.finalView}`]),
        ...settled(run, [2, 3, 4, 5, 6]),
      ],
    );
    expect(problems).toEqual([]);
  });

  it('a backup partitioned for 30 s then healed catches up by state transfer and matches the others', () => {
    const problems = acrossSeeds(
      400,
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
    expect(problems).toEqual([]);
  });
});
