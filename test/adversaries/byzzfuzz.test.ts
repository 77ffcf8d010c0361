// byzzfuzz (adversaries/byzzfuzz.ts): one field of any message changed in a few rounds and
// re-signed with the faulty replica's own key. With at most f such replicas, safety holds;
// the mutations reach inside certificates and proofs, and correct gateways drop them. The
// shipped scenario adversaries/scenarios/byzzfuzz.json, which the scenario sweeps run over
// many seeds, must fuzz something on most of them.
import { describe, expect, it } from 'vitest';
import byzzfuzz, { shareEqually } from '../../adversaries/byzzfuzz.ts';
import { observeNotes } from '../../src/adversary/adversary.ts';
import { loadScenario } from '../../src/scenario/load.ts';
import { scenarioRunOptions } from '../../src/scenario/run-options.ts';
import { runSeed } from '../../src/sim/run.ts';
import { adversaryRun } from '../support/adversary-run.ts';
import { SCENARIO_DIR } from '../support/scenario-sweep.ts';
import { describeViolations } from '../support/simulate.ts';

/** A run with replica `replica` fuzzing; short timeouts and K so view changes and checkpoints happen. */
function fuzzingRun(seed: number, replica: number, options: Record<string, unknown>) {
  const changes: string[] = [];
  const definition = observeNotes(byzzfuzz, (_, line) => {
    if (!line.startsWith('attacking')) changes.push(line);
  });
  const run = adversaryRun({
    seed,
    durationMs: 6_000,
    workloadDurationMs: 3_000,
    parameters: { checkpointInterval: 4, logWindow: 8, viewChangeTimeoutMs: 300 },
    faulty: new Map([[replica, { definition, options }]]),
  });
  return { run, changes };
}

describe('byzzfuzz', () => {
  it('f=1, the primary fuzzing 30 rounds of every type: changes go out (nested ones too), safety holds, clients still complete (4 seeds)', () => {
    const paths = new Set<string>();
    for (let seed = 1; seed <= 4; seed++) {
      const { run, changes } = fuzzingRun(seed, 0, { rounds: 30, maxSeq: 10, maxView: 2 });
      expect(describeViolations(run)).toEqual([]);
      expect(changes.length, `seed ${seed}`).toBeGreaterThan(0);
      expect(run.report.committed, `seed ${seed}`).toBeGreaterThan(20);
      for (const line of changes) paths.add(line.split(': ')[1]!.split(' changed')[0]!);
    }
    // Some change reached inside a message's parts: a certificate, a proof, a batch or a result.
    expect([...paths].some((path) => path.includes('.') || path.includes('['))).toBe(true);
  });

  it('a change is drawn per level: each field of a message gets an equal share, however many leaves it holds', () => {
    const change = (path: string, weight = 1) => ({ path, weight, apply: () => undefined });
    // seq: one leaf; batch: 1 + 1 + 40 leaves (dropped, repeated, 40 fields inside a request).
    const batch = shareEqually([[change('batch[0] dropped')], [change('batch[0] repeated')], Array.from({ length: 40 }, (_, i) => change(`batch[0].f${i}`))]);
    const message = shareEqually([[change('seq')], batch, []]);
    const weightOf = (prefix: string) => message.filter((entry) => entry.path.startsWith(prefix)).reduce((sum, entry) => sum + entry.weight, 0);
    expect(weightOf('seq')).toBeCloseTo(1 / 2);
    expect(weightOf('batch[0] dropped')).toBeCloseTo(1 / 6);
    expect(weightOf('batch[0].f')).toBeCloseTo(1 / 6);
    expect(message.reduce((sum, entry) => sum + entry.weight, 0)).toBeCloseTo(1);
  });
});

describe('the shipped scenario byzzfuzz.json, n=4, f=1', () => {
  it('seeds 1..3: the primary sends changed messages on most, and no guarantee breaks', async () => {
    const scenario = await loadScenario(`${SCENARIO_DIR}byzzfuzz.json`);
    expect([...scenario.faulty.keys()]).toEqual([0]);
    let fuzzed = 0;
    for (let seed = 1; seed <= 3; seed++) {
      let changes = 0;
      // Its note(line) reaches the run's trace as "<time> 0 ADVERSARY byzzfuzz: <type>: <path> changed, to [...]".
      const trace = (line: string) => {
        if (line.includes(' 0 ADVERSARY byzzfuzz: ') && line.includes(' changed, to [')) changes++;
      };
      const { report } = runSeed(scenarioRunOptions(scenario, seed, { trace }));
      expect(report.violations, `seed ${seed}`).toEqual([]);
      if (changes > 0) fuzzed++;
    }
    // Measured: 13 to 19 changes on each of the 3 (changes on 97 of seeds 1..100).
    expect(fuzzed).toBeGreaterThanOrEqual(2);
  });
});
