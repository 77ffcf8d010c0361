// `pancydb sim` flags: parsed and checked here, every error naming the flag.
import { parseAuthMode, type AuthMode } from '../core/auth.ts';
import { CRYPTO_BACKENDS, FASTEST_BACKEND, type CryptoBackend } from '../crypto/index.ts';
import { quorumsFor } from '../core/quorum.ts';
import { MAX_CLIENTS, MAX_DURATION_S, MAX_JITTER_MS, MAX_N, MAX_PARAMETER, MAX_SEEDS, MAX_WORKERS } from '../scenario/bounds.ts';
import type { Crash, Partition, Silence } from '../sim/network.ts';
import { isProfileName, PROFILES, type ProfileName } from '../sim/profiles.ts';
import { parseOperationMix, type OperationMix } from '../sim/workload/random.ts';
import { OPTIMIZATIONS, type Optimization } from '../sim/optimizations.ts';
import { parseShard, type Shard } from './shard.ts';
import { UsageError } from './usage-error.ts';

export const SIM_HELP = `Usage: pancydb sim [--scenario FILE] [options]

Runs PBFT-replicated Pancydb in the deterministic simulator, one run per seed, and
checks agreement, state digests, exactly-once, validity, reply integrity and the
lockseq invariant on every replica's final database.

  --scenario FILE    run a scenario file: JSON naming f, network faults, Byzantine
                     replicas and their adversaries, the workload and what to expect
                     (safety, a liveness bound, or a violation some seed must find);
                     see README.md. Flags given with it override the file: -R (default
                     the file's seeds), --duration, --work-until, --clients, --profile
                     (lockseq sizes), --mix, --batch, --robust-primary, -l, --jitter, --reorder, --duplicate,
                     --auth; --crash, --silent and --partition add to its faults, and
                     --read-only, --digest-replies and --tentative to its "optimizations";
                     -n, if given, must equal the file's 3f+1
  -S SEED            first seed, 0..2^53-1 (Number.MAX_SAFE_INTEGER; default 1)
  -R COUNT           number of seeds: SEED, SEED+1, ... (default 1; at most 1000000)
  -n N               replicas, 3f+1 (default 4; at most 31, f=10)
  -l LOSS            probability each message is lost, 0 to below 1 (default 0)
  -V                 trace: one line per protocol event
  -p                 print each replica's final database
  --duration SECONDS simulated seconds (default: the profile's; at most 3600)
  --work-until SECONDS
                     clients start no new work after this (default: the duration), so the
                     rest of the run lets replicas settle
  --profile NAME     full (32 clients, 100 s, sequences up to 100, 100 lock groups) or
                     ci (8 clients, 8 s, sequences up to 10, 20 lock groups); default full
  --json             one JSON object per seed on stdout, one per line; the header,
                     PASS/FAIL line and replay command go to stderr
  --clients N        number of clients (default: the profile's; at most 10000)
  --workload KIND    lockseq (default) or random
  --mix SPEC         random workload op weights, e.g. get=2,put=1,cas=1,remove=1
  --batch B          most requests per PRE-PREPARE (default 64; at most 1000000)
  --robust-primary PERCENT
                     Aardvark's robust primary (src/core/primary-monitor.ts): backups vote
                     out a primary whose per-client throughput falls below PERCENT (1..100)
                     of recent views', or that starves a client; every run then changes view
                     once early, to measure a second primary. Sets the file's parameter too
  --jitter MS        extra uniform delay per message, 0..MS (MS at most 60000)
  --reorder P        probability a message is delayed up to 20 ms more (reordering)
  --duplicate P      probability a message is delivered twice
  --crash R@SECONDS[-RESTART]
                     replica R crashes at that simulated time (repeatable); with -RESTART
                     it comes back then from its simulated disk: what it synced survives,
                     unsynced records are lost and the last may be torn. A replica that
                     crashes for good, or restarts with --amnesia, counts against f with
                     --silent replicas and a scenario's faulty ones: more than f is an
                     error unless the scenario expects a violation. One that restarts with
                     its disk is correct: all n may crash and restart together. Times in
                     --crash, --silent, --partition: at most 3600
  --amnesia          every restart loses its disk too: the replica catches up by state
                     transfer and votes again only in a later view (core/restart-guard.ts)
  --silent R@FROM[-UNTIL]
                     replica R sends nothing from FROM seconds (until UNTIL), but still
                     hears everything: a silent primary forces a view change (repeatable)
  --partition FROM-UNTIL:GROUPS
                     cut links between replica groups in that window, e.g. 5-35:0,1,2/3
                     isolates replica 3 from 5 s to 35 s; clients keep all links (repeatable)
  --crypto NAME      sodium (libsodium; the default where it loads), native (node:crypto,
                     the default elsewhere) or noble (pure JS); all give the same trace
  --auth MODE        signed (default: every message signed) or mac (requests signed and
                     MACed, replies MACed, everything else signed; src/core/auth.ts).
                     Overrides a scenario file's "auth"; a failing seed's replay names it
  --read-only        read-only requests (OSDI'99 §5.1): a get goes to every replica and needs
                     2f+1 matching replies, and ordered requests then need 2f+1 too
                     (src/core/read-only.ts). The lockseq workload issues no gets: use
                     --workload random (or a scenario with gets) to exercise reads
  --digest-replies   digest replies (§5.1): one replica, (client + t) mod n, sends the result,
                     the others its SHA-256 (src/core/digest-replies.ts)
  --tentative        tentative execution (§5.1): replicas reply once a batch prepared, and a
                     result needs 2f+1 matching replies (src/core/tentative.ts)
                     Each of the three is set alike on every replica and client of the run,
                     Byzantine ones included; reports and replays name those on
  --workers N        worker threads for several seeds (default: one per core, at most 256; 1 runs
                     them in this thread); -V and -p always run in this thread
  --evidence FILE    with one seed (-S, -R 1): write the evidence of equivocation the
                     correct replicas kept (both signed frames per item, src/core/evidence.ts)
                     to FILE as JSON, for \`pancydb verify-evidence FILE --sim-seed SEED\`;
                     --json reports it per seed, and -V prints a line when a replica keeps one
  --html FILE        with one seed (-S, -R 1): write the run's picture to FILE, one
                     self-contained HTML page (no network needed): a space-time diagram of
                     every message, the views, what faulty replicas did, each client
                     operation from call to return, and the checkers' verdict
  --record FILE      with one seed: write the run record the picture draws (JSON, format
                     pancydb-run/v1, src/picture/record.ts) to FILE
  --shard I/K        run only shard I of K (0-based, 0 ≤ I < K, as a Kubernetes Indexed
                     Job's JOB_COMPLETION_INDEX) of the -S/-R sweep: seed offsets
                     floor(I·R/K) up to floor((I+1)·R/K); needs --out. The shard prints its
                     seeds' lines, writes its results and exits 0: the verdict is
                     \`pancydb merge\`'s, which prints what one machine would (docs/sharding.md)
  --out FILE         with --shard: the shard's results file (JSON, pancydb-shard/v1)
  --shrink FILE      with one failing seed (-S, -R 1): look for a smaller scenario that
                     still fails with that seed (fewer faulty replicas and network faults,
                     fewer clients, shorter run), write it to FILE and print its replay;
                     FILE's directory must exist and be writable
  -h, --help         this text

Exit status: 0 all seeds passed (for a scenario expecting a violation: some seed found
one), 1 a seed failed (or none found the expected violation), 2 usage error, including
any problem in a scenario file and an adversary whose create() or step() throws or
returns something that is not a list of outputs. With --shard: 0 once the results file is
written, whatever its seeds found (pancydb merge gives the sweep's verdict), 2 usage error.
70: an internal error (an unexpected exception: a bug in pancydb, never a verdict).

Scenario files have the same bounds: f ≤ 10, workload.clients ≤ 10000, times ≤ 3600 s,
seeds ≤ 1000000, workload.byzantineClients.count ≤ 1000 and ratePerS ≤ 10000,
workload.keys ≤ 100000, network.jitterMs ≤ 60000, network.loss below 1, parameters ≤ 1000000.`;

