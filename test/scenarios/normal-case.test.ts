// Scenarios for the PBFT normal case (OSDI'99 §4.1–4.3) in the simulator. Each runs the
// ci lockseq workload and asserts that no checker fired and that clients made progress.
import { describe, expect, it } from 'vitest';
import { describeViolations, simulate } from '../support/simulate.ts';

const replicaIds = (n: number) => Array.from({ length: n }, (_, id) => String(id));

/** Drops that only a faulty or forging sender causes; an honest run has none. */
const FORGERY_DROPS = ['malformed', 'unknown-type', 'unknown-signer', 'sender-not-signer', 'bad-signature', 'not-from-primary', 'prepare-from-primary', 'batch-digest-mismatch', 'bad-batch', 'conflicting-pre-prepare', 'client:bad-signature', 'client:sender-not-signer', 'client:malformed'];

function forgeryDrops(drops: Record<string, number>): string[] {
  return Object.keys(drops).filter((reason) => FORGERY_DROPS.includes(reason));
}

describe('normal case', () => {
  it('no faults, n=4: every replica executes everything, states agree, nothing looks forged', () => {
    const run = simulate({ seed: 11 });
    expect(describeViolations(run)).toEqual([]);
    expect(run.report.committed).toBeGreaterThan(250);
    expect(Math.min(run.report.lock, run.report.write, run.report.clear, run.report.unlock)).toBeGreaterThan(0);
    const digests = new Set(Object.values(run.report.stateDigests));
    const executed = new Set(Object.values(run.report.lastExecuted));
    expect(executed.size).toBe(1);
    expect(digests.size).toBe(1);
    expect(forgeryDrops(run.report.drops)).toEqual([]);
    expect(run.report.drops['client:stale-reply'] ?? 0).toBe(0);
  });

  it('no faults, n=7: f=2 replicas agree on one state', () => {
    const run = simulate({ seed: 12, n: 7 });
    expect(describeViolations(run)).toEqual([]);
    expect(run.report.committed).toBeGreaterThan(250);
    expect(Object.keys(run.report.stateDigests)).toEqual(replicaIds(7));
    expect(new Set(Object.values(run.report.stateDigests)).size).toBe(1);
  });

  it('20% loss, n=4: status retransmission keeps the normal case going without a view change', () => {
    const run = simulate({ seed: 13, network: { loss: 0.2 } });
    expect(describeViolations(run)).toEqual([]);
    expect(run.report.messages.lost).toBeGreaterThan(0.15 * run.report.messages.sent);
    expect(run.report.committed).toBeGreaterThan(150);
    expect(run.report.viewChanges).toBe(0);
    expect(forgeryDrops(run.report.drops)).toEqual([]);
  });

  it('one crashed backup, n=4: the other three still reach 2f+1 and execute everything', () => {
    const run = simulate({ seed: 14, network: { crashes: [{ replica: 2, atMs: 0 }] } });
    expect(describeViolations(run)).toEqual([]);
    expect(run.report.committed).toBeGreaterThan(250);
    expect(run.report.lastExecuted['2']).toBe(0);
    const live = ['0', '1', '3'].map((id) => run.report.stateDigests[id]);
    expect(new Set(live).size).toBe(1);
  });

  it('f crashed backups, n=7: replicas 5 and 6 crash mid-run and the rest carry on', () => {
    const run = simulate({ seed: 15, n: 7, network: { crashes: [{ replica: 5, atMs: 2000 }, { replica: 6, atMs: 3000 }] } });
    expect(describeViolations(run)).toEqual([]);
    const crashedAt = run.report.lastExecuted['5']!;
    expect(crashedAt).toBeGreaterThan(0);
    expect(run.report.lastExecuted['0']!).toBeGreaterThan(crashedAt);
    expect(new Set(['0', '1', '2', '3', '4'].map((id) => run.report.stateDigests[id])).size).toBe(1);
  });

  it('lossy, reordering, duplicating network with jitter: safety holds and work completes', () => {
    const run = simulate({ seed: 16, network: { loss: 0.1, jitterMs: 3, reorder: 0.2, duplicate: 0.05 } });
    expect(describeViolations(run)).toEqual([]);
    expect(run.report.committed).toBeGreaterThan(150);
  });

  it('random workload over four keys: safety holds with get, put, cas and remove mixed', () => {
    const run = simulate({ seed: 17, workload: { kind: 'random', clients: 6, keys: 4, mix: { get: 2, put: 1, cas: 1, remove: 1 } } });
    expect(describeViolations(run)).toEqual([]);
    const { get, put, cas, remove } = run.context.workloads.completed;
    expect(Math.min(get, put, cas, remove)).toBeGreaterThan(20);
  });
});
