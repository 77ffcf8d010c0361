// The measure of `pancydb hunt` (issue 12, item 3): for each broken protocol variant of
// src/core/flaws.ts that is observable with at most f faulty replicas, how long the hunt
// takes to find it with no scenario written for it, over several independent hunt seeds;
// and the protocol as specified, hunted with the same per-seed budget, must stay clean.
//
//   npm run bench:hunt                                   every observable flaw, 3 seeds, 600 s each
//   npm run bench:hunt -- --flaws commit-on-2f,cas-as-put --seeds 1 --budget 60
//   npm run bench:hunt -- --resume                       skip rows already in the JSON file
//
// Each (flaw, seed) row is written to the JSON file as soon as it is measured, and the
// table is rewritten from it, so a long run interrupted keeps what it measured and
// `--resume` carries on. The schedule count to the first violation is deterministic
// (the pool reports the lowest failing index, src/hunt/pool.ts); the time is not, and
// depends on how busy the machine is, so the load average is recorded with each row.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { NOT_OBSERVABLE_FLAWS, PROTOCOL_FLAWS, type ProtocolFlaw } from '../src/core/flaws.ts';
import { hunt, type ScenarioJson } from '../src/hunt/index.ts';
import { UsageError } from '../src/cli/usage-error.ts';
import { runBenchScript } from './script.ts';

const USAGE = `usage: npm run bench:hunt -- [--flaws A,B|correct] [--seeds 1,2,3] [--budget SECONDS]
                          [--workers N] [--json FILE] [--md FILE] [--resume]
  --flaws    flaws to hunt (default: every flaw observable with at most f faulty
             replicas, then 'correct', the protocol as specified)
  --seeds    hunt seeds, each an independent hunt (default 1,2,3)
  --budget   search budget per (flaw, seed) in seconds (default 600)
  --workers  worker threads per hunt (default: one per core)
  --json     rows as measured (default bench/results/hunt.json)
  --md       the table (default bench/results/hunt.md)
  --resume   keep the rows already in --json and measure only the missing ones`;

const CORRECT = 'correct';

interface Options {
  readonly flaws: readonly string[];
  readonly seeds: readonly number[];
  readonly budgetS: number;
  readonly workers: number;
  readonly json: string;
  readonly md: string;
  readonly resume: boolean;
}

/** One hunt: a flaw (or the correct protocol) and a hunt seed. */
interface Row {
  readonly flaw: string;
  readonly seed: number;
  readonly budgetS: number;
  readonly found: boolean;
  /** Schedules run: up to and including the first failing one when found. */
  readonly schedules: number;
  readonly searchS: number;
  readonly index?: number;
  readonly runSeed?: number;
  readonly property?: string;
  /** Faults in the drawn and in the shrunk schedule (faultsOf), and the shrunk file's lines. */
  readonly drawnFaults?: number;
  readonly shrunkFaults?: number;
  readonly shrunkLines?: number;
  readonly shrinkS?: number;
  readonly commit: string;
  readonly load1: number;
}

function parse(args: string[]): Options {
  let flaws: readonly string[] = [...PROTOCOL_FLAWS.filter((flaw) => !NOT_OBSERVABLE_FLAWS.includes(flaw)), CORRECT];
  let seeds: readonly number[] = [1, 2, 3];
  let budgetS = 600;
  let workers = availableParallelism();
  let json = 'bench/results/hunt.json';
  let md = 'bench/results/hunt.md';
  let resume = false;
  for (let i = 0; i < args.length; i++) {
    const flag = args[i]!;
    if (flag === '--resume') {
      resume = true;
      continue;
    }
    const value = args[++i];
    if (value === undefined) throw new UsageError(`${flag} needs a value`);
    const whole = (min: number, max: number): number => {
      const number = Number(value);
      if (!/^\d+$/.test(value) || number < min || number > max) throw new UsageError(`${flag}: expected a whole number from ${min} to ${max}, got ${value}`);
      return number;
    };
    if (flag === '--flaws') {
      flaws = value.split(',');
      for (const flaw of flaws) if (flaw !== CORRECT && !PROTOCOL_FLAWS.includes(flaw as ProtocolFlaw)) throw new UsageError(`--flaws: unknown flaw ${flaw} (src/core/flaws.ts lists them)`);
    } else if (flag === '--seeds') {
      seeds = value.split(',').map((text) => {
        if (!/^\d+$/.test(text) || Number(text) < 1 || Number(text) > 1_000_000) throw new UsageError(`--seeds: expected whole numbers from 1 to 1000000, got ${text}`);
        return Number(text);
      });
    } else if (flag === '--budget') budgetS = whole(1, 86_400);
    else if (flag === '--workers') workers = whole(1, 64);
    else if (flag === '--json') json = value;
    else if (flag === '--md') md = value;
    else throw new UsageError(`unknown flag ${flag}`);
  }
  return { flaws, seeds, budgetS, workers, json, md, resume };
}

