// mutate (adversaries/mutate.ts): ByzzFuzz-style small-scope mutations in a few rounds.
// One replica's mutated votes cannot make a prepared certificate (OSDI'99 §4.2), and the
// gateway drops what is out of view, out of the window or does not hash (§4.2–4.3).
import { describe, expect, it } from 'vitest';
import mutate from '../../adversaries/mutate.ts';
import { observeNotes } from '../../src/adversary/adversary.ts';
import type { RunOptions, SeedRun } from '../../src/sim/run.ts';
import { adversaryRun } from '../support/adversary-run.ts';
import { describeViolations } from '../support/simulate.ts';

/** Drop reasons only a mutated message explains in these runs (no view change is forced otherwise). */
const MUTATION_DROPS = ['wrong-view', 'not-from-primary', 'batch-digest-mismatch', 'conflicting-pre-prepare', 'prepare-from-primary'];

/** The adversary tests' common run (test/support/adversary-run.ts), 11 s long, with one mutating replica. */
function mutatingRun(seed: number, replica: number, options: Record<string, unknown>, extra: Partial<RunOptions> = {}): { run: SeedRun; mutations: string[] } {
  const mutations: string[] = [];
  const definition = observeNotes(mutate, (_, line) => {
    if (!line.startsWith('attacking')) mutations.push(line);
  });
  const run = adversaryRun({
    seed,
    durationMs: 11_000,
    faulty: new Map([[replica, { definition, options }]]),
    ...extra,
  });
  return { run, mutations };
}

function mutationDrops(run: SeedRun): number {
  return MUTATION_DROPS.reduce((total, reason) => total + (run.report.drops[reason] ?? 0), 0);
}

describe('mutate', () => {
  it('f=1, mutating primary, 8 rounds: mutations go out every seed, some are dropped, safety holds (10 seeds)', () => {
    // No latency bound: a PRE-PREPARE mutated to a smaller batch, sent to every backup,
    // drops a request the primary believes ordered; it waits for the backups' timer,
    // which other executions keep restarting (seed 4 of the mutate scenario with a
    // mutating primary: 7.1 s; see the censor tests for the underlying issue).
    let dropped = 0;
    for (let seed = 1; seed <= 10; seed++) {
      const { run, mutations } = mutatingRun(seed, 0, { rounds: 8 });
      expect(describeViolations(run)).toEqual([]);
      expect(mutations.length, `seed ${seed}`).toBeGreaterThan(0);
      expect(run.report.committed, `seed ${seed}`).toBeGreaterThan(100);
      dropped += mutationDrops(run);
    }
    expect(dropped).toBeGreaterThan(0);
  });

  it('f=1, mutating backup, 8 rounds of PREPARE and COMMIT: mutated votes are ignored, every request completes within 3 s (10 seeds)', () => {
    const kinds = new Set<string>();
    for (let seed = 1; seed <= 10; seed++) {
      const { run, mutations } = mutatingRun(seed, 1, { rounds: 8 }, { liveness: { liveAfterMs: 0, completeWithinMs: 3_000 } });
      expect(describeViolations(run)).toEqual([]);
      expect(mutations.length, `seed ${seed}`).toBeGreaterThan(0);
      for (const line of mutations) kinds.add(line.split(': ')[1]!.split(' ')[0]!);
    }
    expect([...kinds].sort()).toEqual(['digest', 'omit', 'seq', 'view']);
  });

  it.each(['view', 'seq', 'digest', 'omit'] as const)("primary, mutation '%s' only, in 20 pre-prepare rounds: safety holds, and the mutation is dropped or leaves replicas in step (2 seeds)", (mutation) => {
    for (let seed = 50; seed < 52; seed++) {
      // Once every backup got a mutated PRE-PREPARE, the view changes and replica 0 leads no more rounds.
      const { run, mutations } = mutatingRun(seed, 0, { rounds: 20, maxSeq: 40, phases: 'pre-prepare', mutations: mutation });
      expect(describeViolations(run)).toEqual([]);
      expect(mutations.length, `seed ${seed}`).toBeGreaterThan(0);
      expect(mutations.every((line) => line.includes(`: ${mutation} to`))).toBe(true);
      if (mutation === 'view') expect(run.report.drops['not-from-primary'] ?? 0, `seed ${seed}`).toBeGreaterThan(0);
      const executed = new Set(Object.values(run.report.lastExecuted));
      expect(executed.size, `seed ${seed}: correct replicas end at one n`).toBe(1);
    }
  });
});
