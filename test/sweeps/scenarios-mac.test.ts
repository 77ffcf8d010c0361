// Shipped scenarios in 'mac' mode (src/core/auth.ts), whatever mode each file chose: safety
// on every seed, the stated liveness bound, and for negative scenarios a violation the
// checkers must find, as scenarios-*.test.ts check in each file's own mode. Fewer seeds
// than those (MAC_SEEDS against CI_SEEDS), to keep `npm test` within its time; `npm run
// sweep` runs both modes over 1000 seeds. Each deliberately broken rule must be caught in
// 'mac' mode as well (broken-protocols.test.ts has the pairs): 'reply-on-f' only is if a
// faulty replica's forged replies carry MACs, as a correct replica's do (adversary/host.ts).
import { describe, expect, it } from 'vitest';
import { loadScenario } from '../../src/scenario/load.ts';
import { scenarioRunOptions } from '../../src/scenario/run-options.ts';
import { runSeed } from '../../src/sim/run.ts';
import { BROKEN_PROTOCOL_CATCHES, describeShippedScenarios, SCENARIO_DIR } from '../support/scenario-sweep.ts';

/** Every shipped scenario and the broken variants in 30 to 45 s (measured) on one core of the 2-core CI machine. */
const MAC_SEEDS = 5;
/** As in broken-protocols.test.ts. */
const SEED_BUDGET = 5;

describeShippedScenarios(0, 1, { seeds: MAC_SEEDS, auth: 'mac' });

describe('broken protocol variants are caught in mac mode with at most f faulty replicas', () => {
  it.each(BROKEN_PROTOCOL_CATCHES)(`%s: caught by %s in mac mode within ${SEED_BUDGET} seeds`, async (flaw, file) => {
    const scenario = { ...(await loadScenario(`${SCENARIO_DIR}${file}`)), auth: 'mac' as const };
    let caught: string | undefined;
    for (let seed = 1; seed <= SEED_BUDGET && caught === undefined; seed++) {
      const report = runSeed({ ...scenarioRunOptions(scenario, seed), flaws: new Set([flaw]) }).report;
      expect(report.auth).toBe('mac');
      if (report.violations.length > 0) caught = `seed ${seed}: ${report.violations[0]!.property}`;
    }
    expect(caught, `${flaw} was not caught by ${file} in mac mode in seeds 1..${SEED_BUDGET}`).toBeDefined();
  });
});
