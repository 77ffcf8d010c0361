// `pancydb sim`: run seeds, print per-seed counts, finish with PASS or FAIL and the
// command that replays the first failing seed. With --scenario, a header names the
// scenario, and a scenario that expects a violation passes only if some seed finds one.
// With --json, stdout holds only the per-seed JSON lines; everything else goes to stderr.
import { ADVERSARY_FAULT_TAG, AdversaryFault } from '../adversary/host.ts';
import type { Property } from '../check/violation.ts';
import type { SeedReport, SeedRun } from '../sim/run.ts';
import type { SimulationContext } from '../sim/cluster.ts';
import type { Scenario } from '../scenario/scenario.ts';
import { describeOptimizations, type Optimization } from '../sim/optimizations.ts';
import { checkCrashWindows, checkFaultBudget, checkLastSeed, parseSimArgs, SIM_HELP, type SimCommand } from './sim-options.ts';
import { shrinkScenario, writeShrunk } from './shrink.ts';
import { checkEvidenceExport, writeEvidenceFile } from './evidence-export.ts';
import { summarizeEvidence } from '../sim/evidence-log.ts';
import { prepareSimCommand, runCommandSeed, type LoadedSimCommand, type Output } from './sim-seed.ts';
import { defaultWorkers, runSweepInWorkers } from './sweep/pool.ts';
import { UsageError } from './usage-error.ts';
import { checkOutputFile } from './output-file.ts';
import { checkShardFlags, openShard } from './sim-shard.ts';
import { checkPictureFiles, checkPictureSeeds, recordCommandSeed, wantsPicture, writePictureFiles, type PictureFiles } from './picture-output.ts';
import type { RunRecord } from '../picture/record.ts';

export type { Output } from './sim-seed.ts';

export async function runSimCommand(args: readonly string[], output: Output): Promise<number> {
  const parsed = parseSimArgs(args);
  if (parsed.help) {
    output.out(SIM_HELP);
    return 0;
  }
  if (parsed.shrinkTo !== undefined) checkOutputFile('--shrink', parsed.shrinkTo);
  if (parsed.evidenceTo !== undefined) checkOutputFile('--evidence', parsed.evidenceTo);
  const picture: PictureFiles = { html: parsed.htmlTo, record: parsed.recordTo };
  checkPictureFiles(picture, { '--evidence': parsed.evidenceTo, '--shrink': parsed.shrinkTo });
  checkShardFlags(parsed);
  const whole = await prepareSimCommand(parsed);
  checkLoadedCommand(whole);
  // --shard: this process runs one slice and writes it for pancydb merge (src/cli/sim-shard.ts).
  const sharded = whole.shard === undefined ? undefined : await openShard(whole, { header: whole.scenarioPath === undefined ? null : scenarioHeader(whole), rerun: rerunCommand(whole) });
  const command = sharded?.command ?? whole;
  checkPictureSeeds(picture, command.seeds);
  // With --json, stdout carries only the reports, one JSON object a line; the rest goes to stderr.
  const text: Output = command.json ? { ...output, out: output.err } : output;
  if (command.scenarioPath !== undefined) text.out(scenarioHeader(command));
  else if (command.verbose) text.out(commandHeader(command));
  const violating: number[] = [];
  let firstBroken: Property | undefined;
  let lastReport: SeedReport | undefined;
  let recorded: RunRecord | undefined;
  const onRecord = wantsPicture(picture) ? (record: RunRecord) => (recorded = record) : undefined;
  const onReport = (report: SeedReport, context?: SimulationContext) => {
    lastReport = report;
    const lines = [summaryLine(report, command), ...report.violations.map((violation) => violationLine(violation, report.seed))];
    if (command.json) output.out(JSON.stringify(report));
    else output.out(lines[0]!);
    if (command.printDatabase && context !== undefined) printDatabases(context, text);
    if (report.violations.length > 0) {
      violating.push(report.seed);
      firstBroken ??= report.violations[0]!.property;
      if (!command.json) for (const line of lines.slice(1)) output.out(line);
    }
    sharded?.add(report, lines, report.violations.length > 0 ? replayCommand(command, report.seed) : undefined);
  };
  const seeds = Array.from({ length: command.seeds }, (_, index) => command.firstSeed + index);
  const workers = command.workers ?? defaultWorkers(seeds.length);
  if (workers > 1 && seeds.length > 1 && !command.verbose && !command.printDatabase) {
    await runSweepInWorkers({ args, seeds, workers, onReport, onProgress: progressLine(output, violating) }).catch(adversaryFaultFromWorker(command));
  } else {
    for (const seed of seeds) {
      const { report, context } = runSeedReportingFaults(command, seed, text, onRecord);
      onReport(report, context);
    }
  }
  if (command.evidenceTo !== undefined && lastReport !== undefined) await writeEvidenceFile(command, lastReport, command.evidenceTo, text);
  if (recorded !== undefined) writePictureFiles(recorded, picture, text);
  if (sharded !== undefined) return await sharded.finish(violating, text);
  const sweep = { seeds: command.seeds, expectsViolation: command.scenario.expect.kind === 'violation', rerun: rerunCommand(command), replay: (seed: number) => replayCommand(command, seed) };
  const status = printVerdict(sweep, violating, text);
  if (command.shrinkTo !== undefined && firstBroken !== undefined) await shrink(command, firstBroken, command.shrinkTo, text);
  return status;
}

