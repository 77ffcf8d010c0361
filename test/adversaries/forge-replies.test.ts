// forge-replies (adversaries/forge-replies.ts): a backup that answers clients with wrong
// results, with wrong results in other replicas' names, with old replies and with broken
// signatures. A client accepts only f+1 matching, validly signed replies from the
// replicas that signed them (OSDI'99 §4.1), so none of it may reach an accepted result.
import { describe, expect, it } from 'vitest';
import forgeReplies from '../../adversaries/forge-replies.ts';
import type { SeedRun } from '../../src/sim/run.ts';
import { adversaryRun } from '../support/adversary-run.ts';
import { ReplyTrace } from '../support/reply-trace.ts';
import { describeViolations } from '../support/simulate.ts';

const FAULTY = 1;


/** The adversary tests' common run (test/support/adversary-run.ts), 10 s long, with backup 1 forging replies; 2 s to finish. */
function runScenario(seed: number, trace: ReplyTrace): SeedRun {
  return adversaryRun({
    seed,
    durationMs: 10_000,
    faulty: new Map([[FAULTY, { definition: forgeReplies, options: {} }]]),
    liveness: { liveAfterMs: 0, completeWithinMs: 2_000 },
    trace: trace.line,
  });
}

describe('forge-replies, n=4, f=1', () => {
  it('a backup forging every reply: clients accept only honest results (10 seeds), and drop each kind of forgery', () => {
    const problems: string[] = [];
    for (let seed = 1; seed <= 10; seed++) {
      const trace = new ReplyTrace(FAULTY);
      const run = runScenario(seed, trace);
      problems.push(...describeViolations(run));
      const drops = run.report.drops;
      // Evidence, one per kind: a result no client accepted; replies in another replica's
      // name; replies for an older t; replies whose signature does not verify.
      const evidence = {
        'wrong results': trace.wrongReplies(),
        'client:sender-not-signer': drops['client:sender-not-signer'] ?? 0,
        'client:stale-reply': drops['client:stale-reply'] ?? 0,
        'client:bad-signature': drops['client:bad-signature'] ?? 0,
      };
      for (const [what, count] of Object.entries(evidence)) if (count < 10) problems.push(`seed ${seed}: only ${count} ${what}`);
      if (run.report.committed < 100) problems.push(`seed ${seed}: only ${run.report.committed} operations committed`);
    }
    expect(problems).toEqual([]);
  });
});
