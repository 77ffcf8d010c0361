// `pancydb hunt`: a seeded randomized search for a fault schedule, with at most f faulty
// replicas, that breaks a guarantee (src/hunt/). On the first violation it shrinks the
// schedule, writes it as an ordinary scenario file, runs that file exactly as
// `pancydb sim --scenario FILE -S s -R 1` would, and prints that command only once it has
// seen it fire the same property. Exit 0: nothing found within the budget; 1: a violation.
import { writeFile } from 'node:fs/promises';
import { hunt, type HuntFinding, type ScenarioJson } from '../hunt/index.ts';
import { MAX_WORKERS } from '../scenario/bounds.ts';
import { checkOutputFile } from './output-file.ts';
import { loadSimCommand, runCommandSeed, type Output } from './sim-seed.ts';
import { UsageError } from './usage-error.ts';

export const HUNT_HELP = `Usage: pancydb hunt [--seed S] [--budget SECONDS] [--schedules N] [--workers N]
                   [-n 4|7] [--out FILE]

Draws fault schedules from a seed and runs each in the simulator until a checker fires.
A schedule has n = 4 or 7 replicas, at most f of them faulty: built-in adversaries with
drawn options (byzzfuzz, mutate: ByzzFuzz-style mutations of any field in a few
(view, seq, type) rounds, re-signed; twin: Twins-style twins; equivocate, replay, view-change-liar, censor, forge-replies, ...),
partitions and slow links in a few time windows, loss, duplication, reordering, crashes
with restart from disk or without memory, sometimes Byzantine clients. Every checker of
pancydb sim runs but liveness (a drawn schedule promises no bound). The first failing
schedule is shrunk, written as a scenario file, and its replay command printed.

Options:
  --seed S          the hunt's seed (default 1): one seed, the same schedules
  --budget SECONDS  stop drawing after this much wall time (default 60, or none
                    with --schedules alone)
  --schedules N     stop after N schedules
  --workers N       worker threads (default: one per core)
  -n 4|7            only 4 or only 7 replicas (default: drawn per schedule)
  --out FILE        where the failing schedule goes (default hunt-<seed>.json)
  -h, --help        this text

Exit status: 0 nothing found, 1 a violation found (file written), 2 usage error.

Examples:
  npx pancydb hunt --budget 600             ten minutes on every core
  npx pancydb hunt --seed 7 --schedules 500 -n 7 --out found.json`;

export interface HuntCommand {
  readonly seed: number;
  readonly budgetS: number | undefined;
  readonly schedules: number | undefined;
  readonly workers: number | undefined;
  readonly n: 4 | 7 | undefined;
  readonly out: string;
  readonly help: boolean;
}

const DEFAULT_BUDGET_S = 60;
/** A day: a longer hunt is better run as several seeds. */
const MAX_BUDGET_S = 86_400;
const MAX_SCHEDULES = 100_000_000;

function whole(flag: string, text: string | undefined, minimum: number, maximum: number): number {
  if (text === undefined || !/^\d+$/.test(text) || !Number.isSafeInteger(Number(text))) throw new UsageError(`${flag} needs a whole number ≥ ${minimum} and ≤ ${maximum}, got ${text ?? 'nothing'}`);
  const value = Number(text);
  if (value < minimum || value > maximum) throw new UsageError(`${flag} must be at least ${minimum} and at most ${maximum}, got ${text}`);
  return value;
}

export function parseHuntArgs(args: readonly string[]): HuntCommand {
  const values = new Map<string, string | undefined>();
  let help = false;
  for (let index = 0; index < args.length; index++) {
    const flag = args[index]!;
    if (flag === '-h' || flag === '--help') help = true;
    else if (['--seed', '--budget', '--schedules', '--workers', '-n', '--out'].includes(flag)) {
      if (values.has(flag)) throw new UsageError(`${flag} is given twice`);
      values.set(flag, args[++index]);
    } else throw new UsageError(flag.startsWith('-') ? `unknown option ${flag}` : `unexpected argument ${flag}`);
  }
  const get = (flag: string) => values.get(flag);
  const budgetText = get('--budget');
  let budgetS: number | undefined;
  if (values.has('--budget')) {
    budgetS = Number(budgetText);
    if (budgetText === undefined || budgetText.trim() === '' || !Number.isFinite(budgetS) || budgetS <= 0 || budgetS > MAX_BUDGET_S) throw new UsageError(`--budget needs seconds > 0 and ≤ ${MAX_BUDGET_S}, got ${budgetText ?? 'nothing'}`);
  }
  const schedules = values.has('--schedules') ? whole('--schedules', get('--schedules'), 1, MAX_SCHEDULES) : undefined;
  const nText = get('-n');
  if (values.has('-n') && nText !== '4' && nText !== '7') throw new UsageError(`-n must be 4 or 7, got ${nText ?? 'nothing'}`);
  const seed = values.has('--seed') ? whole('--seed', get('--seed'), 0, Number.MAX_SAFE_INTEGER) : 1;
  const out = values.has('--out') ? get('--out') : `hunt-${seed}.json`;
  if (out === undefined || out === '') throw new UsageError('--out needs a file name');
  return {
    seed,
    budgetS: budgetS ?? (schedules === undefined ? DEFAULT_BUDGET_S : undefined),
    schedules,
    workers: values.has('--workers') ? whole('--workers', get('--workers'), 1, MAX_WORKERS) : undefined,
    n: nText === undefined ? undefined : (Number(nText) as 4 | 7),
    out,
    help,
  };
}

