// Evidence of equivocation in the shipped scenarios (src/core/evidence.ts): every built-in
// adversary that signs two conflicting statements is convicted by some correct replica,
// on each seed tried, and the exported file passes `pancydb verify-evidence` with the
// seed's keys only. Attacks that sign nothing twice leave no evidence, and no correct
// replica is ever named (the shipped-scenario sweeps check that on every CI seed:
// test/support/scenario-sweep.ts), amnesiac restarts included.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.ts';
import { evidenceFileText } from '../../src/check/evidence-file.ts';
import { loadScenario } from '../../src/scenario/load.ts';
import { scenarioRunOptions } from '../../src/scenario/run-options.ts';
import { runSeed } from '../../src/sim/run.ts';
import { evidenceProblems } from '../support/evidence-check.ts';
import { SCENARIO_DIR } from '../support/scenario-sweep.ts';
import { simulate } from '../support/simulate.ts';

const SEEDS = [1, 2];
const directory = mkdtempSync(join(tmpdir(), 'pancydb-evidence-'));

async function run(args: string[]): Promise<{ status: number; out: string[] }> {
  const out: string[] = [];
  const status = await main(args, { out: (line) => out.push(line), err: (line) => out.push(line) });
  return { status, out };
}

/** Scenario, the replicas it must convict, and what they do that a correct replica never does. */
const CONVICTIONS: readonly (readonly [string, readonly number[], string])[] = [
  ['equivocate.json', [0], 'two PRE-PREPAREs for one (v, n), and COMMITs to match'],
  ['twin.json', [0], 'two twins with one key propose different batches for one n'],
  ['crash-restart.json', [0], 'the equivocating primary, while correct replicas restart from disk'],
  ['split-authenticator-equivocate.json', [0], 'the equivocating primary in mac mode'],
  ['mutate.json', [1], 'mutated PREPAREs and COMMITs (another digest) to some replicas'],
  ['view-change-liar.json', [1], 'a lying VIEW-CHANGE beside the honest one for the same view'],
  ['split-brain-commit.json', [1], 'view 1: a null request at s beside the PRE-PREPARE of O'],
  ['split-brain-prepare.json', [0, 1], 'batch A to one group and B to the other, and PREPAREs to match'],
  ['split-brain-fake-prepared.json', [1], 'its VIEW-CHANGE with a fake certificate beside the honest one'],
  ['combined-n7-equivocate-liar.json', [0, 1], 'an equivocating primary and a lying new primary, n=7'],
];

