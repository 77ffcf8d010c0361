// `pancydb sim`: run seeds, print per-seed counts, finish with PASS or FAIL and the
// command that replays the first failing seed. With --scenario, a header names the
// scenario, and a scenario that expects a violation passes only if some seed finds one.
import type { Property } from '../check/violation.ts';
import type { SeedReport } from '../sim/run.ts';
import type { SimulationContext } from '../sim/cluster.ts';
import type { Scenario } from '../scenario/scenario.ts';
import { parseSimArgs, SIM_HELP, type SimCommand } from './sim-options.ts';
import { shrinkScenario, writeShrunk } from './shrink.ts';
import { prepareSimCommand, runCommandSeed, type LoadedSimCommand, type Output } from './sim-seed.ts';
import { defaultWorkers, runSweepInWorkers } from './sweep/pool.ts';
import { UsageError } from './usage-error.ts';

export type { Output } from './sim-seed.ts';

export async function runSimCommand(args: readonly string[], output: Output): Promise<number> {
  const parsed = parseSimArgs(args);
  if (parsed.help) {
    output.out(SIM_HELP);
    return 0;
  }
  const command = await prepareSimCommand(parsed);
  if (command.shrinkTo !== undefined && (command.scenarioPath === undefined || command.seeds !== 1)) {
    throw new UsageError('--shrink needs --scenario FILE and one seed (-S SEED -R 1)');
  }
  if (command.scenarioPath !== undefined && !command.json) output.out(scenarioHeader(command));
  const violating: number[] = [];
  let firstBroken: Property | undefined;
  const onReport = (report: SeedReport, context?: SimulationContext) => {
    if (command.json) output.out(JSON.stringify(report));
    else output.out(summaryLine(report));
    if (command.printDatabase && context !== undefined) printDatabases(context, output);
    if (report.violations.length > 0) {
      violating.push(report.seed);
      firstBroken ??= report.violations[0]!.property;
      if (!command.json) for (const violation of report.violations) output.out(`  VIOLATION ${violation.property}: ${violation.detail} (seed ${report.seed})`);
    }
  };
  const seeds = Array.from({ length: command.seeds }, (_, index) => command.firstSeed + index);
  const workers = command.workers ?? defaultWorkers(seeds.length);
  if (workers > 1 && seeds.length > 1 && !command.verbose && !command.printDatabase) {
    await runSweepInWorkers({ args, seeds, workers, onReport, onProgress: progressLine(output, violating) });
  } else {
    for (const seed of seeds) {
      const { report, context } = runCommandSeed(command, seed, output);
      onReport(report, context);
    }
  }
  const status = command.scenario.expect.kind === 'violation' ? expectedViolationVerdict(command, violating, output) : verdict(command, violating, output);
  if (command.shrinkTo !== undefined && firstBroken !== undefined) await shrink(command, firstBroken, command.shrinkTo, output);
  return status;
}

/** On a terminal, one line rewritten in place: seeds done, failures so far, rate. */
function progressLine(output: Output, violating: readonly number[]): ((done: number, total: number) => void) | undefined {
  if (output.progress === undefined) return undefined;
  const write = output.progress;
  const startedMs = performance.now();
  return (done, total) => {
    const rate = done / Math.max(0.001, (performance.now() - startedMs) / 1000);
    write(done === total ? '' : `seeds ${done}/${total}, ${violating.length} failing, ${rate.toFixed(1)} seeds/s`);
  };
}

/** --shrink: the one seed ran and broke `property`; look for a smaller scenario that still does. */
async function shrink(command: LoadedSimCommand, property: Property, path: string, output: Output): Promise<void> {
  const seed = command.firstSeed;
  output.out(`shrinking: seed ${seed} breaks ${property}; trying smaller scenarios with the same seed`);
  const result = await shrinkScenario(command, seed, property, output);
  await writeShrunk(path, result);
  output.out(`shrunk in ${result.steps.length} steps (${result.runs} runs): ${result.report.committed} ops, ${result.report.violations.length} violation(s); written to ${path}`);
  output.out(`replay: ${replayCommand({ ...command, scenarioPath: path }, seed)}`);
}

