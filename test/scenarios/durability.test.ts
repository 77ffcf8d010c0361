// The durability rules over many seeds (src/core/durability.ts): every replica crashes at
// once and restarts from its simulated disk, which loses whatever was not synced and may
// tear the last record (src/storage/simulated-storage.ts). Every checker must hold, and
// the replicas end at one state. The same runs with disks that keep nothing
// (durability 'none', the replicas come back blank) must be caught by the checkers.
import { describe, expect, it } from 'vitest';
import { describeViolations, simulate } from '../support/simulate.ts';

const WHOLE_CLUSTER = [0, 1, 2, 3].map((replica) => ({ replica, atMs: 2_000 + replica * 37, restartAtMs: 3_000 + replica * 53 }));

function wholeClusterCrash(seed: number, durability?: 'none') {
  return simulate({
    seed,
    durationMs: 9_000,
    workloadDurationMs: 6_000,
    parameters: { checkpointInterval: 4, logWindow: 8 },
    network: { loss: 0.01, crashes: WHOLE_CLUSTER },
    ...(durability === undefined ? {} : { durability }),
  });
}

describe('whole-cluster crash in the simulator', () => {
  it('from their disks: every checker holds and all replicas end at one state, over 12 seeds', () => {
    for (let seed = 1; seed <= 12; seed++) {
      const run = wholeClusterCrash(seed);
      expect(describeViolations(run)).toEqual([]);
      expect(new Set(Object.values(run.report.stateDigests)).size, `seed ${seed}`).toBe(1);
      expect(new Set(Object.values(run.report.lastExecuted)).size, `seed ${seed}`).toBe(1);
      // Work went on after the restart: more executed than at the crash.
      expect(run.report.executedSeq, `seed ${seed}`).toBeGreaterThan(40);
    }
  });

  it('with disks that keep nothing, the checkers catch it: the primary signs a second PRE-PREPARE for n=1', () => {
    for (let seed = 1; seed <= 4; seed++) {
      const properties = wholeClusterCrash(seed, 'none').report.violations.map((violation) => violation.property);
      expect(properties, `seed ${seed}`).toContain('signed-twice');
    }
  });
});
