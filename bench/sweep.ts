// `npm run sweep`: every shipped scenario over many seeds (default 1000) on all cores, in
// each authentication mode (src/core/auth.ts), and a table for the writeup: scenario, mode,
// seeds, seeds with a violation, view changes, committed operations, simulated latency.
// Writes bench/results/sweep.md and sweep.json.
//
//   npm run sweep                       # 1000 seeds of every scenario, signed and mac
//   npm run sweep -- --seeds 200 split  # 200 seeds of the scenarios whose name contains "split"
//   npm run sweep -- --auth mac         # one mode only (signed or mac; default both)
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runSweepInWorkers } from '../src/cli/sweep/pool.ts';
import { AUTH_MODES, parseAuthMode, type AuthMode } from '../src/core/auth.ts';
import type { SeedReport } from '../src/sim/run.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const SCENARIOS = join(ROOT, 'adversaries', 'scenarios');
const RESULTS = join(ROOT, 'bench', 'results');

interface Row {
  readonly scenario: string;
  /** Every scenario runs in this mode, whatever its file says (`--auth`). */
  readonly auth: AuthMode;
  readonly seeds: number;
  readonly violatingSeeds: number;
  readonly firstViolation: string;
  readonly expectViolation: boolean;
  readonly viewChanges: { readonly mean: number; readonly max: number };
  readonly committed: { readonly mean: number; readonly min: number };
  readonly latencyMs: { readonly p50: number; readonly p99: number };
  readonly wallS: number;
}

function parseArgs(args: readonly string[]): { seeds: number; filter: string | undefined; modes: readonly AuthMode[] } {
  let seeds = 1000;
  let filter: string | undefined;
  let modes: readonly AuthMode[] = AUTH_MODES;
  for (let index = 0; index < args.length; index++) {
    if (args[index] === '--seeds') {
      seeds = Number(args[++index]);
      if (!Number.isSafeInteger(seeds) || seeds < 1) throw new Error(`--seeds needs a whole number >= 1, got ${args[index]}`);
    } else if (args[index] === '--auth') {
      const mode = args[++index];
      modes = mode === 'both' ? AUTH_MODES : [parseAuthMode(mode, '--auth')];
    } else filter = args[index];
  }
  return { seeds, filter, modes };
}

const median = (values: readonly number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length === 0 ? 0 : sorted[Math.floor(sorted.length / 2)]!;
};

async function sweepScenario(file: string, seeds: number, auth: AuthMode): Promise<Row> {
  const reports: SeedReport[] = [];
  const startedMs = performance.now();
  await runSweepInWorkers({
    args: ['--scenario', file, '--auth', auth],
    seeds: Array.from({ length: seeds }, (_, index) => index + 1),
    onReport: (report) => reports.push(report),
    onProgress: (done, total) => {
      if (process.stderr.isTTY) process.stderr.write(`\r${basename(file)} (${auth}): ${done}/${total} seeds`);
    },
  });
  if (process.stderr.isTTY) process.stderr.write('\r\x1b[K');
  // The workers validated the file; only its name and expectation are needed here.
  const json = JSON.parse(readFileSync(file, 'utf8')) as { name: string; expect?: { violation?: boolean } };
  const expectViolation = json.expect?.violation === true;
  const violating = reports.filter((report) => report.violations.length > 0);
  const first = violating[0];
  return {
    scenario: json.name,
    auth,
    seeds,
    violatingSeeds: violating.length,
    firstViolation: first === undefined ? '' : `seed ${first.seed}: ${first.violations[0]!.property}`,
    expectViolation,
    viewChanges: { mean: reports.reduce((sum, report) => sum + report.viewChanges, 0) / seeds, max: Math.max(...reports.map((report) => report.viewChanges)) },
    committed: { mean: reports.reduce((sum, report) => sum + report.committed, 0) / seeds, min: Math.min(...reports.map((report) => report.committed)) },
    latencyMs: { p50: median(reports.map((report) => report.latencyMs.p50)), p99: median(reports.map((report) => report.latencyMs.p99)) },
    wallS: (performance.now() - startedMs) / 1000,
  };
}

function table(rows: readonly Row[]): string {
  const lines = [
    '| scenario | mode | seeds | seeds with a violation | view changes (mean / max) | committed ops per seed (mean / min) | latency p50 / p99 (ms, median over seeds) | wall s |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const row of rows) {
    const violations = row.expectViolation ? `${row.violatingSeeds} (expected; first ${row.firstViolation})` : row.violatingSeeds === 0 ? '0' : `**${row.violatingSeeds}** (${row.firstViolation})`;
    lines.push(
      `| ${row.scenario} | ${row.auth} | ${row.seeds} | ${violations} | ${row.viewChanges.mean.toFixed(2)} / ${row.viewChanges.max} | ${row.committed.mean.toFixed(0)} / ${row.committed.min} | ${row.latencyMs.p50.toFixed(0)} / ${row.latencyMs.p99.toFixed(0)} | ${row.wallS.toFixed(0)} |`,
    );
  }
  return lines.join('\n');
}

const { seeds, filter, modes } = parseArgs(process.argv.slice(2));
const files = readdirSync(SCENARIOS).filter((file) => file.endsWith('.json') && (filter === undefined || file.includes(filter))).sort();
const rows: Row[] = [];
for (const file of files) {
  for (const auth of modes) {
    const row = await sweepScenario(join(SCENARIOS, file), seeds, auth);
    rows.push(row);
    console.log(`${row.scenario} (${auth}): ${row.seeds} seeds, ${row.violatingSeeds} with a violation${row.expectViolation ? ' (expected)' : ''}, ${row.wallS.toFixed(0)} s`);
  }
}
const machine = `${cpus().length} cores (${availableParallelism()} available), ${cpus()[0]?.model ?? 'unknown CPU'}, Node ${process.versions.node}`;
mkdirSync(RESULTS, { recursive: true });
const modeNote = `Mode: ${modes.join(' and ')} (\`--auth\`), the same for every scenario whatever its file says.`;
const given = process.argv.slice(2);
const regenerate = `npm run sweep${given.length === 0 ? '' : ` -- ${given.join(' ')}`}`;
const markdown = `# Scenario sweep\n\n${seeds} seeds per scenario (seeds 1..${seeds}), measured on ${machine}.\n${modeNote}\nRegenerate with \`${regenerate}\`.\n\n${table(rows)}\n`;
// A sweep of one mode or some scenarios writes beside the full table, not over it.
const suffix = [filter, modes.length === 1 ? modes[0] : undefined].filter((part) => part !== undefined).join('-');
writeFileSync(join(RESULTS, suffix === '' ? 'sweep.md' : `sweep-${suffix}.md`), markdown);
writeFileSync(join(RESULTS, suffix === '' ? 'sweep.json' : `sweep-${suffix}.json`), `${JSON.stringify({ machine, seeds, modes, rows }, null, 2)}\n`);
console.log(`\n${table(rows)}`);
const unexpected = rows.filter((row) => (row.violatingSeeds > 0) !== row.expectViolation);
process.exitCode = unexpected.length === 0 ? 0 : 1;
