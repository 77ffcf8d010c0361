// slow-primary (adversaries/slow-primary.ts): Aardvark's attack on PBFT (Clement et al.,
// NSDI'09). The primary holds every PRE-PREPARE for 0.9 T, under the backups' view-change
// timeout T (OSDI'99 §4.4, §4.5.2), so it is never voted out, and throughput collapses.
// Safety and liveness (every request within the scenario's bound) must still hold.
import { describe, expect, it } from 'vitest';
import slowPrimary from '../../adversaries/slow-primary.ts';
import type { FaultySpec } from '../../src/adversary/host.ts';
import type { SeedRun } from '../../src/sim/run.ts';
import { adversaryRun } from '../support/adversary-run.ts';
import { describeViolations } from '../support/simulate.ts';

const WORKLOAD_S = 8;

/** The adversary tests' common run (test/support/adversary-run.ts) with T = 1 s; 4 s to finish. */
function runScenario(seed: number, faulty: ReadonlyMap<number, FaultySpec>): SeedRun {
  return adversaryRun({
    seed,
    durationMs: (WORKLOAD_S + 4) * 1000,
    workloadDurationMs: WORKLOAD_S * 1000,
    parameters: { viewChangeTimeoutMs: 1000 },
    faulty,
    liveness: { liveAfterMs: 0, completeWithinMs: 4_000 },
  });
}

const perSecond = (run: SeedRun) => (run.report.committed / WORKLOAD_S).toFixed(1);

describe('slow-primary, n=4, f=1', () => {
  it('a primary just under the timeout: no violation, no view change, and throughput falls by more than 4x (3 seeds, against honest runs)', () => {
    const problems: string[] = [];
    for (let seed = 1; seed <= 3; seed++) {
      const honest = runScenario(seed, new Map());
      const attacked = runScenario(seed, new Map([[0, { definition: slowPrimary, options: {} }]]));
      problems.push(...describeViolations(honest), ...describeViolations(attacked));
      console.log(
        `slow-primary seed ${seed}: committed ${honest.report.committed} -> ${attacked.report.committed} (${perSecond(honest)} -> ${perSecond(attacked)} ops/s), ` +
          `p50 latency ${honest.report.latencyMs.p50} -> ${attacked.report.latencyMs.p50} ms, view changes ${attacked.report.viewChanges}`,
      );
      // The attack: the primary keeps its job (at most one view change, from a lost message) ...
      if (attacked.report.viewChanges > 1) problems.push(`seed ${seed}: ${attacked.report.viewChanges} view changes: the primary was voted out`);
      // ... and throughput collapses, though every request still completes in time.
      if (attacked.report.committed * 4 > honest.report.committed) problems.push(`seed ${seed}: committed ${attacked.report.committed} under attack, ${honest.report.committed} honest: not 4x fewer`);
      if (attacked.report.committed === 0) problems.push(`seed ${seed}: nothing committed under attack`);
    }
    expect(problems).toEqual([]);
  });

  it('held for 1.5 T instead, the primary is voted out (§4.4) and throughput recovers', () => {
    const run = runScenario(1, new Map([[0, { definition: slowPrimary, options: { delayFraction: 1.5 } }]]));
    const tooSlow = runScenario(1, new Map([[0, { definition: slowPrimary, options: {} }]]));
    expect(describeViolations(run)).toEqual([]);
    expect(run.report.viewChanges).toBeGreaterThanOrEqual(1);
    expect(run.report.committed).toBeGreaterThan(2 * tooSlow.report.committed);
  });
});
