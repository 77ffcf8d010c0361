// Shrinking a failing seed: a scenario that fails with seed S is made smaller, one step at
// a time, for as long as seed S still breaks the same guarantee. The steps drop a faulty
// replica, drop a network fault, halve or decrement the clients, and shorten the run: the
// smallest case left is the easiest to read in a -V trace. This works on the scenario
// file's JSON, so the result is itself a scenario file anyone can run.
//
// Changing the scenario changes how the seed's random draws fall, so a step can also make
// the failure disappear; such a step is simply not taken (the search is greedy, like
// Delta Debugging, Zeller & Hildebrandt 2002, one change at a time).
import { readFile, writeFile } from 'node:fs/promises';
import { dirname, isAbsolute, resolve } from 'node:path';
import type { Property } from '../check/violation.ts';
import { loadScenarioText } from '../scenario/load.ts';
import type { SeedReport } from '../sim/run.ts';
import { runCommandSeed, scenarioWithFlags, type LoadedSimCommand, type Output } from './sim-seed.ts';
import { UsageError } from './usage-error.ts';

type Json = Record<string, unknown>;

export interface ShrinkResult {
  readonly scenario: Json;
  readonly report: SeedReport;
  readonly steps: readonly string[];
  readonly runs: number;
}

/** Most seed runs one shrink may spend; each costs about as much as the failing run. */
const MAX_RUNS = 80;

/** Shrinks the scenario of `command` for `seed`, which must fail with `property`. */
export async function shrinkScenario(command: LoadedSimCommand, seed: number, property: Property, output: Output): Promise<ShrinkResult> {
  const file = command.scenarioPath!;
  const start = absoluteAdversaryPaths(JSON.parse(await readFile(file, 'utf8')) as Json, dirname(resolve(file)));
  const shrunk = await shrinkGreedily(start, candidates, (scenario) => failsWith(command, scenario, file, seed, property), MAX_RUNS, (step) =>
    output.out(`  shrink: ${step} (still ${property} with seed ${seed})`),
  );
  // No step taken: the report of the file as it was.
  const report = shrunk.last ?? (await failsWith(command, shrunk.scenario, file, seed, property))!;
  return { scenario: shrunk.scenario, report, steps: shrunk.steps, runs: shrunk.runs };
}

export async function writeShrunk(path: string, result: ShrinkResult): Promise<void> {
  await writeFile(path, `${JSON.stringify(result.scenario, null, 2)}\n`);
}

async function failsWith(command: LoadedSimCommand, scenario: Json, file: string, seed: number, property: Property): Promise<SeedReport | undefined> {
  let loaded;
  try {
    loaded = scenarioWithFlags(await loadScenarioText(JSON.stringify(scenario), file), command.flags);
  } catch (error) {
    if (error instanceof UsageError) return undefined; // A step that makes the file invalid is not a step.
    throw error;
  }
  const { report } = runCommandSeed({ ...command, verbose: false, scenario: loaded }, seed);
  return report.violations.some((violation) => violation.property === property) ? report : undefined;
}

/** Adversary paths become absolute, so the shrunk file runs from wherever it is written. */
function absoluteAdversaryPaths(scenario: Json, directory: string): Json {
  const faulty = (scenario.faulty ?? {}) as Record<string, Json>;
  const fixed = Object.fromEntries(
    Object.entries(faulty).map(([id, entry]) => {
      const adversary = String(entry.adversary);
      const isPath = adversary.includes('/') || /\.(ts|js|mjs)$/.test(adversary);
      return [id, isPath && !isAbsolute(adversary) ? { ...entry, adversary: resolve(directory, adversary) } : entry];
    }),
  );
  return scenario.faulty === undefined ? scenario : { ...scenario, faulty: fixed };
}

export interface Candidate {
  readonly step: string;
  readonly scenario: Json;
}

/**
 * The greedy search both `sim --shrink` and the hunt (src/hunt/shrink.ts) use: take the
 * first candidate that still fails (`stillFails` gives what it found, or undefined), start
 * over from it, and stop when none does or `maxRuns` tries are spent.
 */
export async function shrinkGreedily<Found>(
  start: Json,
  candidatesOf: (scenario: Json) => Iterable<Candidate>,
  stillFails: (scenario: Json) => Promise<Found | undefined>,
  maxRuns: number,
  onStep?: (step: string) => void,
): Promise<{ readonly scenario: Json; readonly last: Found | undefined; readonly steps: readonly string[]; readonly runs: number }> {
  let current = start;
  let last: Found | undefined;
  const steps: string[] = [];
  let runs = 0;
  let progressed = true;
  while (progressed && runs < maxRuns) {
    progressed = false;
    for (const candidate of candidatesOf(current)) {
      if (runs >= maxRuns) break;
      runs++;
      const found = await stillFails(candidate.scenario);
      if (found === undefined) continue;
      current = candidate.scenario;
      last = found;
      steps.push(candidate.step);
      onStep?.(candidate.step);
      progressed = true;
      break;
    }
  }
  return { scenario: current, last, steps, runs };
}

/** Smaller versions of `scenario`, the biggest cuts first. */
export function* candidates(scenario: Json): Generator<Candidate> {
  const faulty = (scenario.faulty ?? {}) as Record<string, unknown>;
  for (const id of Object.keys(faulty)) {
    const rest = Object.fromEntries(Object.entries(faulty).filter(([key]) => key !== id));
    yield { step: `replica ${id} made correct`, scenario: { ...scenario, faulty: rest } };
  }
  const network = (scenario.network ?? {}) as Json;
  for (const list of ['partitions', 'slowLinks', 'crashes'] as const) {
    const items = (network[list] ?? []) as unknown[];
    for (let index = 0; index < items.length; index++) {
      yield { step: `${list} entry ${index} removed`, scenario: { ...scenario, network: { ...network, [list]: items.filter((_, other) => other !== index) } } };
    }
  }
  for (const key of ['loss', 'duplicate', 'reorder', 'jitterMs'] as const) {
    if (typeof network[key] === 'number' && network[key] !== 0) yield { step: `network.${key} set to 0`, scenario: { ...scenario, network: { ...network, [key]: 0 } } };
  }
  const workload = scenario.workload as Json;
  if (workload.byzantineClients !== undefined) {
    const { byzantineClients: _, ...rest } = workload;
    yield { step: 'Byzantine clients removed', scenario: { ...scenario, workload: rest } };
  }
  const clients = workload.clients as number;
  if (clients > 1) {
    const fewer = clients > 2 ? Math.ceil(clients / 2) : clients - 1;
    yield { step: `clients ${clients} -> ${fewer}`, scenario: { ...scenario, workload: { ...workload, clients: fewer } } };
    if (fewer !== clients - 1) yield { step: `clients ${clients} -> ${clients - 1}`, scenario: { ...scenario, workload: { ...workload, clients: clients - 1 } } };
  }
  const workS = workload.durationS as number;
  const runS = typeof scenario.durationS === 'number' ? scenario.durationS : undefined;
  if (runS !== undefined && runS > workS) {
    const shorter = Math.max(workS, Math.round(((workS + runS) / 2) * 10) / 10);
    if (shorter < runS) yield { step: `run ${runS} s -> ${shorter} s`, scenario: { ...scenario, durationS: shorter } };
  }
  if (workS > 0.2) {
    const shorter = Math.round((workS / 2) * 10) / 10;
    yield { step: `workload ${workS} s -> ${shorter} s`, scenario: { ...scenario, workload: { ...workload, durationS: shorter } } };
  }
}