function verdict(command: LoadedSimCommand, violating: readonly number[], output: Output): number {
  const first = violating[0];
  if (first === undefined) {
    output.out(`PASS seeds=${command.seeds} failures=0`);
    return 0;
  }
  output.out(`FAIL seeds=${command.seeds} failures=${violating.length} first=${first}`);
  output.out(`replay: ${replayCommand(command, first)}`);
  return 1;
}

/** A negative test: the checkers must catch what the scenario's adversaries do. */
function expectedViolationVerdict(command: LoadedSimCommand, violating: readonly number[], output: Output): number {
  const first = violating[0];
  if (first !== undefined) {
    output.out(`PASS seeds=${command.seeds} violating=${violating.length} (expected violation found at seed ${first})`);
    return 0;
  }
  output.out(`FAIL seeds=${command.seeds} violating=0 (expected a violation, no seed produced one)`);
  output.out(`rerun: ${rerunCommand(command)}`);
  return 1;
}

/** The command that runs one seed again, traced. With a scenario, -R 1: its default is the file's `seeds`. */
export function replayCommand(command: SimCommand, seed: number): string {
  const flags = command.replayFlags.filter((flag) => flag !== '-V');
  const scenario = command.scenarioPath === undefined ? [] : ['--scenario', command.scenarioPath];
  const seeds = command.scenarioPath === undefined ? ['-S', String(seed)] : ['-S', String(seed), '-R', '1'];
  return ['npx pancydb sim', ...[...scenario, ...seeds, ...flags].map(shellWord), '-V'].join(' ');
}

/** The command that runs the same seeds again. */
export function rerunCommand(command: LoadedSimCommand): string {
  const scenario = command.scenarioPath === undefined ? [] : ['--scenario', command.scenarioPath];
  const words = [...scenario, '-S', String(command.firstSeed), '-R', String(command.seeds), ...command.replayFlags];
  return ['npx pancydb sim', ...words.map(shellWord)].join(' ');
}

/** A word as a POSIX shell reads it back: quoted only if it needs to be. */
function shellWord(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`;
}

export function scenarioHeader(command: LoadedSimCommand): string {
  const { scenario } = command;
  const faulty = [...scenario.faulty].map(([id, spec]) => `${id}=${spec.adversary}`).join(' ');
  const last = command.firstSeed + command.seeds - 1;
  return (
    `scenario ${scenario.name} (${command.scenarioPath}): n=${scenario.n} f=${scenario.f}; ` +
    `faulty: ${faulty === '' ? 'none' : faulty}; expect: ${describeExpectation(scenario)}; seeds ${command.firstSeed}..${last}`
  );
}

function describeExpectation(scenario: Scenario): string {
  const bound = (liveness: { readonly liveAfterMs: number; readonly completeWithinMs: number }) =>
    `requests from ${liveness.liveAfterMs / 1000} s complete within ${liveness.completeWithinMs / 1000} s`;
  switch (scenario.expect.kind) {
    case 'safe':
      return 'safety';
    case 'live':
      return `safety, and ${bound(scenario.expect)}`;
    case 'violation':
      return scenario.expect.liveness === undefined
        ? 'a violation in some seed'
        : `a violation in some seed (of safety, or of: ${bound(scenario.expect.liveness)})`;
  }
}

function summaryLine(report: SeedReport): string {
  const verdict = report.violations.length === 0 ? 'ok' : `${report.violations.length} violation(s)`;
  return (
    `seed ${report.seed}: ${report.lock} lock, ${report.write} write, ${report.clear} clear, ${report.unlock} unlock; ` +
    `${report.committed} ops committed (${report.opsPerSecond} per simulated s) in ${report.executedSeq} batches, latency p50 ${report.latencyMs.p50.toFixed(1)} ms ` +
    `p99 ${report.latencyMs.p99.toFixed(1)} ms; ${verdict}`
  );
}

function printDatabases(context: SimulationContext, output: Output): void {
  for (const replica of context.replicas) {
    const snapshot = replica.store.snapshot();
    output.out(`  replica ${replica.id} database (nextVersion=${snapshot.nextVersion}, ${snapshot.entries.length} keys, executed n=${replica.lastExecuted}):`);
    for (const [key, value, version] of snapshot.entries) output.out(`    ${key} = ${JSON.stringify(value)} @${version}`);
  }
}
