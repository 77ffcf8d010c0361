// `pancydb hunt`: a seeded randomized search for a fault schedule, with at most f faulty
// replicas, that breaks a guarantee (src/hunt/). On the first violation it shrinks the
// schedule, writes it as an ordinary scenario file, runs that file exactly as
// `pancydb sim --scenario FILE -S s -R 1` would, and prints that command only once it has
// seen it fire the same property. Exit 0: nothing found within the budget; 1: a violation.
// With --shard I/K it runs one strided slice of the schedules and writes its results for
// `pancydb merge` (hunt-shard.ts).
import { readFile, writeFile } from 'node:fs/promises';
import { brokenProtocolReplay, hunt, type HuntExtras, type HuntFinding } from '../hunt/index.ts';
import { MAX_WORKERS } from '../scenario/bounds.ts';
import { findingLines, huntHeader, MAX_BUDGET_S, MIN_BUDGET_S, nothingFoundLine, replayLines, scenarioText } from './hunt-lines.ts';
import { finishHuntShard, foundScenarioPath, shardHeader, type WrittenFinding } from './hunt-shard.ts';
import { checkOutputFile } from './output-file.ts';
import { parseShard, type Shard } from './shard.ts';
import { loadSimCommand, runCommandSeed, type Output } from './sim-seed.ts';
import { UsageError } from './usage-error.ts';

export const HUNT_HELP = `Usage: pancydb hunt [--seed S] [--budget SECONDS] [--schedules N] [--workers N]
                   [-n 4|7] [--out FILE] [--shard I/K]

Draws fault schedules from a seed and runs each in the simulator until a checker fires.
A schedule has n = 4 or 7 replicas, at most f of them faulty: built-in adversaries with
drawn options (byzzfuzz, mutate: ByzzFuzz-style mutations of any field in a few
(view, seq, type) rounds, re-signed; twin: Twins-style twins, a partition per view; equivocate, replay, view-change-liar, censor, forge-replies, ...),
partitions and slow links in a few time windows, loss, duplication, reordering, crashes
with restart from disk or without memory, sometimes Byzantine clients. Every checker of
pancydb sim runs; liveness too in the schedules (about half) that end in a quiet tail, a
partially synchronous, lossless network after the last fault window. The first failing
schedule is shrunk, written as a scenario file, and its replay command printed.

Options:
  --seed S          the hunt's seed (default 1): one seed, the same schedules
  --budget SECONDS  stop drawing after this much wall time (default 60, or none
                    with --schedules alone; ${MIN_BUDGET_S} to ${MAX_BUDGET_S}, decimal). It bounds the
                    search only: shrinking a failing schedule and checking its
                    replay come after it, and may take a few minutes more
  --schedules N     stop after N schedules
  --workers N       worker threads (default: one per core)
  -n 4|7            only 4 or only 7 replicas (default: drawn per schedule)
  --out FILE        where the failing schedule goes (default hunt-<seed>.json);
                    with --shard, where the shard's results go (needed)
  --shard I/K       run shard I (0-based) of K: the schedules I, I+K, I+2K, ...
                    (strided, unlike sim's contiguous seed ranges: with a budget
                    there is no N to cut into ranges, and so every shard climbs
                    through the low indexes together). A failing schedule goes to
                    found-FILE beside FILE; pancydb merge joins the K files into
                    what one machine prints. Exit 0 once FILE is written.
  -h, --help        this text

Exit status: 0 nothing found (or a shard's file written), 1 a violation found (file
written), 2 usage error, 70 internal error (an unexpected exception, such as a worker
thread that died: not a verdict on the protocol).

Examples:
  npx pancydb hunt --budget 600             ten minutes on every core
  npx pancydb hunt --seed 7 --schedules 500 -n 7 --out found.json
  for i in 0 1; do npx pancydb hunt --seed 3 --schedules 40 --shard $i/2 --out h-$i.json; done
  npx pancydb merge h-0.json h-1.json       what the hunt prints on one machine (docs/sharding.md)`;

