// The checkers must be able to fail (issue "Adversaries", item 7b). Each deliberately broken
// protocol variant (src/core/flaws.ts) is paired with a shipped scenario that has at most f
// Byzantine replicas. Within a fixed budget of seeds, the broken protocol must produce a
// violation, and on the very same seeds the protocol as the paper gives it must not.
import { describe, expect, it } from 'vitest';
import { loadScenario } from '../../src/scenario/load.ts';
import { scenarioRunOptions } from '../../src/scenario/run-options.ts';
import { runSeed } from '../../src/sim/run.ts';
import { BROKEN_PROTOCOL_CATCHES as CATCHES, SCENARIO_DIR } from '../support/scenario-sweep.ts';

const SEED_BUDGET = 5;

describe('broken protocol variants are caught with at most f faulty replicas', () => {
  it.each(CATCHES)(`%s: caught by %s within ${SEED_BUDGET} seeds; the correct protocol passes them`, async (flaw, file) => {
    const scenario = await loadScenario(`${SCENARIO_DIR}${file}`);
    expect(scenario.faulty.size).toBeLessThanOrEqual(scenario.f);
    const caught: string[] = [];
    const correct: string[] = [];
    for (let seed = 1; seed <= SEED_BUDGET; seed++) {
      const options = scenarioRunOptions(scenario, seed);
      const broken = runSeed({ ...options, flaws: new Set([flaw]) }).report;
      if (broken.violations.length > 0) caught.push(`seed ${seed}: ${broken.violations[0]!.property}`);
      const sound = runSeed(options).report;
      for (const violation of sound.violations) correct.push(`seed ${seed}: ${violation.property}: ${violation.detail}`);
    }
    expect(caught.length, `${flaw} was not caught by ${file} in seeds 1..${SEED_BUDGET}`).toBeGreaterThan(0);
    expect(correct).toEqual([]);
  });
});
