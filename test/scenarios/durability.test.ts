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

  it('a replica that lost its disk and crashes again before it votes comes back without memory again', () => {
    // Found by review: its new disk does not cover what it signed before the first crash.
    const votesAfter: string[] = [];
    const run = simulate({
      seed: 1,
      durationMs: 4_000,
      network: { crashes: [{ replica: 3, atMs: 1_000, restartAtMs: 1_200, amnesia: true }, { replica: 3, atMs: 1_300, restartAtMs: 1_400 }] },
      trace: (line) => {
        if (/^1\.[4-9]\d* 3->\d (PREPARE|COMMIT) v=0 /.test(line)) votesAfter.push(line);
      },
    });
    expect(describeViolations(run)).toEqual([]);
    expect(votesAfter).toEqual([]);
    expect(run.context.replicas[3]!.recovering).toBe(true);
  });

  it('with disks that keep nothing, the checkers catch it: the primary signs a second PRE-PREPARE for n=1', () => {
    for (let seed = 1; seed <= 4; seed++) {
      const properties = wholeClusterCrash(seed, 'none').report.violations.map((violation) => violation.property);
      expect(properties, `seed ${seed}`).toContain('signed-twice');
    }
  });
});