/** Faulty replicas, network fault windows and crashes, loss/duplication/reordering, Byzantine clients: what a reader of the file must understand. */
export function faultsOf(scenario: ScenarioJson): number {
  const network = (scenario['network'] ?? {}) as Record<string, unknown>;
  const listed = (key: string): number => ((network[key] ?? []) as unknown[]).length;
  const rates = ['loss', 'duplicate', 'reorder', 'jitterMs'].filter((key) => typeof network[key] === 'number' && network[key] !== 0).length;
  const workload = (scenario['workload'] ?? {}) as Record<string, unknown>;
  const byzantineClients = workload['byzantineClients'] === undefined ? 0 : 1;
  return Object.keys((scenario['faulty'] ?? {}) as object).length + listed('partitions') + listed('slowLinks') + listed('crashes') + rates + byzantineClients;
}

async function measure(flaw: string, seed: number, options: Options, commit: string): Promise<Row> {
  const flaws = flaw === CORRECT ? undefined : new Set([flaw as ProtocolFlaw]);
  const started = performance.now();
  let lastReport = started;
  const result = await hunt({
    seed,
    budgetMs: options.budgetS * 1000,
    workers: options.workers,
    flaws,
    onProgress: (done, elapsedMs) => {
      if (performance.now() - lastReport < 30_000) return;
      lastReport = performance.now();
      process.stderr.write(`  ${flaw} seed ${seed}: ${done} schedules, ${Math.round(elapsedMs / 1000)} s\n`);
    },
  });
  const base = { flaw, seed, budgetS: options.budgetS, schedules: result.schedulesRun, searchS: round(result.searchMs / 1000), commit, load1: round(loadavg()[0]!) };
  const finding = result.finding;
  if (finding === undefined) return { ...base, found: false };
  return {
    ...base,
    found: true,
    schedules: finding.index + 1,
    index: finding.index,
    runSeed: finding.runSeed,
    property: finding.found.property,
    drawnFaults: faultsOf(finding.drawn),
    shrunkFaults: faultsOf(finding.scenario),
    shrunkLines: JSON.stringify(finding.scenario, null, 2).split('\n').length,
    shrinkS: round((performance.now() - started - result.searchMs) / 1000),
  };
}

const round = (value: number): number => Math.round(value * 10) / 10;

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** The budgets the rows ran with (a resumed run may have added rows with another budget). */
function budgets(rows: readonly Row[]): string {
  const distinct = [...new Set(rows.map((row) => row.budgetS))].sort((a, b) => a - b);
  return distinct.length === 0 ? '?' : distinct.join(' or ');
}

