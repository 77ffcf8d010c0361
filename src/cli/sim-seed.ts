// From `pancydb sim` arguments to one seed's run. This is the only place that turns a
// parsed command (and its scenario file) into RunOptions, so the CLI loop and a sweep's
// worker threads build byte-identical runs from the same arguments:
//
//   const command = await loadSimCommand(args);   // parse, load the scenario, apply the flags
//   const { report } = runCommandSeed(command, seed);
//
// Without --scenario the flags describe a scenario of their own (commandScenario), with
// the defaults `pancydb sim` always had.
import type { ProtocolParameters } from '../core/config.ts';
import { quorumsFor } from '../core/quorum.ts';
import { loadScenario } from '../scenario/load.ts';
import { scenarioRunOptions } from '../scenario/run-options.ts';
import type { Scenario } from '../scenario/scenario.ts';
import { DEFAULT_NETWORK, type NetworkOptions } from '../sim/network.ts';
import { lockseqWorkloadOf, PROFILES } from '../sim/profiles.ts';
import { runSeed, type RunOptions, type SeedRun } from '../sim/run.ts';
import { parseOperationMix } from '../sim/workload/random.ts';
import type { WorkloadOptions } from '../sim/workloads.ts';
import { DEFAULT_MIX, DEFAULT_KEYS } from '../scenario/workload-fields.ts';
import { canonicalOptimizations } from '../sim/optimizations.ts';
import { checkFaultBudget, checkReplicaIds, parseSimArgs, type SimCommand, type SimFlags } from './sim-options.ts';
import { UsageError } from './usage-error.ts';

export interface Output {
  out(line: string): void;
  err(line: string): void;
  /** On a terminal: replaces the progress line ('' clears it). Absent when output is not a terminal. */
  progress?(line: string): void;
}

/** A command with its scenario loaded and the flags applied: ready to run any seed. */
export interface LoadedSimCommand extends SimCommand {
  /** The file's scenario with the flags applied, or the flags' own scenario. */
  readonly scenario: Scenario;
  /** How many seeds from firstSeed: -R, else the scenario file's `seeds`, else 1. */
  readonly seeds: number;
}

/** parseSimArgs, then prepareSimCommand. */
export async function loadSimCommand(args: readonly string[]): Promise<LoadedSimCommand> {
  return prepareSimCommand(parseSimArgs(args));
}

export async function prepareSimCommand(command: SimCommand): Promise<LoadedSimCommand> {
  if (command.scenarioPath === undefined) return { ...command, scenario: commandScenario(command.flags), seeds: command.seedCount ?? 1 };
  const fromFile = await loadScenario(command.scenarioPath);
  if (command.flags.amnesia) {
    // --amnesia takes the disk from the file's restarts too: those it changes count
    // against f like the flags' own (a file's "amnesia": true restarts are its choice).
    const madeAmnesiac = fromFile.network.crashes.filter((crash) => crash.restartAtMs !== undefined && crash.amnesia !== true);
    checkFaultBudget({ ...command.flags, crashes: [...command.flags.crashes, ...madeAmnesiac] }, fromFile.f, [...fromFile.faulty.keys()], fromFile.expect.kind === 'violation');
  }
  const scenario = scenarioWithFlags(fromFile, command.flags);
  return { ...command, scenario, seeds: command.seedCount ?? scenario.seeds };
}

/** One seed of the command. With `output` and -V, the trace goes to output.out. */
export function runCommandSeed(command: LoadedSimCommand, seed: number, output?: Output): SeedRun {
  return runSeed(commandRunOptions(command, seed, output));
}

/** What runCommandSeed runs, for a caller that runs it its own way (the picture's recorder, src/cli/picture-output.ts). */
export function commandRunOptions(command: LoadedSimCommand, seed: number, output?: Output): RunOptions {
  const trace = command.verbose && output !== undefined ? { trace: (line: string) => output.out(line) } : {};
  return scenarioRunOptions(command.scenario, seed, { cryptoBackend: command.crypto, ...trace });
}

