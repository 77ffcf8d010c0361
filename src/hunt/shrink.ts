// Shrinking a failing schedule before it is written: the steps of `pancydb sim --shrink`
// (src/cli/shrink.ts: drop a faulty replica or a network fault, fewer clients, a shorter
// run), plus the hunt's own (back to the default protocol parameters, signatures instead
// of MACs, no optimizations), each kept only if the same run seed still breaks the same
// property. Greedy, one change at a time (Delta Debugging, Zeller & Hildebrandt 2002).
//
// A schedule with a quiet tail has its tail derived again after each step (quiet-tail.ts):
// a step that drops a fault window moves GST earlier, one that drops loss or a slow link
// shortens the bound, and the shrunk file still expects only what the protocol owes. The
// steps that shorten the run or cut the workload before the tail undo themselves there,
// and are skipped.
import type { ProtocolFlaw } from '../core/flaws.ts';
import { candidates, shrinkGreedily, type Candidate } from '../cli/shrink.ts';
import type { ScenarioJson } from './draw.ts';
import { withQuietTail } from './quiet-tail.ts';
import { runSchedule, type Finding } from './run-schedule.ts';

/** Most runs one shrink spends; each costs about as much as the failing run. */
export const MAX_SHRINK_RUNS = 60;

export interface Shrunk {
  readonly scenario: ScenarioJson;
  readonly finding: Finding;
  readonly steps: readonly string[];
  readonly runs: number;
}

function* huntCandidates(scenario: ScenarioJson): Generator<Candidate> {
  if (scenario['expect'] === undefined) {
    yield* smallerSchedules(scenario);
    return;
  }
  const current = JSON.stringify(scenario);
  for (const candidate of smallerSchedules(scenario)) {
    const tailed = withQuietTail(candidate.scenario);
    if (JSON.stringify(tailed) !== current) yield { step: candidate.step, scenario: tailed };
  }
}

function* smallerSchedules(scenario: ScenarioJson): Generator<Candidate> {
  const without = (key: string): ScenarioJson => Object.fromEntries(Object.entries(scenario).filter(([other]) => other !== key));
  if (scenario['optimizations'] !== undefined) yield { step: 'optimizations removed', scenario: without('optimizations') };
  if (scenario['auth'] !== undefined) yield { step: 'auth back to signed', scenario: without('auth') };
  const parameters = (scenario['parameters'] ?? {}) as ScenarioJson;
  if (Object.keys(parameters).length > 0) yield { step: 'parameters back to the defaults', scenario: without('parameters') };
  yield* candidates(scenario);
}

/** Shrinks `scenario`, which fails with `finding.property` on run seed `seed`. */
export async function shrinkSchedule(scenario: ScenarioJson, seed: number, finding: Finding, flaws?: ReadonlySet<ProtocolFlaw>, maxRuns = MAX_SHRINK_RUNS): Promise<Shrunk> {
  const shrunk = await shrinkGreedily(scenario, huntCandidates, (candidate) => stillFails(candidate, seed, finding.property, flaws), maxRuns);
  return { scenario: shrunk.scenario, finding: shrunk.last ?? finding, steps: shrunk.steps, runs: shrunk.runs };
}

async function stillFails(scenario: ScenarioJson, seed: number, property: Finding['property'], flaws?: ReadonlySet<ProtocolFlaw>): Promise<Finding | undefined> {
  let findings: Finding[];
  try {
    findings = await runSchedule(scenario, seed, flaws);
  } catch {
    return undefined; // A step that makes the scenario invalid (or the run throw) is not a step.
  }
  return findings.find((finding) => finding.property === property);
}