/**
 * The flags that shape a run, as given: undefined (or empty) when not given. Without
 * --scenario, defaults fill the gaps (sim-seed.ts, commandScenario); with it, they
 * override the file's fields and the lists add to the file's.
 */
export interface SimFlags {
  readonly n: number | undefined;
  readonly profile: ProfileName | undefined;
  readonly durationS: number | undefined;
  readonly workUntilS: number | undefined;
  readonly clients: number | undefined;
  readonly workload: 'lockseq' | 'random' | undefined;
  readonly mix: OperationMix | undefined;
  readonly maxBatch: number | undefined;
  readonly robustPrimaryPercent: number | undefined;
  readonly loss: number | undefined;
  readonly jitterMs: number | undefined;
  readonly reorder: number | undefined;
  readonly duplicate: number | undefined;
  readonly crashes: readonly Crash[];
  readonly silences: readonly Silence[];
  readonly partitions: readonly Partition[];
  /** --amnesia: every restart, from flags or the scenario, loses its disk. */
  readonly amnesia: boolean;
  /** --auth: how messages are authenticated (src/core/auth.ts); overrides a scenario's `auth`. */
  readonly auth: AuthMode | undefined;
  /** --read-only, --digest-replies, --tentative: added to a scenario's `optimizations` (src/sim/optimizations.ts). */
  readonly optimizations: readonly Optimization[];
}