describe('evidence: every equivocating adversary is convicted, and the evidence verifies offline', () => {
  it.each(CONVICTIONS)(`%s: replicas %j convicted on seeds ${SEEDS.join(', ')} (%s)`, async (file, culprits, _what) => {
    const path = `${SCENARIO_DIR}${file}`;
    const scenario = await loadScenario(path);
    for (const seed of SEEDS) {
      const { report } = runSeed(scenarioRunOptions(scenario, seed));
      expect(report.violations).toEqual([]);
      const named = new Set(report.evidence.map((item) => item.culprit));
      expect([...named].sort(), `seed ${seed}`).toEqual([...culprits]);
      for (const item of report.evidence) expect(report.faulty).not.toContain(item.holder);
      const exported = join(directory, `${file}-${seed}.json`);
      writeFileSync(exported, evidenceFileText({ kind: 'sim', seed, scenario: path, n: report.n }, report.evidence));
      const verified = await run(['verify-evidence', exported, '--sim-seed', String(seed), '--scenario', path]);
      expect(verified.status, verified.out.join('\n')).toBe(0);
      expect(verified.out).toHaveLength(report.evidence.length);
      for (const line of verified.out) expect(line).toMatch(new RegExp(`culprit: replica (${culprits.join('|')}) \\(`));
    }
  });

  it('pancydb sim --evidence FILE writes what verify-evidence accepts (twin.json, seed 1)', async () => {
    const file = join(directory, 'twin-cli.json');
    const sim = await run(['sim', '--scenario', `${SCENARIO_DIR}twin.json`, '-S', '1', '-R', '1', '--evidence', file]);
    expect(sim.status).toBe(0);
    expect(sim.out.find((line) => line.startsWith('seed 1:'))).toMatch(/; evidence: 1 item against replica 0 \(pre-prepare\); ok$/);
    expect(sim.out).toContain(`evidence: 1 item written to ${file}; check it with: npx pancydb verify-evidence ${file} --sim-seed 1 --scenario ${SCENARIO_DIR}twin.json`);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toMatchObject({ format: 'pancydb-evidence/v1', source: { kind: 'sim', seed: 1, n: 4 } });
    expect(await run(['verify-evidence', file, '--sim-seed', '1'])).toEqual({ status: 0, out: ['culprit: replica 0 (pre-prepare, v=0 n=3)'] });
  });

  it('the same seed gives the same evidence, byte for byte, and the same EVIDENCE lines in the -V trace (equivocate.json, seed 3)', async () => {
    const scenario = await loadScenario(`${SCENARIO_DIR}equivocate.json`);
    const once = () => {
      const lines: string[] = [];
      const { report } = runSeed(scenarioRunOptions(scenario, 3, { trace: (line) => lines.push(line) }));
      return { json: JSON.stringify(report), evidence: lines.filter((line) => line.includes(' EVIDENCE ')), lines: lines.length };
    };
    const first = once();
    expect(first.evidence.length).toBeGreaterThan(0);
    expect(first.evidence[0]).toMatch(/^\d+\.\d{3} [1-3] EVIDENCE against 0: [A-Z-]+ v=\d+ n=\d+ \(two signed frames, \d+ bytes\)$/);
    expect(once()).toEqual(first);
  });

  it('pancydb sim --evidence with several seeds is a usage error: each seed has its own keys', async () => {
    const result = await run(['sim', '--scenario', `${SCENARIO_DIR}twin.json`, '-R', '2', '--evidence', join(directory, 'x.json')]);
    expect(result.status).toBe(2);
    expect(result.out[0]).toMatch(/--evidence .* needs one seed \(-S SEED -R 1\), got 2/);
  });
});

describe('evidence: no conviction without equivocation', () => {
  it.each([
    ['split-brain-wrong-o.json', 'one wrong O told to everyone'],
    ['split-brain-digest.json', 'one signed header with two batches: the signature covers the header only'],
  ])('%s: no evidence (%s)', async (file) => {
    const { report } = runSeed(scenarioRunOptions(await loadScenario(`${SCENARIO_DIR}${file}`), 1));
    expect(report.evidence).toEqual([]);
  });

  it("the sweeps' check (evidence-check.ts) would catch a wrongful conviction: twin.json seed 1 with replica 0 taken for correct", async () => {
    const { report } = runSeed(scenarioRunOptions(await loadScenario(`${SCENARIO_DIR}twin.json`), 1));
    expect(evidenceProblems(report)).toEqual([]);
    const problems = evidenceProblems({ ...report, faulty: [] });
    expect(problems).toEqual([expect.stringMatching(/^seed 1: evidence held by 3 against 0 \(pre-prepare v=0 n=3\) names a correct replica$/)]);
    const [first, second] = report.evidence[0]!.frames;
    const flippedLastByte = (Number.parseInt(second.slice(-2), 16) ^ 1).toString(16).padStart(2, '0');
    const forged = { ...report, evidence: [{ ...report.evidence[0]!, frames: [first, `${second.slice(0, -2)}${flippedLastByte}`] as const }] };
    expect(evidenceProblems(forged)[0]).toMatch(/fails the offline check: frame 2: the signature does not verify/);
  });

  it.each([0, 2])('replica %i restarts without memory (amnesia) at 1 s, seeds 1..3: never convicted, nobody is', (replica) => {
    for (const seed of [1, 2, 3]) {
      const { report } = simulate({ seed, network: { loss: 0.02, crashes: [{ replica, atMs: 1000, restartAtMs: 1500, amnesia: true }] } });
      expect(report.violations).toEqual([]);
      expect(report.evidence).toEqual([]);
    }
  });
});
