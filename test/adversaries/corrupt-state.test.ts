// corrupt-state (adversaries/corrupt-state.ts): the primary rewrites keys, versions and its
// version counter at 2 s, then runs honestly on the bad state. Its replies and checkpoint
// digests are wrong from then on; f+1 matching replies (OSDI'99 §4.1) and 2f+1 matching
// checkpoint digests (§4.3) must keep both away from clients and correct replicas.
import { describe, expect, it } from 'vitest';
import corruptState from '../../adversaries/corrupt-state.ts';
import type { SeedRun } from '../../src/sim/run.ts';
import { adversaryRun } from '../support/adversary-run.ts';
import { ReplyTrace } from '../support/reply-trace.ts';
import { describeViolations } from '../support/simulate.ts';

const FAULTY = 0;

/** What the trace shows: the faulty replica's replies and what clients accepted, its checkpoint mismatches and corruptions. */
class Trace extends ReplyTrace {
  checkpointMismatches = 0;
  corruptions = 0;

  constructor() {
    super(FAULTY);
  }

  readonly observe = (line: string): void => {
    this.line(line);
    if (line.includes(`${FAULTY} (faulty) CHECKPOINT-MISMATCH`)) this.checkpointMismatches++;
    if (line.includes('ADVERSARY corrupt-state: corrupted')) this.corruptions++;
  };
}

/** The adversary tests' common run (test/support/adversary-run.ts) with the primary corrupting its state at 2 s; 4 s to finish. */
function runScenario(seed: number, trace: Trace): SeedRun {
  return adversaryRun({
    seed,
    faulty: new Map([[FAULTY, { definition: corruptState, options: { atS: 2 } }]]),
    liveness: { liveAfterMs: 0, completeWithinMs: 4_000 },
    trace: trace.observe,
  });
}

describe('corrupt-state, n=4, f=1', () => {
  it('a primary with a corrupted store: correct replicas agree and clients accept only correct results (10 seeds)', () => {
    const problems: string[] = [];
    for (let seed = 1; seed <= 10; seed++) {
      const trace = new Trace();
      const run = runScenario(seed, trace);
      // state-agreement, lockseq (on correct replicas' stores), reply-integrity, linearizability, liveness.
      problems.push(...describeViolations(run));
      // Evidence: the corruption happened, the faulty replica's checkpoints no longer match
      // the certified digest, and it sent clients results that no client accepted.
      if (trace.corruptions !== 1) problems.push(`seed ${seed}: corrupted ${trace.corruptions} times, expected once`);
      if (trace.checkpointMismatches === 0) problems.push(`seed ${seed}: the faulty replica's checkpoints still matched`);
      if (trace.wrongReplies() < 10) problems.push(`seed ${seed}: only ${trace.wrongReplies()} wrong replies reached clients`);
      if (run.report.committed < 100) problems.push(`seed ${seed}: only ${run.report.committed} operations committed`);
    }
    expect(problems).toEqual([]);
  });
});