export interface HuntCommand {
  readonly seed: number;
  readonly budgetS: number | undefined;
  readonly schedules: number | undefined;
  readonly workers: number | undefined;
  readonly n: 4 | 7 | undefined;
  readonly out: string;
  /** Shard I of K; `out` is then the results file. */
  readonly shard: Shard | undefined;
  readonly help: boolean;
}

const DEFAULT_BUDGET_S = 60;
const MAX_SCHEDULES = 100_000_000;

function whole(flag: string, text: string | undefined, minimum: number, maximum: number): number {
  if (text === undefined || !/^\d+$/.test(text) || !Number.isSafeInteger(Number(text))) throw new UsageError(`${flag} needs a whole number ≥ ${minimum} and ≤ ${maximum}, got ${text ?? 'nothing'}`);
  const value = Number(text);
  if (value < minimum || value > maximum) throw new UsageError(`${flag} must be at least ${minimum} and at most ${maximum}, got ${text}`);
  return value;
}

/**
 * The word after `flag`, which must be its value: not missing, and not another flag (`--out
 * --schedules` would otherwise write to a file named --schedules). A word that starts with
 * '-' and a digit is left to the flag's own check (`--schedules -3`: "needs a whole number"),
 * and a lone '-' is no value either: nothing here reads stdin or writes stdout.
 */
function flagValue(flag: string, value: string | undefined): string {
  if (value === undefined) throw new UsageError(`${flag} needs a value, and it is the last word`);
  if (value === '-' || (value.startsWith('-') && !/^-\.?\d/.test(value))) throw new UsageError(`${flag} needs a value, got the flag ${value}`);
  return value;
}

/** --budget's seconds: decimal digits, perhaps a fraction (not 0x10, ' 5' or 1e3), from MIN_BUDGET_S to MAX_BUDGET_S. */
function budgetSeconds(text: string): number {
  const seconds = Number(text);
  if (!/^\d+(\.\d+)?$/.test(text) || seconds < MIN_BUDGET_S || seconds > MAX_BUDGET_S) {
    throw new UsageError(`--budget needs seconds in decimal digits, at least ${MIN_BUDGET_S} and at most ${MAX_BUDGET_S}, got ${text}`);
  }
  return seconds;
}

export function parseHuntArgs(args: readonly string[]): HuntCommand {
  const values = new Map<string, string>();
  let help = false;
  for (let index = 0; index < args.length; index++) {
    const flag = args[index]!;
    if (flag === '-h' || flag === '--help') help = true;
    else if (['--seed', '--budget', '--schedules', '--workers', '-n', '--out', '--shard'].includes(flag)) {
      if (values.has(flag)) throw new UsageError(`${flag} is given twice`);
      values.set(flag, flagValue(flag, args[++index]));
    } else throw new UsageError(flag.startsWith('-') ? `unknown option ${flag}` : `unexpected argument ${flag}`);
  }
  const get = (flag: string) => values.get(flag);
  const budgetText = get('--budget');
  const budgetS = budgetText === undefined ? undefined : budgetSeconds(budgetText);
  const schedules = values.has('--schedules') ? whole('--schedules', get('--schedules'), 1, MAX_SCHEDULES) : undefined;
  const nText = get('-n');
  if (values.has('-n') && nText !== '4' && nText !== '7') throw new UsageError(`-n must be 4 or 7, got ${nText ?? 'nothing'}`);
  const seed = values.has('--seed') ? whole('--seed', get('--seed'), 0, Number.MAX_SAFE_INTEGER) : 1;
  const shard = values.has('--shard') ? parseShard('--shard', get('--shard')) : undefined;
  if (shard !== undefined && !values.has('--out')) throw new UsageError('--shard needs --out FILE: the shard\'s results go there, for pancydb merge');
  // A shard with no schedule below N would write a file that says nothing.
  if (shard !== undefined && schedules !== undefined && shard.count > schedules) throw new UsageError(`--shard ${shard.index}/${shard.count}: ${shard.count} shards need at least ${shard.count} schedules, and --schedules is ${schedules}`);
  const out = values.has('--out') ? get('--out') : `hunt-${seed}.json`;
  if (out === undefined || out === '') throw new UsageError('--out needs a file name');
  return {
    seed,
    budgetS: budgetS ?? (schedules === undefined ? DEFAULT_BUDGET_S : undefined),
    schedules,
    workers: values.has('--workers') ? whole('--workers', get('--workers'), 1, MAX_WORKERS) : undefined,
    n: nText === undefined ? undefined : (Number(nText) as 4 | 7),
    out,
    shard,
    help,
  };
}

