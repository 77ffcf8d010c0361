// `pancydb sim` flags: parsed and checked here, every error naming the flag.
import { quorumsFor } from '../core/quorum.ts';
import { DEFAULT_NETWORK, type Crash, type NetworkOptions, type Partition, type Silence } from '../sim/network.ts';
import { isProfileName, lockseqWorkloadOf, PROFILES, type ProfileName } from '../sim/profiles.ts';
import { parseOperationMix } from '../sim/workload/random.ts';
import type { WorkloadOptions } from '../sim/workloads.ts';
import { UsageError } from './usage-error.ts';

export const SIM_HELP = `Usage: pancydb sim [options]

Runs PBFT-replicated Pancydb in the deterministic simulator, one run per seed, and
checks agreement, state digests, exactly-once, validity, reply integrity and the
lockseq invariant on every replica's final database.

  -S SEED            first seed (default 1)
  -R COUNT           number of seeds: SEED, SEED+1, ... (default 1)
  -n N               replicas, 3f+1 (default 4)
  -l LOSS            probability each message is lost, 0..1 (default 0)
  -V                 trace: one line per protocol event
  -p                 print each replica's final database
  --duration SECONDS simulated seconds (default: the profile's)
  --work-until SECONDS
                     clients start no new work after this (default: the duration), so the
                     rest of the run lets replicas settle
  --profile NAME     full (32 clients, 100 s, sequences up to 100, 100 lock groups) or
                     ci (8 clients, 8 s, sequences up to 10, 20 lock groups); default full
  --json             one JSON object per seed instead of text
  --clients N        number of clients (default: the profile's)
  --workload KIND    lockseq (default) or random
  --mix SPEC         random workload op weights, e.g. get=2,put=1,cas=1,remove=1
  --batch B          most requests per PRE-PREPARE (default 16)
  --jitter MS        extra uniform delay per message, 0..MS
  --reorder P        probability a message is delayed up to 20 ms more (reordering)
  --duplicate P      probability a message is delivered twice
  --crash R@SECONDS[-RESTART]
                     replica R crashes at that simulated time; with -RESTART it comes back
                     then with its state and memory lost, catches up by state transfer and
                     votes again only in a later view (repeatable)
  --silent R@FROM[-UNTIL]
                     replica R sends nothing from FROM seconds (until UNTIL), but still
                     hears everything: a silent primary forces a view change (repeatable)
  --partition FROM-UNTIL:GROUPS
                     cut links between replica groups in that window, e.g. 5-35:0,1,2/3
                     isolates replica 3 from 5 s to 35 s; clients keep all links (repeatable)
  --crypto NAME      native (default, node:crypto) or noble (pure JS)
  -h, --help         this text

Exit status: 0 all seeds passed, 1 a seed failed, 2 usage error.`;

export interface SimCommand {
  readonly firstSeed: number;
  readonly seeds: number;
  readonly n: number;
  readonly profile: ProfileName;
  readonly durationMs: number;
  readonly workloadDurationMs: number | undefined;
  readonly workload: WorkloadOptions;
  readonly network: NetworkOptions;
  readonly maxBatch: number | undefined;
  readonly crypto: 'native' | 'noble';
  readonly verbose: boolean;
  readonly printDatabase: boolean;
  readonly json: boolean;
  readonly help: boolean;
  /** The flags as given, minus -S/-R, to print a replay command. */
  readonly replayFlags: readonly string[];
}

function integer(flag: string, text: string | undefined, minimum: number): number {
  if (text === undefined || !/^\d+$/.test(text)) throw new UsageError(`${flag} needs a whole number, got ${text ?? 'nothing'}`);
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value < minimum) throw new UsageError(`${flag} must be at least ${minimum}, got ${text}`);
  return value;
}

function probability(flag: string, text: string | undefined): number {
  const value = Number(text);
  if (text === undefined || text.trim() === '' || !Number.isFinite(value) || value < 0 || value > 1) {
    throw new UsageError(`${flag} needs a probability between 0 and 1, got ${text ?? 'nothing'}`);
  }
  return value;
}

function nonNegative(flag: string, text: string | undefined): number {
  const value = Number(text);
  if (text === undefined || text.trim() === '' || !Number.isFinite(value) || value < 0) {
    throw new UsageError(`${flag} needs a non-negative number, got ${text ?? 'nothing'}`);
  }
  return value;
}

function parseSilence(text: string): Silence {
  const match = /^(\d+)@(\d+(?:\.\d+)?)(?:-(\d+(?:\.\d+)?))?$/.exec(text);
  if (match === null) throw new UsageError(`--silent needs REPLICA@FROM or REPLICA@FROM-UNTIL in seconds, such as 0@10, got ${text}`);
  const untilMs = match[3] === undefined ? Infinity : Number(match[3]) * 1000;
  return { replica: Number(match[1]), fromMs: Number(match[2]) * 1000, untilMs };
}

function parsePartition(text: string): Partition {
  const match = /^(\d+(?:\.\d+)?)-(\d+(?:\.\d+)?):([\d,/]+)$/.exec(text);
  const groups = match?.[3]?.split('/').map((group) => group.split(',').filter((id) => id !== '').map(Number));
  if (match === null || groups === undefined || groups.length < 2 || groups.some((group) => group.length === 0)) {
    throw new UsageError(`--partition needs FROM-UNTIL:GROUPS such as 5-35:0,1,2/3, got ${text}`);
  }
  return { fromMs: Number(match[1]) * 1000, untilMs: Number(match[2]) * 1000, groups };
}

