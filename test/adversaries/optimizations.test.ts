// Adversaries against the §5.1 optimizations (OSDI'99), each in its shipped scenario, with
// the protocol as specified: the attack runs (its notes or the clients' drops say so) and
// no checker fires. That the same attacks break the deliberately weakened rules is
// test/sweeps/broken-protocols.test.ts's job.
//   stale-reads          answers reads with the key before its last write (read-only.ts)
//   hidden-prepare       one sequence number prepared at one correct replica, then hidden (tentative.ts)
//   forge-replies        with digest replies on: forged results as designee, forged digests otherwise (digest-replies.ts)
import { describe, expect, it } from 'vitest';
import { observeNotes } from '../../src/adversary/adversary.ts';
import type { AuthMode } from '../../src/core/auth.ts';
import { loadScenario } from '../../src/scenario/load.ts';
import { scenarioRunOptions } from '../../src/scenario/run-options.ts';
import { runSeed, type SeedRun } from '../../src/sim/run.ts';
import { SCENARIO_DIR } from '../support/scenario-sweep.ts';
import { describeViolations } from '../support/simulate.ts';

const SEEDS = [1, 2, 3];

/** One seed of a shipped scenario in `auth` mode, with every note of its faulty replicas collected. */
async function runShipped(file: string, seed: number, auth: AuthMode): Promise<{ run: SeedRun; notes: string[] }> {
  const scenario = await loadScenario(`${SCENARIO_DIR}${file}`);
  const notes: string[] = [];
  const faulty = new Map([...scenario.faulty].map(([id, spec]) => [id, { ...spec, definition: observeNotes(spec.definition, (_, line) => notes.push(line)) }]));
  return { run: runSeed({ ...scenarioRunOptions({ ...scenario, auth }, seed), faulty }), notes };
}

describe.each(['signed', 'mac'] as const)('adversaries against the optimizations, auth %s, n=4, f=1', (auth) => {
  it('stale-reads: replica 1 answers reads stale while 2 and 3 lag; 2f+1 reads and writes keep every read fresh', async () => {
    const problems: string[] = [];
    for (const seed of SEEDS) {
      const { run, notes } = await runShipped('stale-reads.json', seed, auth);
      problems.push(...describeViolations(run));
      const stale = notes.filter((line) => line.startsWith('READ ')).length;
      if (stale < 20) problems.push(`seed ${seed}: only ${stale} stale answers`);
      if (run.report.reads.accepted < 50) problems.push(`seed ${seed}: only ${run.report.reads.accepted} read-only gets`);
    }
    expect(problems).toEqual([]);
  });

  it('hidden-prepare: view 1 replaces the sequence number that one correct replica prepared; no client accepts its tentative result', async () => {
    const problems: string[] = [];
    for (const seed of SEEDS) {
      const { run, notes } = await runShipped('hidden-prepare.json', seed, auth);
      problems.push(...describeViolations(run));
      if (!notes.some((line) => line.startsWith('PRE-PREPARE n='))) problems.push(`seed ${seed}: no attack`);
      if (!notes.some((line) => / left out of P$/.test(line))) problems.push(`seed ${seed}: no VIEW-CHANGE hid the prepared certificate`);
      if (run.report.finalView < 1) problems.push(`seed ${seed}: no view change`);
    }
    expect(problems).toEqual([]);
  });

  it('forge-replies with digest replies: its forged digests reach the client\'s check in the mode\'s form, and no forgery is accepted', async () => {
    const problems: string[] = [];
    for (const seed of SEEDS) {
      const { run } = await runShipped('forge-replies-digest.json', seed, auth);
      problems.push(...describeViolations(run));
      const drops = run.report.drops;
      // A REPLY or digest REPLY signed where a MAC belongs (or the reverse) would die here, unchecked.
      if (drops['client:wrong-auth-form'] !== undefined) problems.push(`seed ${seed}: ${drops['client:wrong-auth-form']} replies in the wrong form`);
      if ((drops['client:bad-signature'] ?? 0) < 5) problems.push(`seed ${seed}: only ${drops['client:bad-signature'] ?? 0} broken authenticators caught`);
      if ((run.report.perReplica['1']!.sent['reply-digest']?.messages ?? 0) < 20) problems.push(`seed ${seed}: the faulty replica sent few digest replies`);
    }
    expect(problems).toEqual([]);
  });
});
