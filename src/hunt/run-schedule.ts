// One schedule of a hunt, run: the drawn scenario object goes through the scenario loader
// (the same checks as a file) and runs as `pancydb sim --scenario FILE -S seed -R 1` runs
// it. Protocol flaws (src/core/flaws.ts) come only from code (a bench or a test calling
// hunt()), never from the command line or the scenario, so a replay of the written file
// runs the protocol the file can name: the correct one.
import type { ProtocolFlaw } from '../core/flaws.ts';
import type { Property } from '../check/violation.ts';
import { loadScenarioText } from '../scenario/load.ts';
import { scenarioRunOptions } from '../scenario/run-options.ts';
import { runSeed } from '../sim/run.ts';
import type { ScenarioJson } from './draw.ts';

export interface Finding {
  /** 'exception': the run threw (a bug of the simulator, the replica or an adversary). */
  readonly property: Property | 'exception';
  readonly detail: string;
}

/** The name a schedule's loader errors cite; adversaries are built-ins, so its directory does not matter. */
export const SCHEDULE_FILE = 'hunt-schedule.json';

/**
 * Runs `scenario` with run seed `seed`, every checker on, liveness where the scenario
 * expects it (a quiet tail, quiet-tail.ts; scenarioRunOptions passes the bound on), and
 * returns its violations (the first of each property, in the order the checkers reported them).
 */
export async function runSchedule(scenario: ScenarioJson, seed: number, flaws?: ReadonlySet<ProtocolFlaw>): Promise<Finding[]> {
  const loaded = await loadScenarioText(JSON.stringify(scenario), SCHEDULE_FILE);
  const options = scenarioRunOptions(loaded, seed);
  const { violations } = runSeed(flaws === undefined || flaws.size === 0 ? options : { ...options, flaws });
  const seen = new Set<Property>();
  const findings: Finding[] = [];
  for (const violation of violations) {
    if (seen.has(violation.property)) continue;
    seen.add(violation.property);
    findings.push({ property: violation.property, detail: violation.detail });
  }
  return findings;
}