export interface SimCommand {
  /** --scenario as given (relative to the working directory); undefined without it. */
  readonly scenarioPath: string | undefined;
  readonly firstSeed: number;
  /** -R as given; without it 1, or the scenario's `seeds`. */
  readonly seedCount: number | undefined;
  readonly flags: SimFlags;
  readonly crypto: CryptoBackend;
  readonly verbose: boolean;
  readonly printDatabase: boolean;
  readonly json: boolean;
  readonly help: boolean;
  /** --workers: threads for a sweep; undefined means one per core (1 runs seeds in this thread). */
  readonly workers: number | undefined;
  /** --shrink FILE: shrink the failing seed's scenario and write the smaller one to FILE. */
  readonly shrinkTo: string | undefined;
  /** --evidence FILE: write the seed's evidence of equivocation to FILE (src/cli/evidence-export.ts). */
  readonly evidenceTo: string | undefined;
  /** --html FILE: the run's picture, one HTML page (src/cli/picture-output.ts). */
  readonly htmlTo: string | undefined;
  /** --record FILE: the run record the picture draws, as JSON. */
  readonly recordTo: string | undefined;
  /** --shard I/K: run only that slice of the sweep (src/cli/shard.ts). */
  readonly shard: Shard | undefined;
  /** --out FILE: with --shard, where the shard's results go (src/cli/shard-file.ts). */
  readonly shardTo: string | undefined;
  /** The flags as given, minus -S, -R, --scenario and --json, to print a replay command. */
  readonly replayFlags: readonly string[];
}

const MAX_SAFE = Number.MAX_SAFE_INTEGER;
const DECIMAL = /^\d+(?:\.\d+)?$/;

/** "≤ 31", or for the largest integer a double holds exactly, its name too. */
function atMost(maximum: number): string {
  return maximum === MAX_SAFE ? `≤ ${maximum} (Number.MAX_SAFE_INTEGER)` : `≤ ${maximum}`;
}

function integer(flag: string, text: string | undefined, minimum: number, maximum: number): number {
  const value = Number(text);
  if (text === undefined || !/^\d+$/.test(text) || !Number.isSafeInteger(value)) {
    throw new UsageError(`${flag} needs a whole number ≥ ${minimum} and ${atMost(maximum)}, got ${text ?? 'nothing'}`);
  }
  if (value < minimum || value > maximum) throw new UsageError(`${flag} must be at least ${minimum} and at most ${maximum}, got ${text}`);
  return value;
}

