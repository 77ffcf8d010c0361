// A hunt shard's results file (`pancydb hunt --shard I/K --out FILE`, format
// pancydb-hunt-shard/v1): which hunt (the settings that decide its schedules, and K), which
// shard, how far along its stride it got, and its lowest failing schedule with the
// scenario it wrote. `pancydb merge` reads these files from elsewhere, so every field is
// checked here, against what the seed itself decides where it can be recomputed (the run
// seed of a schedule), and a bad file is a usage error naming it.
//
// The scenario is run by merge (its replay check) and by whoever runs the replay command
// merge prints, so it is held to what the hunt draws: built-in adversaries only (a path
// would be a JavaScript module that the simulator imports, code from the file), and no
// expected violation (which would let more than f replicas be faulty). Its replayChecked
// is not believed: merge runs the replay itself (merge-hunt.ts).
import { scheduleRunSeed, type ScenarioJson } from '../hunt/draw.ts';
import { builtInAdversaryNames, isAdversaryPath } from '../scenario/adversary-module.ts';
import { MAX_SEEDS } from '../scenario/bounds.ts';
import { FieldReader } from '../scenario/fields.ts';
import { checkScenario } from '../scenario/schema.ts';
import { huntCommandLine, MAX_BUDGET_S, MIN_BUDGET_S, type HuntSettings } from './hunt-lines.ts';
import { isCount, isLine, isObject, isString, printable } from './shard-file.ts';
import { strideLength } from './shard.ts';
import { UsageError } from './usage-error.ts';

export const HUNT_SHARD_FORMAT = 'pancydb-hunt-shard/v1';

/** Everything that must be equal in every shard of one hunt; null where the flag is absent. */
export interface HuntIdentity {
  /** The command that runs the whole hunt on one machine (hunt-lines.ts huntCommandLine). */
  readonly command: string;
  readonly seed: number;
  readonly n: 4 | 7 | null;
  readonly budgetS: number | null;
  readonly schedules: number | null;
  /** K. */
  readonly shards: number;
}

export interface HuntShardFinding {
  /** The shard's lowest failing schedule index (≡ I mod K), its run seed and the property it broke first. */
  readonly index: number;
  readonly runSeed: number;
  readonly property: string;
  /** What the hunt prints for it before writing the scenario: FOUND, the schedule, the shrink. */
  readonly lines: readonly string[];
  /**
   * The scenario written (shrunk, or drawn if the shrunk one did not replay), and whether the
   * shard saw its replay break `property`: for whoever reads the file; merge runs the replay
   * again and believes only its own run.
   */
  readonly scenario: ScenarioJson;
  readonly replayChecked: boolean;
  /** Where the shard wrote that scenario, for whoever reads this file by hand. */
  readonly scenarioFile: string;
}

export interface HuntShardFile {
  readonly format: typeof HUNT_SHARD_FORMAT;
  readonly hunt: HuntIdentity;
  readonly shard: {
    readonly index: number;
    /** Its stride I, I+K, … ran without a gap for this many indexes (with a finding: up to and with it). */
    readonly prefixRun: number;
    /** Schedules finished in all (more than prefixRun when higher ones finished after the finding). */
    readonly schedulesRun: number;
    readonly searchMs: number;
  };
  readonly finding: HuntShardFinding | null;
}

export function settingsOf(identity: HuntIdentity): HuntSettings {
  return { seed: identity.seed, n: identity.n ?? undefined, budgetS: identity.budgetS ?? undefined, schedules: identity.schedules ?? undefined };
}

/** The structure, and that it is a shard that `pancydb hunt` could have written. */
export function checkHuntShardFile(path: string, json: unknown): HuntShardFile {
  const bad = (what: string) => new UsageError(`${path}: not a pancydb hunt --shard results file (${what})`);
  if (!isObject(json) || json['format'] !== HUNT_SHARD_FORMAT) throw bad(`format is not ${HUNT_SHARD_FORMAT}`);
  const identity = checkIdentity(json['hunt'], bad);
  const { shard, finding } = json;
  if (!isObject(shard) || !isCount(shard['index']) || shard['index'] >= identity.shards) throw bad('shard.index');
  const index = shard['index'];
  const { prefixRun, schedulesRun, searchMs } = shard;
  if (!isCount(prefixRun) || !isCount(schedulesRun) || schedulesRun < prefixRun || typeof searchMs !== 'number' || !(searchMs >= 0 && searchMs < Infinity)) throw bad('shard.prefixRun, schedulesRun or searchMs');
  const stride = identity.schedules === null ? undefined : strideLength({ index, count: identity.shards }, identity.schedules);
  if (stride !== undefined && schedulesRun > stride) throw bad(`shard ${index}/${identity.shards} has ${stride} schedules below ${identity.schedules}`);
  // Without a budget only a finding stops a shard before the end of its stride.
  if (finding === null && identity.budgetS === null && prefixRun !== stride) throw bad(`shard.prefixRun: ${stride} schedules expected, for a hunt without --budget that found nothing`);
  if (finding !== null) checkFinding(finding, identity, index, prefixRun, bad);
  return json as unknown as HuntShardFile;
}

