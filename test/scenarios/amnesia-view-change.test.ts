// A replica restarted without memory may not ask for views up to E+1 (restart-guard.ts):
// it may have asked for them before the crash. Once it votes again (here by the checkpoint
// path, in view E), a dead primary of E left only 2f VIEW-CHANGEs for E+1 in an n=4
// cluster, so no correct replica's timer started (§4.5.2) and the cluster stalled for
// good. The restarted replica now counts itself as wanting E+1: its timer runs, and when
// it fires it asks for E+2, which it may; that third vote starts the others' timers.
import { describe, expect, it } from 'vitest';
import { simulate } from '../support/simulate.ts';

const SILENT_FROM_MS = 12_000;

function run(seed: number) {
  let resumedAtMs: number | undefined;
  /** Batches replica 1 executed after the primary fell silent. */
  let executedAfterSilence = 0;
  const result = simulate({
    seed,
    n: 4,
    durationMs: 40_000,
    workloadDurationMs: 30_000,
    parameters: { checkpointInterval: 4, logWindow: 8 },
    // The liveness checker judges the run too: every request open after the silence
    // completes within 10 s (two view changes at T = 1 s, with time to spare).
    liveness: { liveAfterMs: SILENT_FROM_MS, completeWithinMs: 10_000 },
    network: {
      crashes: [{ replica: 2, atMs: 1_000, restartAtMs: 2_000, amnesia: true }],
      silences: [{ replica: 0, fromMs: SILENT_FROM_MS, untilMs: Infinity }],
    },
    trace: (line) => {
      const match = /^([0-9.]+) 2 VOTING-RESUMED /.exec(line);
      if (match !== null && resumedAtMs === undefined) resumedAtMs = Number(match[1]) * 1000;
      const executed = /^([0-9.]+) 1 EXECUTE /.exec(line);
      if (executed !== null && Number(executed[1]) * 1000 > SILENT_FROM_MS) executedAfterSilence++;
    },
  });
  return { result, resumedAtMs, executedAfterSilence };
}

describe('a replica restarted without memory, voting again, when the primary then dies (n=4)', () => {
  it('the view changes past E+1 and the store stays live and safe', () => {
    for (let seed = 1; seed <= 6; seed++) {
      const { result, resumedAtMs, executedAfterSilence } = run(seed);
      // It resumed voting in view 0, by the checkpoint path, before the primary fell silent.
      expect(resumedAtMs, `seed ${seed}`).toBeDefined();
      expect(resumedAtMs!, `seed ${seed}`).toBeLessThan(SILENT_FROM_MS);
      expect(result.context.replicas[2]!.recoveryEstimate, `seed ${seed}`).toBe(0);
      expect(result.report.violations, `seed ${seed}`).toEqual([]);
      // And directly: the correct replicas are all active in one view past E+1, executing.
      const correct = [1, 2, 3].map((id) => result.context.replicas[id]!);
      expect(correct.map((replica) => replica.active), `seed ${seed}`).toEqual([true, true, true]);
      expect(new Set(correct.map((replica) => replica.view)).size, `seed ${seed}`).toBe(1);
      expect(correct[0]!.view, `seed ${seed}`).toBeGreaterThanOrEqual(2);
      expect(executedAfterSilence, `seed ${seed}`).toBeGreaterThan(50);
      expect(new Set(correct.map((replica) => replica.lastExecuted)).size, `seed ${seed}`).toBe(1);
      expect(new Set([1, 2, 3].map((id) => result.report.stateDigests[String(id)])).size, `seed ${seed}`).toBe(1);
    }
  });
});