/** A decimal number in [minimum, maximum] (above minimum when `aboveMinimum`); `unit` completes the message. */
function decimal(flag: string, text: string | undefined, minimum: number, maximum: number, unit: string, aboveMinimum = false): number {
  const value = Number(text);
  const inRange = (aboveMinimum ? value > minimum : value >= minimum) && value <= maximum;
  if (text === undefined || text.trim() === '' || !Number.isFinite(value) || !inRange) {
    throw new UsageError(`${flag} needs a number ${aboveMinimum ? '>' : '≥'} ${minimum} and ≤ ${maximum} (${unit}), got ${text ?? 'nothing'}`);
  }
  return value;
}

function probability(flag: string, text: string | undefined): number {
  const value = Number(text);
  if (text === undefined || text.trim() === '' || !Number.isFinite(value) || value < 0 || value > 1) {
    throw new UsageError(`${flag} needs a probability between 0 and 1, got ${text ?? 'nothing'}`);
  }
  return value;
}

/** -l: a network that loses everything delivers nothing, so no check has anything to look at. */
function lossProbability(flag: string, text: string | undefined): number {
  const value = probability(flag, text);
  if (value >= 1) throw new UsageError(`${flag} needs a probability ≥ 0 and below 1 (1 would lose every message, so nothing could commit), got ${text}`);
  return value;
}

/** Seconds in a --crash, --silent or --partition window, as ms. */
function windowTimeMs(flag: string, whole: string, text: string): number {
  const seconds = Number(text);
  if (!DECIMAL.test(text) || seconds > MAX_DURATION_S) throw new UsageError(`${flag} ${whole}: times must be seconds ≥ 0 and ≤ ${MAX_DURATION_S}, got ${text}`);
  return seconds * 1000;
}

function replicaNumber(flag: string, whole: string, text: string): number {
  const id = Number(text);
  if (!Number.isSafeInteger(id) || id >= MAX_N) throw new UsageError(`${flag} ${whole}: replica ids are 0..${MAX_N - 1} at most, got ${text}`);
  return id;
}

function parseSilence(text: string): Silence {
  const match = /^(\d+)@([\d.]+)(?:-([\d.]+))?$/.exec(text);
  if (match === null) throw new UsageError(`--silent needs REPLICA@FROM or REPLICA@FROM-UNTIL in seconds, such as 0@10, got ${text}`);
  const replica = replicaNumber('--silent', text, match[1]!);
  const fromMs = windowTimeMs('--silent', text, match[2]!);
  const untilMs = match[3] === undefined ? Infinity : windowTimeMs('--silent', text, match[3]);
  if (untilMs <= fromMs) throw new UsageError(`--silent ${text}: UNTIL must come after FROM (leave -UNTIL out to stay silent to the end)`);
  return { replica, fromMs, untilMs };
}

function parsePartition(text: string): Partition {
  const match = /^([\d.]+)-([\d.]+):([\d,/]+)$/.exec(text);
  const groups = match?.[3]?.split('/').map((group) => group.split(',').filter((id) => id !== '').map((id) => replicaNumber('--partition', text, id)));
  if (match === null || groups === undefined || groups.length < 2 || groups.some((group) => group.length === 0)) {
    throw new UsageError(`--partition needs FROM-UNTIL:GROUPS such as 5-35:0,1,2/3, got ${text}`);
  }
  const fromMs = windowTimeMs('--partition', text, match[1]!);
  const untilMs = windowTimeMs('--partition', text, match[2]!);
  if (untilMs <= fromMs) throw new UsageError(`--partition ${text}: UNTIL must come after FROM`);
  const seen = new Set<number>();
  for (const id of groups.flat()) {
    if (seen.has(id)) throw new UsageError(`--partition ${text}: replica ${id} is in more than one group`);
    seen.add(id);
  }
  return { fromMs, untilMs, groups };
}