function checkIdentity(hunt: unknown, bad: (what: string) => UsageError): HuntIdentity {
  if (!isObject(hunt)) throw bad('hunt');
  const { seed, n, budgetS, schedules, shards, command } = hunt;
  if (!isCount(seed)) throw bad('hunt.seed');
  if (n !== null && n !== 4 && n !== 7) throw bad('hunt.n');
  if (budgetS !== null && !(typeof budgetS === 'number' && budgetS >= MIN_BUDGET_S && budgetS <= MAX_BUDGET_S)) throw bad('hunt.budgetS');
  if (schedules !== null && !(isCount(schedules) && schedules >= 1)) throw bad('hunt.schedules');
  if (budgetS === null && schedules === null) throw bad('hunt: neither budgetS nor schedules');
  // parseShard's bound, and with --schedules N no more shards than schedules (as the hunt checks).
  if (!isCount(shards) || shards < 1 || shards > MAX_SEEDS || (schedules !== null && shards > schedules)) throw bad('hunt.shards');
  const identity = { command, seed, n, budgetS, schedules, shards } as HuntIdentity;
  if (command !== huntCommandLine(settingsOf(identity))) throw bad('hunt.command does not match its settings');
  return identity;
}

function checkFinding(finding: unknown, identity: HuntIdentity, shardIndex: number, prefixRun: number, bad: (what: string) => UsageError): void {
  if (!isObject(finding)) throw bad('finding');
  const { index, runSeed, property, lines, scenario, replayChecked, scenarioFile } = finding;
  const count = identity.shards;
  if (!isCount(index) || index % count !== shardIndex || (identity.schedules !== null && index >= identity.schedules)) throw bad(`finding.index: not a schedule of shard ${shardIndex}/${count}`);
  if (prefixRun !== (index - shardIndex) / count + 1) throw bad('shard.prefixRun: the stride up to and with finding.index');
  if (runSeed !== scheduleRunSeed(identity.seed, index)) throw bad(`finding.runSeed: schedule ${index} of seed ${identity.seed} runs with another`);
  if (!isString(property) || !/^[a-z][a-z-]{0,63}$/.test(property)) throw bad('finding.property');
  // The lines hunt-lines.ts findingLines gives: FOUND naming this schedule, the schedule, perhaps the shrink.
  const found = `FOUND ${property} in schedule ${index} (run seed ${runSeed}): `;
  if (!Array.isArray(lines) || lines.length < 2 || lines.length > 3 || !lines.every(isLine) || !(lines[0] as string).startsWith(found)) throw bad('finding.lines');
  if (!isObject(scenario) || !writable(scenario)) throw bad('finding.scenario');
  checkDrawable(scenario, bad);
  if (typeof replayChecked !== 'boolean') throw bad('finding.replayChecked');
  if (!isLine(scenarioFile)) throw bad('finding.scenarioFile');
}

/**
 * That `scenario` is one the hunt could have drawn, as far as running it goes: every field
 * as pancydb sim's loader checks it (the schema; the adversaries' options are checked when
 * merge loads it), each faulty replica's adversary a built-in, and no expected violation.
 */
function checkDrawable(scenario: Record<string, unknown>, bad: (what: string) => UsageError): void {
  const faulty = scenario['faulty'];
  if (isObject(faulty)) {
    const builtIns = builtInAdversaryNames();
    for (const [id, entry] of Object.entries(faulty)) {
      const adversary = isObject(entry) ? entry['adversary'] : undefined;
      const field = `finding.scenario.faulty.${printable(JSON.stringify(id))}.adversary`;
      if (isString(adversary) && isAdversaryPath(adversary)) {
        throw bad(`${field} is a path, ${printable(JSON.stringify(adversary))}: a module the simulator would import and run; the hunt draws built-in adversaries only`);
      }
      if (!isString(adversary) || !builtIns.includes(adversary)) throw bad(`${field}: not a built-in adversary (built-ins: ${builtIns.join(', ')})`);
    }
  } else if (faulty !== undefined) throw bad('finding.scenario.faulty');
  if (isObject(scenario['expect']) && scenario['expect']['violation'] !== undefined) throw bad('finding.scenario.expect.violation: the hunt never expects a violation (that would allow more than f faulty replicas)');
  try {
    checkScenario(new FieldReader('finding.scenario'), scenario);
  } catch (error) {
    if (error instanceof UsageError) throw bad(printable(error.message));
    throw error;
  }
}

/** Whether merge can write it: JSON.parse accepts nesting that JSON.stringify then overflows the stack on. */
function writable(scenario: Record<string, unknown>): boolean {
  try {
    JSON.stringify(scenario);
    return true;
  } catch {
    return false;
  }
}