export async function runHuntCommand(args: readonly string[], output: Output): Promise<number> {
  const command = parseHuntArgs(args);
  if (command.help) {
    output.out(HUNT_HELP);
    return 0;
  }
  checkOutputFile('--out', command.out);
  const limits = [command.budgetS === undefined ? '' : `budget ${command.budgetS} s`, command.schedules === undefined ? '' : `${command.schedules} schedules`].filter((part) => part !== '');
  output.out(`pancydb hunt: seed ${command.seed}, n ${command.n ?? '4 or 7'}, ${limits.join(', ')}`);
  const result = await hunt({
    seed: command.seed,
    schedules: command.schedules,
    budgetMs: command.budgetS === undefined ? undefined : command.budgetS * 1000,
    workers: command.workers,
    n: command.n,
    onProgress: progressLine(output, command.budgetS),
  });
  output.progress?.('');
  const rate = (result.schedulesRun / Math.max(0.001, result.searchMs / 1000)).toFixed(1);
  if (result.finding === undefined) {
    output.out(`nothing found: ${result.schedulesRun} schedules in ${(result.searchMs / 1000).toFixed(1)} s (${rate}/s), seed ${command.seed}`);
    return 0;
  }
  await reportFinding(command, result.finding, output);
  return 1;
}

function progressLine(output: Output, budgetS: number | undefined): ((done: number, elapsedMs: number) => void) | undefined {
  const write = output.progress;
  if (write === undefined) return undefined;
  return (done, elapsedMs) => {
    const seconds = elapsedMs / 1000;
    write(`schedules ${done}, ${(done / Math.max(0.001, seconds)).toFixed(1)}/s, ${seconds.toFixed(0)} s${budgetS === undefined ? '' : ` of ${budgetS} s`}`);
  };
}

export async function reportFinding(command: HuntCommand, finding: HuntFinding, output: Output): Promise<void> {
  const { found, index, runSeed } = finding;
  output.out(`FOUND ${found.property} in schedule ${index} (run seed ${runSeed}): ${firstLine(found.detail)}`);
  output.out(`  schedule: ${describe(finding.drawn)}`);
  if (finding.shrinkSteps.length > 0) output.out(`  shrunk in ${finding.shrinkSteps.length} steps (${finding.shrinkSteps.join('; ')}) to: ${describe(finding.scenario)}`);
  // The shrunk file must fire as written; if it does not (it should), the drawn one is written instead.
  for (const scenario of finding.shrinkSteps.length > 0 ? [finding.scenario, finding.drawn] : [finding.drawn]) {
    await writeFile(command.out, `${JSON.stringify(scenario, null, 2)}\n`);
    if (await replayFires(command.out, runSeed, found.property)) {
      output.out(`wrote ${command.out}; replay (checked: it breaks ${found.property}):`);
      output.out(`  npx pancydb sim --scenario ${command.out} -S ${runSeed} -R 1`);
      return;
    }
  }
  output.out(`wrote ${command.out}, but its replay did not break ${found.property} again: please report this with the hunt's seed ${command.seed}`);
}

/** Runs the written file through `pancydb sim`'s own loader and runner, as the printed command will. */
async function replayFires(file: string, runSeed: number, property: string): Promise<boolean> {
  const sim = await loadSimCommand(['--scenario', file, '-S', String(runSeed), '-R', '1']);
  try {
    return runCommandSeed(sim, runSeed).report.violations.some((violation) => violation.property === property);
  } catch {
    return property === 'exception';
  }
}

function firstLine(text: string): string {
  return text.split('\n')[0]!.slice(0, 300);
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