function parseCrash(text: string | undefined): Crash {
  const match = /^(\d+)@([\d.]+)(?:-([\d.]+))?$/.exec(text ?? '');
  if (text === undefined || match === null) throw new UsageError(`--crash needs REPLICA@SECONDS or REPLICA@SECONDS-RESTART such as 2@10 or 2@10-20, got ${text ?? 'nothing'}`);
  const replica = replicaNumber('--crash', text, match[1]!);
  const atMs = windowTimeMs('--crash', text, match[2]!);
  if (match[3] === undefined) return { replica, atMs };
  const restartAtMs = windowTimeMs('--crash', text, match[3]);
  if (restartAtMs <= atMs) throw new UsageError(`--crash ${text}: the restart must come after the crash`);
  return { replica, atMs, restartAtMs };
}

const VALUED = new Set(['-S', '-R', '-n', '-l', '--duration', '--work-until', '--profile', '--clients', '--workload', '--mix', '--batch', '--robust-primary', '--jitter', '--reorder', '--duplicate', '--crash', '--silent', '--partition', '--crypto', '--auth', '--scenario', '--workers', '--shrink', '--evidence', '--html', '--record', '--shard', '--out']);
/** --read-only, --digest-replies, --tentative: each turns on the optimization of its name. */
const optimizationSwitch = (name: Optimization) => `--${name}`;
const SWITCHES = new Set(['-V', '-p', '--json', '-h', '--help', '--amnesia', ...OPTIMIZATIONS.map(optimizationSwitch)]);
/** Flags that change what a run does; the rest only change how it is shown. */
const NOT_REPLAYED = new Set(['-S', '-R', '--scenario', '--json', '--workers', '--shrink', '--evidence', '--html', '--record', '--shard', '--out']);

export function parseSimArgs(args: readonly string[]): SimCommand {
  const values = new Map<string, string>();
  const crashes: Crash[] = [];
  const silences: Silence[] = [];
  const partitions: Partition[] = [];
  const switches = new Set<string>();
  const replayFlags: string[] = [];
  for (let index = 0; index < args.length; index++) {
    const arg = args[index]!;
    if (SWITCHES.has(arg)) {
      switches.add(arg);
      if (!NOT_REPLAYED.has(arg)) replayFlags.push(arg);
      continue;
    }
    if (!VALUED.has(arg)) throw new UsageError(`unknown option ${arg} (see pancydb sim --help)`);
    const value = args[++index];
    if (value === undefined) throw new UsageError(`${arg} needs a value`);
    // `--shrink --json` would otherwise write to a file named --json.
    if (VALUED.has(value) || SWITCHES.has(value)) throw new UsageError(`${arg} needs a value, got the option ${value}`);
    if (arg === '--crash') crashes.push(parseCrash(value));
    else if (arg === '--silent') silences.push(parseSilence(value));
    else if (arg === '--partition') partitions.push(parsePartition(value));
    else if (values.has(arg)) throw new UsageError(`${arg} is given twice (${values.get(arg)} and ${value}); give it once`);
    else values.set(arg, value);
    if (!NOT_REPLAYED.has(arg)) replayFlags.push(arg, value);
  }
  const scenarioPath = values.get('--scenario');
  const amnesia = switches.has('--amnesia');
  if (amnesia && crashes.length === 0 && values.get('--scenario') === undefined) throw new UsageError('--amnesia needs a --crash with a restart (R@SECONDS-RESTART) to apply to');
  const optimizations = OPTIMIZATIONS.filter((name) => switches.has(optimizationSwitch(name)));
  const flags = parseFlags(values, { crashes, silences, partitions, amnesia, optimizations });
  if (scenarioPath === undefined) {
    const n = flags.n ?? 4;
    checkReplicaIds(flags, n);
    checkFaultBudget(flags, quorumsFor(n).f, [], false);
    if (flags.mix !== undefined && (flags.workload ?? 'lockseq') === 'lockseq') throw new UsageError('--mix applies to --workload random only');
    const durationS = flags.durationS ?? PROFILES[flags.profile ?? 'full'].durationS;
    if (flags.workUntilS !== undefined && flags.workUntilS > durationS) {
      throw new UsageError(`--work-until ${flags.workUntilS} is after the end of the run (${durationS} s); give a longer --duration`);
    }
  }
  const crypto = (values.get('--crypto') ?? FASTEST_BACKEND) as CryptoBackend;
  if (!CRYPTO_BACKENDS.includes(crypto)) throw new UsageError(`--crypto must be one of ${CRYPTO_BACKENDS.join(', ')}, got ${crypto}`);
  const firstSeed = values.has('-S') ? integer('-S', values.get('-S'), 0, MAX_SAFE) : 1;
  const seedCount = values.has('-R') ? integer('-R', values.get('-R'), 1, MAX_SEEDS) : undefined;
  return {
    scenarioPath,
    firstSeed,
    seedCount,
    flags,
    crypto,
    verbose: switches.has('-V'),
    printDatabase: switches.has('-p'),
    json: switches.has('--json'),
    help: switches.has('-h') || switches.has('--help'),
    workers: values.has('--workers') ? integer('--workers', values.get('--workers'), 1, MAX_WORKERS) : undefined,
    shrinkTo: values.get('--shrink'),
    evidenceTo: values.get('--evidence'),
    htmlTo: values.get('--html'),
    recordTo: values.get('--record'),
    shard: values.has('--shard') ? parseShard('--shard', values.get('--shard')) : undefined,
    shardTo: values.get('--out'),
    replayFlags,
  };
}