/** What only the loaded scenario can tell: --shrink's needs, the seed range, the fault budget. */
function checkLoadedCommand(command: LoadedSimCommand): void {
  if (command.shrinkTo !== undefined && (command.scenarioPath === undefined || command.seeds !== 1)) {
    throw new UsageError('--shrink needs --scenario FILE and one seed (-S SEED -R 1)');
  }
  checkEvidenceExport(command);
  checkLastSeed(command.firstSeed, command.seeds);
  checkCrashWindows(command.scenario.network.crashes);
  if (command.scenarioPath !== undefined) {
    checkFaultBudget(command.flags, command.scenario.f, [...command.scenario.faulty.keys()], command.scenario.expect.kind === 'violation');
  }
}

/**
 * One seed in this thread; a broken adversary is reported with the seed and the command that
 * replays it. With `onRecord` (--html, --record), the run is recorded for its picture.
 */
function runSeedReportingFaults(command: LoadedSimCommand, seed: number, output: Output, onRecord?: (record: RunRecord) => void): SeedRun {
  try {
    if (onRecord === undefined) return runCommandSeed(command, seed, output);
    const { run, record } = recordCommandSeed(command, seed, replayCommand(command, seed), output);
    onRecord(record);
    return run;
  } catch (error) {
    if (error instanceof AdversaryFault) throw new AdversaryFault(`seed ${seed}: ${error.message}; replay: ${replayCommand(command, seed)}`);
    throw error;
  }
}

/** A worker passes an error on as text, `seed N: ` and the error's stack; an AdversaryFault's stack is its tag and one line. */
function adversaryFaultFromWorker(command: LoadedSimCommand): (error: unknown) => never {
  return (error) => {
    const message = error instanceof Error ? error.message : String(error);
    const match = /^seed (\d+): /.exec(message);
    const tag = message.indexOf(ADVERSARY_FAULT_TAG);
    if (match === null || tag < 0) throw error;
    const fault = message.slice(tag + ADVERSARY_FAULT_TAG.length).split('\n')[0];
    throw new AdversaryFault(`seed ${match[1]}: ${fault}; replay: ${replayCommand(command, Number(match[1]))}`);
  };
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

/** What a sweep's verdict needs: sim takes it from its command, pancydb merge from the shard files. */
export interface SweepVerdict {
  readonly seeds: number;
  readonly expectsViolation: boolean;
  /** The command that runs the same seeds again. */
  readonly rerun: string;
  /** The command that replays one failing seed. */
  readonly replay: (seed: number) => string;
}

/** PASS or FAIL for the sweep, and the command that replays (or reruns) it; the exit status. */
export function printVerdict(sweep: SweepVerdict, violating: readonly number[], output: Output): number {
  return sweep.expectsViolation ? expectedViolationVerdict(sweep, violating, output) : verdict(sweep, violating, output);
}

function verdict(sweep: SweepVerdict, violating: readonly number[], output: Output): number {
  const first = violating[0];
  if (first === undefined) {
    output.out(`PASS seeds=${sweep.seeds} failures=0`);
    return 0;
  }
  output.out(`FAIL seeds=${sweep.seeds} failures=${violating.length} first=${first}`);
  output.out(`replay: ${sweep.replay(first)}`);
  return 1;
}

/** A negative test: the checkers must catch what the scenario's adversaries do. */
function expectedViolationVerdict(sweep: SweepVerdict, violating: readonly number[], output: Output): number {
  const first = violating[0];
  if (first !== undefined) {
    output.out(`PASS seeds=${sweep.seeds} violating=${violating.length} (expected violation found at seed ${first})`);
    return 0;
  }
  output.out(`FAIL seeds=${sweep.seeds} violating=0 (expected a violation, no seed produced one)`);
  output.out(`rerun: ${sweep.rerun}`);
  return 1;
}

/**
 * The command that runs one seed again, traced. With a scenario, -R 1: its default is the
 * file's `seeds`. A run in 'mac' mode says so even when only the file chose it, so the
 * line alone tells how the replay authenticates; so does a run with optimizations on.
 */
export function replayCommand(command: SimCommand & Partial<Pick<LoadedSimCommand, 'scenario'>>, seed: number): string {
  const flags = [...command.replayFlags.filter((flag) => flag !== '-V'), ...authFlag(command), ...optimizationFlags(command)];
  const scenario = command.scenarioPath === undefined ? [] : ['--scenario', command.scenarioPath];
  const seeds = command.scenarioPath === undefined ? ['-S', String(seed)] : ['-S', String(seed), '-R', '1'];
  return ['npx pancydb sim', ...[...scenario, ...seeds, ...flags].map(shellWord), '-V'].join(' ');
}

/** The command that runs the same seeds again. */
export function rerunCommand(command: LoadedSimCommand): string {
  const scenario = command.scenarioPath === undefined ? [] : ['--scenario', command.scenarioPath];
  const words = [...scenario, '-S', String(command.firstSeed), '-R', String(command.seeds), ...command.replayFlags, ...authFlag(command), ...optimizationFlags(command)];
  return ['npx pancydb sim', ...words.map(shellWord)].join(' ');
}

/** `--auth mac` when the run was in 'mac' mode and no --auth flag already says so ('signed' is the default). */
function authFlag(command: SimCommand & Partial<Pick<LoadedSimCommand, 'scenario'>>): string[] {
  return command.flags.auth === undefined && command.scenario?.auth === 'mac' ? ['--auth', 'mac'] : [];
}

/**
 * --read-only, --digest-replies, --tentative for each optimization the file turned on and no
 * switch already names: the switches only add to the file's, so the replay runs the same.
 */
function optimizationFlags(command: SimCommand & Partial<Pick<LoadedSimCommand, 'scenario'>>): string[] {
  const fromFile = command.scenario?.optimizations ?? [];
  return fromFile.filter((name) => !command.flags.optimizations.includes(name)).map((name) => `--${name}`);
}

/** ` optimizations=read-only,tentative` when some are on; nothing for a run without (the default). */
function optimizationsWord(optimizations: readonly Optimization[]): string {
  return optimizations.length === 0 ? '' : ` optimizations=${describeOptimizations(optimizations)}`;
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
    `scenario ${scenario.name} (${command.scenarioPath}): n=${scenario.n} f=${scenario.f} auth=${scenario.auth}${optimizationsWord(scenario.optimizations)}; ` +
    `faulty: ${faulty === '' ? 'none' : faulty}; expect: ${describeExpectation(scenario)}; seeds ${command.firstSeed}..${last}`
  );
}

