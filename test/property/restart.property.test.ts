// Agreement with replicas restarted without memory and a Byzantine replica lying to them
// (src/core/restart-guard.ts, TOCS 2002 §4.3): fast-check picks the seed, which replica
// restarts and when, the lie (view 0 or 10^6 in RECOVERY-REPLY, a huge lastExecuted in
// STATUS), and the network's loss, jitter and reordering (which delays some replies and
// not others). Whatever it picks, no correct replica votes twice and all checkers pass.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import recoveryLiar from '../../adversaries/recovery-liar.ts';
import type { FaultySpec } from '../../src/adversary/host.ts';
import { DEFAULT_NETWORK } from '../../src/sim/network.ts';
import { lockseqWorkloadOf } from '../../src/sim/profiles.ts';
import { runSeed } from '../../src/sim/run.ts';

const pick = fc.record({
  seed: fc.integer({ min: 1, max: 1_000_000 }),
  liar: fc.integer({ min: 0, max: 3 }),
  restarted: fc.integer({ min: 0, max: 2 }),
  lie: fc.constantFrom('low', 'high', 'alternate'),
  crashAtMs: fc.integer({ min: 300, max: 2_000 }),
  downMs: fc.integer({ min: 50, max: 1_500 }),
  /** A second restart of the same replica, later. */
  again: fc.boolean(),
  /** The view-0 primary falls silent for a while, forcing view changes around the restart. */
  silentPrimaryAtMs: fc.option(fc.integer({ min: 500, max: 2_500 }), { nil: undefined }),
  loss: fc.constantFrom(0, 0.02, 0.1),
  jitterMs: fc.integer({ min: 0, max: 5 }),
  reorder: fc.constantFrom(0, 0.1, 0.3),
});

describe('restart without memory, with a lying replica (TOCS 2002 §4.3), n=4, f=1', () => {
  it('agreement and every other checker hold over random restarts, delays and lies', () => {
    fc.assert(
      fc.property(pick, (choice) => {
        // The restarted replica is a correct one: ids other than the liar's.
        const correct = [0, 1, 2, 3].filter((id) => id !== choice.liar);
        const restarted = correct[choice.restarted]!;
        const faulty = new Map<number, FaultySpec>([[choice.liar, { definition: recoveryLiar, options: { lie: choice.lie, statusLie: true } }]]);
        const restartAtMs = choice.crashAtMs + choice.downMs;
        const crashes = [{ replica: restarted, atMs: choice.crashAtMs, restartAtMs, amnesia: true }];
        if (choice.again) crashes.push({ replica: restarted, atMs: restartAtMs + 800, restartAtMs: restartAtMs + 900, amnesia: true });
        const silences =
          choice.silentPrimaryAtMs === undefined || choice.liar === 0 ? [] : [{ replica: 0, fromMs: choice.silentPrimaryAtMs, untilMs: choice.silentPrimaryAtMs + 1_200 }];
        const { report } = runSeed({
          seed: choice.seed,
          n: 4,
          durationMs: 5_000,
          workload: lockseqWorkloadOf('ci', 3),
          network: { ...DEFAULT_NETWORK, loss: choice.loss, jitterMs: choice.jitterMs, reorder: choice.reorder, crashes, silences },
          faulty,
        });
        expect(report.violations, JSON.stringify(choice)).toEqual([]);
      }),
      { numRuns: 30, seed: 20261130 },
    );
  });
});