function parseFlags(values: ReadonlyMap<string, string>, lists: Pick<SimFlags, 'crashes' | 'silences' | 'partitions' | 'amnesia' | 'optimizations'>): SimFlags {
  const optional = <T>(flag: string, parse: (flag: string, text: string | undefined) => T): T | undefined => (values.has(flag) ? parse(flag, values.get(flag)) : undefined);
  const n = optional('-n', (flag, text) => integer(flag, text, 1, MAX_N));
  if (n !== undefined && (n < 4 || (n - 1) % 3 !== 0)) throw new UsageError(`-n must be 3f+1 for some f >= 1 (4, 7, 10, ... ${MAX_N}), got ${n}`);
  const profile = values.get('--profile');
  if (profile !== undefined && !isProfileName(profile)) throw new UsageError(`--profile must be full or ci, got ${profile}`);
  const durationS = optional('--duration', (flag, text) => decimal(flag, text, 0, MAX_DURATION_S, 'simulated seconds', true));
  const workload = values.get('--workload');
  if (workload !== undefined && workload !== 'lockseq' && workload !== 'random') throw new UsageError(`--workload must be lockseq or random, got ${workload}`);
  return {
    n,
    profile,
    durationS,
    workUntilS: optional('--work-until', (flag, text) => decimal(flag, text, 0, MAX_DURATION_S, 'simulated seconds')),
    clients: optional('--clients', (flag, text) => integer(flag, text, 1, MAX_CLIENTS)),
    workload,
    mix: optional('--mix', (flag, text) => {
      try {
        return parseOperationMix(text ?? '');
      } catch (error) {
        throw new UsageError(`${flag}: ${error instanceof Error ? error.message : String(error)}`);
      }
    }),
    maxBatch: optional('--batch', (flag, text) => integer(flag, text, 1, MAX_PARAMETER)),
    robustPrimaryPercent: optional('--robust-primary', (flag, text) => integer(flag, text, 1, 100)),
    loss: optional('-l', lossProbability),
    jitterMs: optional('--jitter', (flag, text) => decimal(flag, text, 0, MAX_JITTER_MS, 'ms')),
    reorder: optional('--reorder', probability),
    duplicate: optional('--duplicate', probability),
    auth: optional('--auth', authMode),
    ...lists,
  };
}