export async function runHuntCommand(args: readonly string[], output: Output): Promise<number> {
  const command = parseHuntArgs(args);
  if (command.help) {
    output.out(HUNT_HELP);
    return 0;
  }
  return await runHunt(command, output);
}

/** The hunt `command` asks for; `extras` only from code (tests, benches): the command line cannot break the protocol. */
export async function runHunt(command: HuntCommand, output: Output, extras: HuntExtras = {}): Promise<number> {
  checkOutputFile('--out', command.out);
  const { shard } = command;
  const scenarioPath = shard === undefined ? command.out : foundScenarioPath(command.out);
  if (shard !== undefined) checkOutputFile('--out', scenarioPath);
  output.out(`${huntHeader(command)}${shard === undefined ? '' : `; ${shardHeader(shard, command.schedules)}`}`);
  const result = await hunt({
    seed: command.seed,
    schedules: command.schedules,
    shard,
    budgetMs: command.budgetS === undefined ? undefined : command.budgetS * 1000,
    workers: command.workers,
    n: command.n,
    onProgress: progressLine(output, command.budgetS),
    ...extras,
  });
  output.progress?.('');
  const written = result.finding === undefined ? undefined : await reportFinding(scenarioPath, command.seed, result.finding, output, brokenProtocolReplay(extras));
  if (shard !== undefined) return await finishHuntShard(command, shard, command.out, result, written, output);
  if (written !== undefined) return 1;
  output.out(nothingFoundLine(result.prefixRun, command.seed));
  output.out(`  searched in ${(result.searchMs / 1000).toFixed(1)} s (${(result.schedulesRun / Math.max(0.001, result.searchMs / 1000)).toFixed(1)}/s)`);
  return 0;
}

function progressLine(output: Output, budgetS: number | undefined): ((done: number, elapsedMs: number) => void) | undefined {
  const write = output.progress;
  if (write === undefined) return undefined;
  return (done, elapsedMs) => {
    const seconds = elapsedMs / 1000;
    write(`schedules ${done}, ${(done / Math.max(0.001, seconds)).toFixed(1)}/s, ${seconds.toFixed(0)} s${budgetS === undefined ? '' : ` of ${budgetS} s`}`);
  };
}

/** Prints the finding, writes its scenario to `path` and prints the replay once the written file was seen to fail again. */
async function reportFinding(path: string, huntSeed: number, finding: HuntFinding, output: Output, replayBroken: ReturnType<typeof brokenProtocolReplay>): Promise<WrittenFinding> {
  const { found, runSeed } = finding;
  const lines = findingLines(finding);
  for (const line of lines) output.out(line);
  // The shrunk file must fire as written; if it does not (it should), the drawn one is written instead.
  const candidates = finding.shrinkSteps.length > 0 ? [finding.scenario, finding.drawn] : [finding.drawn];
  let written = candidates[0]!;
  let checked = false;
  for (const scenario of candidates) {
    written = scenario;
    await writeFile(path, scenarioText(scenario));
    // A protocol broken on purpose (extras, from code) is not what pancydb sim runs: the schedule alone then checks it.
    checked = replayBroken === undefined ? await replayFires(path, runSeed, found.property) : await replayBroken(await readFile(path, 'utf8'), runSeed, found.property);
    if (checked) break;
  }
  for (const line of replayLines(path, found.property, runSeed, checked, huntSeed)) output.out(line);
  return { lines, scenario: written, checked, path };
}

/** Runs the written file through `pancydb sim`'s own loader and runner, as the printed command will (pancydb merge too, merge-hunt.ts). */
export async function replayFires(file: string, runSeed: number, property: string): Promise<boolean> {
  const sim = await loadSimCommand(['--scenario', file, '-S', String(runSeed), '-R', '1']);
  try {
    return runCommandSeed(sim, runSeed).report.violations.some((violation) => violation.property === property);
  } catch {
    return property === 'exception';
  }
}
