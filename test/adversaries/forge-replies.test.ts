// forge-replies (adversaries/forge-replies.ts): a backup that answers clients with wrong
// results, with wrong results in other replicas' names, with old replies and with broken
// signatures. A client accepts only f+1 matching, validly signed replies from the
// replicas that signed them (OSDI'99 §4.1), so none of it may reach an accepted result.
import { describe, expect, it } from 'vitest';
import forgeReplies from '../../adversaries/forge-replies.ts';
import type { SeedRun } from '../../src/sim/run.ts';
import { adversaryRun } from '../support/adversary-run.ts';
import { describeViolations } from '../support/simulate.ts';

const FAULTY = 1;

/** What the trace shows of replies: each result the faulty replica delivered, and each result a client accepted. */
class ReplyTrace {
  readonly accepted = new Map<string, string>();
  readonly fromFaulty: { key: string; result: string }[] = [];

  readonly line = (line: string): void => {
    const reply = new RegExp(`^\\S+ ${FAULTY}->c(\\d+) REPLY v=\\d+ c=\\d+ t=(\\d+) (.*)$`).exec(line);
    // A reply the network lost never reached the client; the trace marks it at the end.
    if (reply !== null && !/ LOST \([a-z]+\)$/.test(line)) this.fromFaulty.push({ key: `${reply[1]}:${reply[2]}`, result: reply[3]! });
    const accept = /^\S+ c(\d+) ACCEPT t=(\d+) .* -> (.*)$/.exec(line);
    if (accept !== null) this.accepted.set(`${accept[1]}:${accept[2]}`, accept[3]!);
  };

  /** Replies of the faulty replica, for requests that completed, that carried another result than the one accepted. */
  wrongReplies(): number {
    return this.fromFaulty.filter(({ key, result }) => this.accepted.has(key) && this.accepted.get(key) !== result).length;
  }
}

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
      const trace = new ReplyTrace();
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