/** The scenario `pancydb sim` flags describe without a file: no Byzantine replicas, safety only. */
export function commandScenario(flags: SimFlags): Scenario {
  const n = flags.n ?? 4;
  const profile = flags.profile ?? 'full';
  const durationS = flags.durationS ?? PROFILES[profile].durationS;
  const clients = flags.clients ?? PROFILES[profile].clients;
  const workload: WorkloadOptions =
    flags.workload === 'random'
      ? { kind: 'random', clients, keys: DEFAULT_KEYS, mix: flags.mix ?? parseOperationMix(DEFAULT_MIX) }
      : lockseqWorkloadOf(profile, clients);
  const durationMs = durationS * 1000;
  return {
    name: 'command line',
    description: '',
    path: undefined,
    n,
    f: quorumsFor(n).f,
    auth: flags.auth ?? 'signed',
    optimizations: flags.optimizations,
    network: withNetworkFlags(DEFAULT_NETWORK, flags),
    faulty: new Map(),
    workload,
    byzantineClients: undefined,
    workloadDurationMs: flags.workUntilS === undefined ? durationMs : flags.workUntilS * 1000,
    durationMs,
    parameters: parameterFlags(flags),
    seeds: 1,
    expect: { kind: 'safe' },
  };
}

/** A scenario file's scenario with the command's flags applied: values replace, fault lists add. */
export function scenarioWithFlags(scenario: Scenario, flags: SimFlags): Scenario {
  if (flags.n !== undefined && flags.n !== scenario.n) {
    throw new UsageError(`-n ${flags.n} does not match the scenario's f=${scenario.f} (n=3f+1=${scenario.n}); leave -n out, the file's f decides n`);
  }
  checkReplicaIds(flags, scenario.n);
  const durationMs = flags.durationS === undefined ? scenario.durationMs : flags.durationS * 1000;
  // A shorter --duration cuts the workload short too; --work-until says when exactly.
  const workloadDurationMs = flags.workUntilS === undefined ? Math.min(scenario.workloadDurationMs, durationMs) : flags.workUntilS * 1000;
  if (workloadDurationMs > durationMs) {
    throw new UsageError(`--work-until ${workloadDurationMs / 1000} is after the end of the run (${durationMs / 1000} s); give a longer --duration`);
  }
  return {
    ...scenario,
    auth: flags.auth ?? scenario.auth,
    // A switch can only turn one on: the file's stay on, so the file alone says what it tests.
    optimizations: canonicalOptimizations([...scenario.optimizations, ...flags.optimizations]),
    network: withNetworkFlags(scenario.network, flags),
    workload: withWorkloadFlags(scenario.workload, flags),
    durationMs,
    workloadDurationMs,
    parameters: { ...scenario.parameters, ...parameterFlags(flags) },
  };
}

/** The protocol parameters the command's flags set: --batch, --robust-primary. */
function parameterFlags(flags: SimFlags): Partial<Omit<ProtocolParameters, 'n'>> {
  return {
    ...(flags.maxBatch === undefined ? {} : { maxBatch: flags.maxBatch }),
    ...(flags.robustPrimaryPercent === undefined ? {} : { robustPrimaryPercent: flags.robustPrimaryPercent }),
  };
}

function withWorkloadFlags(workload: WorkloadOptions, flags: SimFlags): WorkloadOptions {
  if (flags.workload !== undefined && flags.workload !== workload.kind) {
    throw new UsageError(`--workload ${flags.workload} does not match the scenario's workload.kind ${workload.kind}`);
  }
  const clients = flags.clients ?? workload.clients;
  if (workload.kind === 'random') return { ...workload, clients, mix: flags.mix ?? workload.mix };
  if (flags.mix !== undefined) throw new UsageError('--mix applies to a random workload only, and the scenario runs lockseq');
  // --profile picks the lockseq sizes; the scenario keeps its own clients and durations.
  return flags.profile === undefined ? { ...workload, clients } : lockseqWorkloadOf(flags.profile, clients);
}

function withNetworkFlags(network: NetworkOptions, flags: SimFlags): NetworkOptions {
  return {
    ...network,
    loss: flags.loss ?? network.loss,
    jitterMs: flags.jitterMs ?? network.jitterMs,
    reorder: flags.reorder ?? network.reorder,
    duplicate: flags.duplicate ?? network.duplicate,
    crashes: [...network.crashes, ...flags.crashes].map((crash) => (flags.amnesia && crash.restartAtMs !== undefined ? { ...crash, amnesia: true } : crash)),
    silences: [...network.silences, ...flags.silences],
    partitions: [...network.partitions, ...flags.partitions],
  };
}
