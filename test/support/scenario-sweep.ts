// The shipped scenarios (adversaries/scenarios/*.json), each over the first 60 seeds, as
// CI runs them: split over several test files so that vitest's two threads share them;
// and again in 'mac' mode over fewer seeds (scenarios-mac.test.ts).
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { AuthMode } from '../../src/core/auth.ts';
import type { ProtocolFlaw } from '../../src/core/flaws.ts';
import { loadScenario } from '../../src/scenario/load.ts';
import { scenarioRunOptions } from '../../src/scenario/run-options.ts';
import type { Scenario } from '../../src/scenario/scenario.ts';
import { runSeed } from '../../src/sim/run.ts';
import { evidenceProblems } from './evidence-check.ts';

export const SCENARIO_DIR = fileURLToPath(new URL('../../adversaries/scenarios/', import.meta.url));
// 45, not 100: the suite grew past 18 minutes on 2 cores (70), again with the crash tests on
// real processes (60), and a fresh-clone CI on 2026-12-01 took 1,179 s of vitest with these
// four files at 92-444 s each (45); `npm run sweep` runs 1000.
export const CI_SEEDS = 45;

/**
 * Which shipped scenario catches which deliberately broken rule (src/core/flaws.ts), with
 * at most f faulty replicas: broken-protocols.test.ts checks each in the scenario's own
 * mode, scenarios-mac.test.ts in 'mac' mode. The notebook's table is this one.
 */
export const BROKEN_PROTOCOL_CATCHES: readonly (readonly [ProtocolFlaw, string])[] = [
  ['commit-on-2f', 'split-brain-commit.json'],
  ['prepare-on-2f-1', 'split-brain-prepare.json'],
  ['p-not-checked', 'split-brain-fake-prepared.json'],
  ['new-view-o-not-recomputed', 'split-brain-wrong-o.json'],
  ['no-pre-prepare-digest-check', 'split-brain-digest.json'],
  ['reply-on-f', 'forge-replies.json'],
  // The §5.1 optimizations (src/sim/optimizations.ts), each scenario with its own on.
  ['read-on-f-plus-1', 'read-only-lagging.json'],
  ['write-on-f-plus-1-with-reads', 'stale-reads.json'],
  ['digest-not-compared', 'forge-replies-digest.json'],
  ['tentative-on-f-plus-1', 'hidden-prepare.json'],
];

export function shippedScenarioFiles(): string[] {
  return readdirSync(SCENARIO_DIR).filter((file) => file.endsWith('.json')).sort();
}

/**
 * Seeds 1..count of a scenario; the first seed with a violation, and every violation seen.
 * `wrongful`: evidence of equivocation (src/core/evidence.ts) that names a correct replica,
 * is held by a faulty one or fails the offline check, on any seed, violating or not.
 */
export function sweepScenario(scenario: Scenario, count: number, stopAtFirst: boolean): { firstViolating: number | undefined; problems: string[]; wrongful: string[]; seeds: number } {
  const problems: string[] = [];
  const wrongful: string[] = [];
  let firstViolating: number | undefined;
  let seeds = 0;
  for (let seed = 1; seed <= count; seed++) {
    seeds++;
    const { report } = runSeed(scenarioRunOptions(scenario, seed));
    wrongful.push(...evidenceProblems(report));
    if (report.violations.length === 0) continue;
    firstViolating ??= seed;
    const auth = scenario.auth === 'mac' ? ' --auth mac' : '';
    for (const violation of report.violations.slice(0, 2)) {
      problems.push(`seed ${seed}: ${violation.property}: ${violation.detail}\n  replay: npx pancydb sim --scenario adversaries/scenarios/${scenario.path?.split('/').at(-1)} -S ${seed} -R 1${auth} -V`);
    }
    if (stopAtFirst) break;
  }
  return { firstViolating, problems, wrongful, seeds };
}

export interface ShippedSweep {
  /** Seeds 1..seeds of each scenario; a scenario that expects a violation stops at the first. */
  readonly seeds: number;
  /** Runs every scenario in this mode instead of the file's own. */
  readonly auth?: AuthMode;
}

/** Registers one test per shipped scenario whose index is `part` modulo `parts`. */
export function describeShippedScenarios(part: number, parts: number, sweep: ShippedSweep = { seeds: CI_SEEDS }): void {
  const files = shippedScenarioFiles().filter((_, index) => index % parts === part);
  const mode = sweep.auth === undefined ? '' : `, auth ${sweep.auth}`;
  describe(`shipped scenarios${mode}, part ${part + 1} of ${parts}`, () => {
    for (const file of files) {
      it(`${file}: ${sweep.seeds} seeds${mode}`, async () => {
        const loaded = await loadScenario(`${SCENARIO_DIR}${file}`);
        const scenario = sweep.auth === undefined ? loaded : { ...loaded, auth: sweep.auth };
        if (scenario.expect.kind === 'violation') {
          const { firstViolating, wrongful } = sweepScenario(scenario, sweep.seeds, true);
          expect(firstViolating, `${file} expects a violation within ${sweep.seeds} seeds`).toBeDefined();
          expect(wrongful).toEqual([]);
        } else {
          const { problems, wrongful } = sweepScenario(scenario, sweep.seeds, false);
          expect(problems).toEqual([]);
          expect(wrongful).toEqual([]);
        }
      });
    }
  });
}
