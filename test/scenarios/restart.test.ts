// A replica restarted without its memory of what it signed could vote twice for one
// (v, n). It must cast no PRE-PREPARE, PREPARE, COMMIT or VIEW-CHANGE until it has caught
// up by state transfer and entered a view above any it could have voted in.
import { describe, expect, it } from 'vitest';
import { simulate } from '../support/simulate.ts';

const VOTE = /^[0-9.]+ 2->\d+ (PRE-PREPARE|PREPARE|COMMIT|VIEW-CHANGE) /;

/** Trace lines of replica 2 between its restart and its return to voting. */
function restartedRun(seed: number, n: number, silentPrimaryAtMs?: number) {
  let phase: 'before' | 'recovering' | 'voting' = 'before';
  const votesWhileRecovering: string[] = [];
  let resumed = false;
  const run = simulate({
    seed,
    n,
    durationMs: 12_000,
    workloadDurationMs: 9_000,
    network: {
      crashes: [{ replica: 2, atMs: 2_000, restartAtMs: 4_000, amnesia: true }],
      silences: silentPrimaryAtMs === undefined ? [] : [{ replica: 0, fromMs: silentPrimaryAtMs, untilMs: Infinity }],
    },
    trace: (line) => {
      if (/ 2 RESTART /.test(line)) phase = 'recovering';
      else if (/ 2 VOTING-RESUMED /.test(line)) {
        phase = 'voting';
        resumed = true;
      } else if (phase === 'recovering' && VOTE.test(line)) votesWhileRecovering.push(line);
    },
  });
  return { run, votesWhileRecovering, resumed };
}

describe('restart without memory', () => {
  it('n=4: the restarted replica catches up by state transfer, casts no vote, and matches the others', () => {
    for (let seed = 500; seed < 510; seed++) {
      const { run, votesWhileRecovering, resumed } = restartedRun(seed, 4);
      expect(run.report.violations, `seed ${seed}`).toEqual([]);
      expect(votesWhileRecovering, `seed ${seed}`).toEqual([]);
      // No view change happens, so it never gets a view to vote in safely.
      expect(resumed, `seed ${seed}`).toBe(false);
      expect(run.report.stateTransfers, `seed ${seed}`).toBeGreaterThanOrEqual(1);
      expect(run.report.lastExecuted['2'], `seed ${seed}`).toBe(run.report.lastExecuted['0']);
      expect(run.report.stateDigests['2'], `seed ${seed}`).toBe(run.report.stateDigests['0']);
    }
  });

  it('n=7: after the next view change (primary silent) it votes again, and only from then on', () => {
    for (let seed = 520; seed < 530; seed++) {
      const { run, votesWhileRecovering, resumed } = restartedRun(seed, 7, 5_000);
      expect(run.report.violations, `seed ${seed}`).toEqual([]);
      expect(votesWhileRecovering, `seed ${seed}`).toEqual([]);
      expect(resumed, `seed ${seed}`).toBe(true);
      expect(run.report.finalView, `seed ${seed}`).toBeGreaterThanOrEqual(1);
      expect(run.context.replicas[2]!.recovering).toBe(false);
      expect(new Set([1, 2, 3, 4, 5, 6].map((id) => run.report.stateDigests[String(id)])).size, `seed ${seed}`).toBe(1);
    }
  });
});
