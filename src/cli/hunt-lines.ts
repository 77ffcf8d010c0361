// What `pancydb hunt` prints, as lines computed from the hunt's settings and its finding,
// shared by the hunt on one machine, a shard of it (hunt-shard.ts) and `pancydb merge` of
// the shards (merge-hunt.ts): the merge prints the same lines one machine does because
// they come from the same functions, not from two copies kept in step.
import type { HuntFinding, ScenarioJson } from '../hunt/index.ts';
import { printable } from './shard-file.ts';

/** --budget's bounds, in seconds: below 1 s a hunt barely starts its workers; a longer hunt than a day is better run as several seeds. */
export const MIN_BUDGET_S = 1;
export const MAX_BUDGET_S = 86_400;

/** The settings that decide which schedules a hunt runs (not how fast: --workers is not one). */
export interface HuntSettings {
  readonly seed: number;
  readonly n: 4 | 7 | undefined;
  readonly budgetS: number | undefined;
  readonly schedules: number | undefined;
}

/** The first line: `pancydb hunt: seed 3, n 4 or 7, 40 schedules`. */
export function huntHeader(settings: HuntSettings): string {
  const limits = [settings.budgetS === undefined ? '' : `budget ${settings.budgetS} s`, settings.schedules === undefined ? '' : `${settings.schedules} schedules`].filter((part) => part !== '');
  return `pancydb hunt: seed ${settings.seed}, n ${settings.n ?? '4 or 7'}, ${limits.join(', ')}`;
}

/** The command line that runs the whole hunt, flags in one fixed order (so shards given them in any order agree). */
export function huntCommandLine(settings: HuntSettings): string {
  const flags = [`--seed ${settings.seed}`];
  if (settings.budgetS !== undefined) flags.push(`--budget ${settings.budgetS}`);
  if (settings.schedules !== undefined) flags.push(`--schedules ${settings.schedules}`);
  if (settings.n !== undefined) flags.push(`-n ${settings.n}`);
  return `pancydb hunt ${flags.join(' ')}`;
}

/**
 * "Nothing found" over schedules 0..covered-1: every one of them ran. Wall time is not on
 * this line but on the one after it, which alone differs between one machine and a merge.
 */
export function nothingFoundLine(covered: number, seed: number): string {
  return `nothing found: ${schedulesText(covered)}${covered === 0 ? '' : ` (0..${covered - 1})`}, seed ${seed}`;
}

/** `1 schedule`, `40 schedules`. */
export function schedulesText(count: number): string {
  return `${count} schedule${count === 1 ? '' : 's'}`;
}

/** FOUND, the drawn schedule and, if shrunk, the steps and the result: what is printed before the file is written. */
export function findingLines(finding: HuntFinding): string[] {
  const { found, index, runSeed } = finding;
  const lines = [`FOUND ${found.property} in schedule ${index} (run seed ${runSeed}): ${firstLine(found.detail)}`, `  schedule: ${describe(finding.drawn)}`];
  if (finding.shrinkSteps.length > 0) lines.push(`  shrunk in ${finding.shrinkSteps.length} steps (${finding.shrinkSteps.join('; ')}) to: ${describe(finding.scenario)}`);
  return lines;
}

/** After the scenario is written to `path`: its replay command, if its replay was seen to break `property` again. */
export function replayLines(path: string, property: string, runSeed: number, checked: boolean, huntSeed: number): string[] {
  if (!checked) return [`wrote ${path}, but its replay did not break ${property} again: please report this with the hunt's seed ${huntSeed}`];
  return [`wrote ${path}; replay (checked: it breaks ${property}):`, `  npx pancydb sim --scenario ${path} -S ${runSeed} -R 1`];
}

/** The bytes a found scenario is written as, by the hunt, a shard and a merge alike. */
export function scenarioText(scenario: ScenarioJson): string {
  return `${JSON.stringify(scenario, null, 2)}\n`;
}

/** The detail's first line, cut short, with any control character escaped: a shard file holding it must pass merge's isLine. */
function firstLine(text: string): string {
  return printable(text.split(/[\r\n]/)[0]!.slice(0, 300));
}

/** One line: n, the faulty replicas and their adversaries, the network faults, the workload. */
function describe(scenario: ScenarioJson): string {
  const f = scenario['f'] as number;
  const faulty = Object.entries((scenario['faulty'] ?? {}) as Record<string, { adversary: string }>).map(([id, entry]) => `${id}=${entry.adversary}`);
  const network = (scenario['network'] ?? {}) as Record<string, unknown>;
  const faults = Object.entries(network)
    .filter(([, value]) => (Array.isArray(value) ? value.length > 0 : value !== 0))
    .map(([key, value]) => (Array.isArray(value) ? `${value.length} ${key}` : `${key} ${String(value)}`));
  const workload = scenario['workload'] as { kind: string; clients: number; byzantineClients?: unknown };
  return [`n=${3 * f + 1}`, `faulty ${faulty.length === 0 ? 'none' : faulty.join(' ')}`, ...faults, `${workload.clients} ${workload.kind} clients${workload.byzantineClients === undefined ? '' : ' + Byzantine clients'}`].join(', ');
}