/** A row's time, or its budget with a '>' when not found: the median of a seed that did not find it is a lower bound. */
function table(rows: readonly Row[], options: Options): string {
  const flaws = [...new Set(rows.map((row) => row.flaw))];
  const lines = [
    '# `pancydb hunt` against broken protocol variants',
    '',
    `Written by \`npm run bench:hunt\` (bench/hunt.ts). Per flaw, independent hunt seeds, each a search`,
    `of at most ${budgets(rows)} s (the row's budget) on ${options.workers} worker threads (${availableParallelism()} cores), every checker on, then the`,
    'finding shrunk. Schedules: up to and including the first failing one (deterministic for a hunt',
    'seed); time: the search, wall clock, shrinking not included (it depends on the load: see',
    'load1, the 1-minute load average when the row ended). Faults: faulty replicas, fault',
    'windows, crashes, network rates and Byzantine clients in the drawn → shrunk schedule.',
    '`correct`: the protocol as specified, which must find nothing.',
    '',
    '| flaw | found | median schedules | median time (s) | per seed: schedules / s / property / faults drawn→shrunk (lines) | load1 | commit |',
    '|---|---|---|---|---|---|---|',
  ];
  for (const flaw of flaws) {
    const of = rows.filter((row) => row.flaw === flaw).sort((a, b) => a.seed - b.seed);
    const found = of.filter((row) => row.found).length;
    const schedules = median(of.map((row) => (row.found ? row.schedules : Infinity)));
    const seconds = median(of.map((row) => (row.found ? row.searchS : Infinity)));
    const bound = (value: number, fallback: string): string => (Number.isFinite(value) ? String(value) : fallback);
    if (flaw === CORRECT) {
      const total = of.reduce((sum, row) => sum + row.schedules, 0);
      const totalS = round(of.reduce((sum, row) => sum + row.searchS, 0));
      lines.push(`| correct | ${found === 0 ? 'clean' : `${found} FALSE ALARMS`} | ${total} in all | ${totalS} in all | ${of.map((row) => `s${row.seed}: ${row.found ? `${row.property} at ${row.schedules}` : `none in ${row.schedules}`} / ${row.searchS}`).join('; ')} | ${of.map((row) => row.load1).join(', ')} | ${[...new Set(of.map((row) => row.commit))].join(', ')} |`);
      continue;
    }
    const perSeed = of
      .map((row) => (row.found ? `s${row.seed}: ${row.schedules} / ${row.searchS} / ${row.property} / ${row.drawnFaults}→${row.shrunkFaults} (${row.shrunkLines})` : `s${row.seed}: none in ${row.schedules} / ${row.searchS} (budget ${row.budgetS})`))
      .join('; ');
    lines.push(
      `| ${flaw} | ${found}/${of.length} | ${bound(schedules, `> ${Math.max(...of.map((row) => row.schedules))}`)} | ${bound(seconds, `> ${Math.min(...of.map((row) => row.budgetS))}`)} | ${perSeed} | ${of.map((row) => row.load1).join(', ')} | ${[...new Set(of.map((row) => row.commit))].join(', ')} |`,
    );
  }
  return `${lines.join('\n')}\n`;
}

async function main(options: Options): Promise<number> {
  const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
  const rows: Row[] = options.resume && existsSync(options.json) ? (JSON.parse(readFileSync(options.json, 'utf8')) as Row[]) : [];
  const write = (): void => {
    writeFileSync(options.json, `${JSON.stringify(rows, null, 1)}\n`);
    writeFileSync(options.md, table(rows, options));
  };
  for (const flaw of options.flaws) {
    for (const seed of options.seeds) {
      if (rows.some((row) => row.flaw === flaw && row.seed === seed)) continue;
      process.stderr.write(`${flaw} seed ${seed} …\n`);
      const row = await measure(flaw, seed, options, commit);
      rows.push(row);
      write();
      process.stderr.write(`${flaw} seed ${seed}: ${row.found ? `found ${row.property} at schedule ${row.schedules} in ${row.searchS} s` : `nothing in ${row.schedules} schedules, ${row.searchS} s`}\n`);
    }
  }
  write();
  const missed = rows.filter((row) => row.flaw !== CORRECT && !row.found).length;
  const falseAlarms = rows.filter((row) => row.flaw === CORRECT && row.found).length;
  process.stdout.write(table(rows, options));
  return missed === 0 && falseAlarms === 0 ? 0 : 1;
}

runBenchScript('bench:hunt', USAGE, parse, main);
