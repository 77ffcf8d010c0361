// The shipped scenarios (adversaries/scenarios/*.json), each over the first 60 seeds, as
// CI runs them: split over several test files so that vitest's two threads share them.
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadScenario } from '../../src/scenario/load.ts';
import { scenarioRunOptions } from '../../src/scenario/run-options.ts';
import type { Scenario } from '../../src/scenario/scenario.ts';
import { runSeed } from '../../src/sim/run.ts';

export const SCENARIO_DIR = fileURLToPath(new URL('../../adversaries/scenarios/', import.meta.url));
// 60, not 100: the suite grew past 18 minutes on 2 cores (70), and again with the crash tests on
// real processes (60); `npm run sweep` runs 1000.
export const CI_SEEDS = 60;

export function shippedScenarioFiles(): string[] {
  return readdirSync(SCENARIO_DIR).filter((file) => file.endsWith('.json')).sort();
}

/** Seeds 1..count of a scenario; the first seed with a violation, and every violation seen. */
export function sweepScenario(scenario: Scenario, count: number, stopAtFirst: boolean): { firstViolating: number | undefined; problems: string[]; seeds: number } {
  const problems: string[] = [];
  let firstViolating: number | undefined;
  let seeds = 0;
  for (let seed = 1; seed <= count; seed++) {
    seeds++;
    const { report } = runSeed(scenarioRunOptions(scenario, seed));
    if (report.violations.length === 0) continue;
    firstViolating ??= seed;
    for (const violation of report.violations.slice(0, 2)) {
      problems.push(`seed ${seed}: ${violation.property}: ${violation.detail}\n  replay: npx pancydb sim --scenario adversaries/scenarios/${scenario.path?.split('/').at(-1)} -S ${seed} -R 1 -V`);
    }
    if (stopAtFirst) break;
  }
  return { firstViolating, problems, seeds };
}

/** Registers one test per shipped scenario whose index is `part` modulo `parts`. */
export function describeShippedScenarios(part: number, parts: number): void {
  const files = shippedScenarioFiles().filter((_, index) => index % parts === part);
  describe(`shipped scenarios, part ${part + 1} of ${parts}`, () => {
    for (const file of files) {
      it(`${file}: ${CI_SEEDS} seeds`, async () => {
        const scenario = await loadScenario(`${SCENARIO_DIR}${file}`);
        if (scenario.expect.kind === 'violation') {
          const { firstViolating } = sweepScenario(scenario, CI_SEEDS, true);
          expect(firstViolating, `${file} expects a violation within ${CI_SEEDS} seeds`).toBeDefined();
        } else {
          const { problems } = sweepScenario(scenario, CI_SEEDS, false);
          expect(problems).toEqual([]);
        }
      });
    }
  });
}