function authMode(flag: string, text: string | undefined): AuthMode {
  try {
    return parseAuthMode(text, flag);
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
}

/** --crash, --silent and --partition name replicas 0..n-1. */
export function checkReplicaIds(flags: Pick<SimFlags, 'crashes' | 'silences' | 'partitions'>, n: number): void {
  for (const crash of flags.crashes) {
    if (crash.replica >= n) throw new UsageError(`--crash names replica ${crash.replica}, but replicas are 0..${n - 1}`);
  }
  for (const silence of flags.silences) {
    if (silence.replica >= n) throw new UsageError(`--silent names replica ${silence.replica}, but replicas are 0..${n - 1}`);
  }
  for (const id of flags.partitions.flatMap((partition) => partition.groups.flat())) {
    if (id >= n) throw new UsageError(`--partition names replica ${id}, but replicas are 0..${n - 1}`);
  }
}

/**
 * A replica that is down cannot crash again: its crash windows (at, restart) must not
 * overlap or touch, whether they come from --crash flags, the scenario file, or both.
 */
export function checkCrashWindows(crashes: readonly Crash[]): void {
  const byReplica = new Map<number, Crash[]>();
  for (const crash of crashes) byReplica.set(crash.replica, [...(byReplica.get(crash.replica) ?? []), crash]);
  for (const [replica, windows] of byReplica) {
    const sorted = [...windows].sort((a, b) => a.atMs - b.atMs);
    for (let index = 1; index < sorted.length; index++) {
      const before = sorted[index - 1]!;
      const after = sorted[index]!;
      if (before.restartAtMs === undefined || after.atMs <= before.restartAtMs) {
        const until = before.restartAtMs === undefined ? 'for good' : `until ${before.restartAtMs / 1000} s`;
        throw new UsageError(`--crash: replica ${replica} crashes at ${after.atMs / 1000} s while it is down (from ${before.atMs / 1000} s ${until}); give each replica crash windows that do not overlap`);
      }
    }
  }
}

/** -S and -R together name seeds up to Number.MAX_SAFE_INTEGER, the last integer a seed can be exactly. */
export function checkLastSeed(firstSeed: number, seeds: number): void {
  // Subtracting first: firstSeed + seeds could round past MAX_SAFE and back.
  if (seeds - 1 > MAX_SAFE - firstSeed) throw new UsageError(`-S ${firstSeed} with ${seeds} seeds goes past ${MAX_SAFE} (Number.MAX_SAFE_INTEGER); give a smaller -S or -R`);
}

/**
 * PBFT promises nothing with more than f faulty replicas (OSDI'99 §2), so a run that has
 * more cannot pass or fail meaningfully: it is a usage error unless the scenario says it
 * expects a violation. Counted once per replica: the scenario file's `faulty` replicas,
 * every replica --silent names, and every one --crash names unless it restarts with its
 * disk. One that never restarts is gone; one that restarts without its disk has forgotten
 * what it signed and counts until it votes again (src/core/restart-guard.ts). One that
 * restarts from its disk is a correct replica that was slow (core/durability.ts).
 * Partitions make no replica faulty.
 */
export function checkFaultBudget(flags: Pick<SimFlags, 'crashes' | 'silences' | 'amnesia'>, f: number, fileFaulty: readonly number[], expectsViolation: boolean): void {
  if (expectsViolation) return;
  const lost = flags.crashes.filter((crash) => crash.restartAtMs === undefined || crash.amnesia === true || flags.amnesia);
  const byFlags = [...new Set([...lost, ...flags.silences].map((fault) => fault.replica))].filter((id) => !fileFaulty.includes(id));
  const all = [...fileFaulty, ...byFlags].sort((a, b) => a - b);
  if (all.length <= f || byFlags.length === 0) return;
  const fromFile = fileFaulty.length === 0 ? '' : ` with the scenario's faulty ${fileFaulty.join(', ')}`;
  throw new UsageError(
    `--crash${flags.amnesia ? ', --amnesia' : ''} and --silent make ${all.length} replicas faulty (${all.join(', ')}${fromFile}), but f=${f} tolerates at most ${f}; ` +
      'PBFT promises nothing beyond f (a scenario file with "expect": {"violation": true} may go beyond it)',
  );
}
