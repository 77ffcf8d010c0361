// Memory bounded in bytes: every correct replica's protocol messages (log, batches, votes,
// proofs, buffers; Replica.retainedBytes) stay within a budget, sampled every 100 simulated
// ms on every run, and the peak is reported. The checker must fire when the budget is too
// small for the run, and stay quiet at the stated budget.
import { describe, expect, it } from 'vitest';
import { DEFAULT_NETWORK } from '../../src/sim/network.ts';
import { lockseqWorkloadOf } from '../../src/sim/profiles.ts';
import { REPLICA_BYTE_BUDGET, runSeed } from '../../src/sim/run.ts';

const run = (replicaByteBudget?: number) =>
  runSeed({ seed: 3, n: 4, durationMs: 3_000, workload: lockseqWorkloadOf('ci', 3), network: DEFAULT_NETWORK, ...(replicaByteBudget === undefined ? {} : { replicaByteBudget }) });

describe('memory bound in bytes', () => {
  it('a normal run stays far below the stated budget, and reports its peak', () => {
    const { report } = run();
    expect(report.violations).toEqual([]);
    expect(report.peakReplicaBytes).toBeGreaterThan(1_000);
    expect(report.peakReplicaBytes).toBeLessThan(REPLICA_BYTE_BUDGET / 10);
  });

  it('the same run with a budget below its peak is a memory-bound violation naming bytes', () => {
    const { report } = run(2_000);
    expect(report.violations.map(({ property }) => property)).toContain('memory-bound');
    expect(report.violations.find(({ property }) => property === 'memory-bound')?.detail).toMatch(/holds \d+ bytes of messages > budget 2000/);
  });
});