function parseCrash(text: string | undefined): Crash {
  const match = /^(\d+)@(\d+(?:\.\d+)?)(?:-(\d+(?:\.\d+)?))?$/.exec(text ?? '');
  if (match === null) throw new UsageError(`--crash needs REPLICA@SECONDS or REPLICA@SECONDS-RESTART such as 2@10 or 2@10-20, got ${text ?? 'nothing'}`);
  const atMs = Number(match[2]) * 1000;
  if (match[3] === undefined) return { replica: Number(match[1]), atMs };
  const restartAtMs = Number(match[3]) * 1000;
  if (restartAtMs <= atMs) throw new UsageError(`--crash ${text}: the restart must come after the crash`);
  return { replica: Number(match[1]), atMs, restartAtMs };
}

export function parseSimArgs(args: readonly string[]): SimCommand {
  const flags = new Map<string, string>();
  const crashes: Crash[] = [];
  const silences: Silence[] = [];
  const partitions: Partition[] = [];
  const switches = new Set<string>();
  const replayFlags: string[] = [];
  const valued = new Set(['-S', '-R', '-n', '-l', '--duration', '--work-until', '--profile', '--clients', '--workload', '--mix', '--batch', '--jitter', '--reorder', '--duplicate', '--crash', '--silent', '--partition', '--crypto']);
  const boolean = new Set(['-V', '-p', '--json', '-h', '--help']);
  for (let index = 0; index < args.length; index++) {
    const arg = args[index]!;
    if (boolean.has(arg)) {
      switches.add(arg);
      if (arg !== '--json') replayFlags.push(arg);
      continue;
    }
    if (!valued.has(arg)) throw new UsageError(`unknown option ${arg} (see pancydb sim --help)`);
    const value = args[++index];
    if (value === undefined) throw new UsageError(`${arg} needs a value`);
    if (arg === '--crash') crashes.push(parseCrash(value));
    else if (arg === '--silent') silences.push(parseSilence(value));
    else if (arg === '--partition') partitions.push(parsePartition(value));
    else flags.set(arg, value);
    if (arg !== '-S' && arg !== '-R') replayFlags.push(arg, value);
  }
  const n = flags.has('-n') ? integer('-n', flags.get('-n'), 1) : 4;
  try {
    quorumsFor(n);
  } catch {
    throw new UsageError(`-n must be 3f+1 for some f >= 1 (4, 7, 10, ...), got ${n}`);
  }
  for (const crash of crashes) {
    if (crash.replica >= n) throw new UsageError(`--crash names replica ${crash.replica}, but replicas are 0..${n - 1}`);
  }
  for (const silence of silences) {
    if (silence.replica >= n) throw new UsageError(`--silent names replica ${silence.replica}, but replicas are 0..${n - 1}`);
  }
  for (const id of partitions.flatMap((partition) => partition.groups.flat())) {
    if (id >= n) throw new UsageError(`--partition names replica ${id}, but replicas are 0..${n - 1}`);
  }
  const profileName = flags.get('--profile') ?? 'full';
  if (!isProfileName(profileName)) throw new UsageError(`--profile must be full or ci, got ${profileName}`);
  const profile = PROFILES[profileName];
  const durationS = flags.has('--duration') ? nonNegative('--duration', flags.get('--duration')) : profile.durationS;
  if (durationS <= 0) throw new UsageError('--duration must be above 0');
  const clients = flags.has('--clients') ? integer('--clients', flags.get('--clients'), 1) : profile.clients;
  const crypto = flags.get('--crypto') ?? 'native';
  if (crypto !== 'native' && crypto !== 'noble') throw new UsageError(`--crypto must be native or noble, got ${crypto}`);
  return {
    firstSeed: flags.has('-S') ? integer('-S', flags.get('-S'), 0) : 1,
    seeds: flags.has('-R') ? integer('-R', flags.get('-R'), 1) : 1,
    n,
    profile: profileName,
    durationMs: durationS * 1000,
    workloadDurationMs: flags.has('--work-until') ? nonNegative('--work-until', flags.get('--work-until')) * 1000 : undefined,
    workload: parseWorkload(flags, profileName, clients),
    network: {
      ...DEFAULT_NETWORK,
      loss: flags.has('-l') ? probability('-l', flags.get('-l')) : 0,
      jitterMs: flags.has('--jitter') ? nonNegative('--jitter', flags.get('--jitter')) : 0,
      reorder: flags.has('--reorder') ? probability('--reorder', flags.get('--reorder')) : 0,
      duplicate: flags.has('--duplicate') ? probability('--duplicate', flags.get('--duplicate')) : 0,
      crashes,
      silences,
      partitions,
    },
    maxBatch: flags.has('--batch') ? integer('--batch', flags.get('--batch'), 1) : undefined,
    crypto,
    verbose: switches.has('-V'),
    printDatabase: switches.has('-p'),
    json: switches.has('--json'),
    help: switches.has('-h') || switches.has('--help'),
    replayFlags,
  };
}

function parseWorkload(flags: ReadonlyMap<string, string>, profile: ProfileName, clients: number): WorkloadOptions {
  const kind = flags.get('--workload') ?? 'lockseq';
  if (kind === 'lockseq') {
    if (flags.has('--mix')) throw new UsageError('--mix applies to --workload random only');
    return lockseqWorkloadOf(profile, clients);
  }
  if (kind !== 'random') throw new UsageError(`--workload must be lockseq or random, got ${kind}`);
  try {
    return { kind, clients, keys: 4, mix: parseOperationMix(flags.get('--mix') ?? 'get=2,put=1,cas=1,remove=1') };
  } catch (error) {
    throw new UsageError(`--mix: ${error instanceof Error ? error.message : String(error)}`);
  }
}