/** What a traced run without a scenario file prints first: the shape of the run, the mode included. */
export function commandHeader(command: LoadedSimCommand): string {
  const { scenario } = command;
  const last = command.firstSeed + command.seeds - 1;
  return `sim: n=${scenario.n} f=${scenario.f} auth=${scenario.auth}${optimizationsWord(scenario.optimizations)}; seeds ${command.firstSeed}..${last}`;
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

function violationLine(violation: SeedReport['violations'][number], seed: number): string {
  return `  VIOLATION ${violation.property}: ${violation.detail} (seed ${seed})`;
}

function summaryLine(report: SeedReport, command: LoadedSimCommand): string {
  const verdict = report.violations.length === 0 ? 'ok' : `${report.violations.length} violation(s)`;
  // Clients had work and nothing committed: "ok" alone would read as a healthy run.
  const idle = report.committed === 0 && command.scenario.workloadDurationMs > 0 ? '; WARNING: clients had work but no operation committed' : '';
  return (
    `seed ${report.seed}: ${report.lock} lock, ${report.write} write, ${report.clear} clear, ${report.unlock} unlock; ` +
    `${report.committed} ops committed (${report.opsPerSecond} per simulated s) in ${report.executedSeq} batches, latency p50 ${report.latencyMs.p50.toFixed(1)} ms ` +
    `p99 ${report.latencyMs.p99.toFixed(1)} ms; auth=${report.auth}${optimizationsWord(report.optimizations)}${readsClause(report)}${evidenceClause(report)}; ${verdict}${idle}`
  );
}

/** Evidence of equivocation correct replicas kept (src/core/evidence.ts): '; evidence: 3 items against replica 0 (commit, pre-prepare)', or nothing. */
function evidenceClause(report: SeedReport): string {
  const summary = summarizeEvidence(report.evidence);
  return summary === '' ? '' : `; ${summary}`;
}

/** With read-only requests on: how many gets the read path answered, and how many it sent on to be ordered. */
function readsClause(report: SeedReport): string {
  if (!report.optimizations.includes('read-only')) return '';
  return `; reads ${report.reads.accepted} read-only, ${report.reads.fellBack} ordered after all`;
}

function printDatabases(context: SimulationContext, output: Output): void {
  for (const replica of context.replicas) {
    const snapshot = replica.store.snapshot();
    output.out(`  replica ${replica.id} database (nextVersion=${snapshot.nextVersion}, ${snapshot.entries.length} keys, executed n=${replica.lastExecuted}):`);
    for (const [key, value, version] of snapshot.entries) output.out(`    ${key} = ${JSON.stringify(value)} @${version}`);
  }
}
