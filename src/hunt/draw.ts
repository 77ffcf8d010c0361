// The schedule drawer of `pancydb hunt`: from a hunt seed and a schedule index, one
// scenario in the scenario-file format (adversaries/README.md), so a failing schedule is
// written out as is and `pancydb sim --scenario` replays it. Pure: the same (seed, index,
// n) gives the same object, byte for byte.
//
// What a schedule mixes, after Twins (Bano et al., OPODIS 2021) and ByzzFuzz (Winter et
// al., OOPSLA 2023): at most f faulty replicas, each running a built-in adversary with
// drawn options (`byzzfuzz` and `mutate` are ByzzFuzz's small-scope mutations in a few
// (view, seq, type) rounds, `twin` is Twins' twins, with partitions per time window);
// network faults in a few time windows ("rounds" of the
// run: partitions, slow links) over loss, duplication, reordering and jitter; crashes with
// restart from disk or without memory; sometimes Byzantine clients. Replicas that crash for
// good or come back without memory count against f with the faulty ones (README, "Scenario
// files"); a restart from disk does not.
//
// The mix leans towards what attacks need and chance rarely lines up: faulty replicas among
// the first views' primaries; the colluding primaries of views 0 and 1 (split-brain) with
// the partition their attack needs; for an optimization, one contended key, a lagging group
// and the adversary that lies on its path; a correct replica cut off for most of the run,
// so that it must fetch state (always where a faulty replica lies in the state it serves);
// where a replica lies in view changes, the view changes it needs, towards it as the new
// primary, with a correct backup lagging behind them (adversaries.ts, viewChangeWindows);
// crashes that last. None of it knows which flaw is hunted.
//
// About half the schedules end in a quiet tail (quiet-tail.ts): after the last fault
// window the network is partially synchronous and the schedule expects liveness, so a
// protocol that only stalls is found too. Some of those run on a network slower than the
// view-change timeout throughout, which is no fault in partial synchrony (OSDI'99 §4.5)
// but is where a timeout that does not double never lets a view change complete.
import { createRng, type Rng } from '../sim/rng.ts';
import { cutOff, drawAdversary, drawCollusion, hiddenPreparePartition, pick, tenths, viewChangeWindows, type DrawnFaulty, type PartitionJson } from './adversaries.ts';
import { withQuietTail } from './quiet-tail.ts';

export type ScenarioJson = Record<string, unknown>;

export interface DrawOptions {
  /** 4 or 7; drawn per schedule when absent. */
  readonly n?: 4 | 7;
}


/** The seed a schedule's run uses (`-S` of its replay): drawn with it, so it is part of the schedule. */
export function scheduleRunSeed(huntSeed: number, index: number): number {
  return createRng(`hunt/${huntSeed}/${index}/run-seed`).int(1, 1_000_000);
}

/**
 * Schedule `index` of hunt `huntSeed`.
 * @example drawSchedule(1, 0) // { name: 'hunt-1-0', f: 1, faulty: {...}, network: {...}, ... }
 */
export function drawSchedule(huntSeed: number, index: number, options: DrawOptions = {}): ScenarioJson {
  const rng = createRng(`hunt/${huntSeed}/${index}`);
  const n = options.n ?? (rng.chance(0.7) ? 4 : 7);
  const f = (n - 1) / 3;
  const workloadS = pick(rng, [2, 3, 4]);
  const durationS = workloadS + pick(rng, [2, 3, 4]);
  const optimizations = drawOptimizations(rng);
  const readOnly = optimizations.includes('read-only');
  // An optimization is attacked only by some interleavings (OSDI'99 §5.1): contention on one
  // key, correct replicas a state apart, and the adversary that lies on its path.
  const aimed = optimizations.length > 0 && rng.chance(AIMED_CHANCE);
  const workload = aimed ? contendedWorkload(rng, workloadS, readOnly) : drawWorkload(rng, workloadS, readOnly);
  const faultyIds = drawFaultyIds(rng, n, f);
  const collusion = faultyIds.includes(0) && rng.chance(faultyIds.includes(1) ? COLLUSION_CHANCE : ALONE_CHANCE) ? drawCollusion(rng.fork('collusion'), n, faultyIds, workloadS) : undefined;
  const faulty: Record<string, unknown> = collusion?.faulty ?? {};
  const context = { n, workloadS, clients: workload.clients as number, readOnly, tentative: optimizations.includes('tentative'), aimed };
  for (const id of collusion === undefined ? faultyIds : []) {
    const others = Array.from({ length: n }, (_, other) => other).filter((other) => other !== id);
    faulty[String(id)] = drawAdversary({ ...context, rng: rng.fork(`adversary/${id}`), id, others });
  }
  // An attack that needs its own timing (a script, a lagging group, the windows a liar's
  // lie needs) is drowned by other windows as often as not, so half the time it runs on a
  // network with jitter only.
  const quiet = (collusion !== undefined || aimed || hasTriggeredLiar(faulty)) && rng.chance(QUIET_ATTACK_CHANCE);
  const drawnNetwork = quiet ? { jitterMs: 2 } : drawNetwork(rng.fork('network'), n, f, faultyIds, workloadS);
  const network = withAttackWindows(rng.fork('attack-windows'), drawnNetwork, n, faultyIds, faulty, collusion?.partitions ?? [], aimed, workloadS);
  const scenario: ScenarioJson = {
    name: `hunt-${huntSeed}-${index}`,
    description: `pancydb hunt --seed ${huntSeed}: schedule ${index}`,
    f,
    ...(rng.chance(0.25) ? { auth: 'mac' } : {}),
    ...(optimizations.length > 0 ? { optimizations } : {}),
    network,
    faulty,
    workload,
    durationS,
    parameters: drawParameters(rng.fork('parameters')),
    seeds: 1,
  };
  // A stream of its own, so that the schedules without a tail are drawn as they always were.
  const tail = rng.fork('tail');
  return tail.chance(TAIL_CHANCE) ? withQuietTail(tail.chance(SLOW_THROUGHOUT_CHANCE) ? slowThroughout(tail, scenario) : scenario) : scenario;
}

/** Liars whose lie needs its own trigger (draw.ts adds its windows): STATE to a lagging replica, a view change. */
const TRIGGERED_LIARS = ['state-liar', 'view-change-liar'];
const hasTriggeredLiar = (faulty: Record<string, unknown>): boolean => Object.values(faulty).some((entry) => TRIGGERED_LIARS.includes((entry as DrawnFaulty).adversary));

/** Schedules with an optimization on that are aimed at it (contendedWorkload, a lagging group, its adversary). */
const AIMED_CHANCE = 0.5;
/** Schedules whose faulty replicas include primary(0) and primary(1) that run split-brain together. */
const COLLUSION_CHANCE = 0.7;
/** Schedules whose faulty replicas include primary(0) but not primary(1) that run split-brain's attack of one. */
const ALONE_CHANCE = 0.1;
/** Scripted or aimed attacks drawn on a network with no other fault windows. */
const QUIET_ATTACK_CHANCE = 0.5;
/** Faulty sets drawn among the primaries of the first views. */
const EARLY_PRIMARIES_CHANCE = 0.5;

/**
 * Up to f faulty replicas. Half the time they are the primaries of the first views, or
 * drawn among those of views 0..f (primary(v) = v mod n, §4.1): most attacks need a
 * faulty primary, and a run sees few view changes, so a faulty replica with a high id
 * rarely leads one.
 */
function drawFaultyIds(rng: Rng, n: number, f: number): number[] {
  const count = rng.chance(0.15) ? 0 : rng.int(1, f);
  if (!rng.chance(EARLY_PRIMARIES_CHANCE)) return drawIds(rng, n, count);
  const earlyPrimaries = Array.from({ length: f + 1 }, (_, view) => view);
  return rng.chance(0.5) ? earlyPrimaries.slice(0, count) : drawIds(rng, n, count, earlyPrimaries);
}

/**
 * Many clients on one key, reads among the writes (as read-only-lagging.json): the read or
 * tentative quorum is tested only when requests race on the key.
 */
function contendedWorkload(rng: Rng, durationS: number, readOnly: boolean): ScenarioJson {
  return { kind: 'random', clients: rng.int(4, 6), durationS, keys: 1, mix: readOnly ? pick(rng, ['get=3,put=2', 'get=1,put=1']) : 'get=1,put=2,cas=1' };
}

/**
 * The windows an attack needs beside the drawn ones: split-brain's partition; for a
 * schedule aimed at its optimizations, hidden-prepare's partition and a lagging group of
 * correct replicas (slow links into them, as stale-reads.json) for most of the workload.
 */
function withAttackWindows(rng: Rng, network: ScenarioJson, n: number, faultyIds: readonly number[], faulty: Record<string, unknown>, collusionPartitions: readonly PartitionJson[], aimed: boolean, workloadS: number): ScenarioJson {
  const correct = Array.from({ length: n }, (_, id) => id).filter((id) => !faultyIds.includes(id));
  const partitions: PartitionJson[] = [...collusionPartitions];
  const slowLinks: ScenarioJson[] = [];
  // state-liar lies only in STATE, which only a replica a log window behind asks for (§4.3).
  const servesState = Object.values(faulty).some((entry) => (entry as DrawnFaulty).adversary === 'state-liar');
  if (servesState && correct.length > 0) partitions.push(drawIsolation(rng, n, faultyIds, workloadS));
  // view-change-liar lies only in a view change, so it gets one (adversaries.ts).
  for (const [id, entry] of Object.entries(faulty) as [string, DrawnFaulty][]) {
    if (entry.adversary === 'view-change-liar') partitions.push(...viewChangeWindows(rng, n, Number(id), entry.options['lie'] as string, correct, workloadS));
  }
  if (aimed) {
    for (const entry of Object.values(faulty) as DrawnFaulty[]) {
      const partition = entry.adversary === 'hidden-prepare' ? hiddenPreparePartition(rng, entry.options, correct) : undefined;
      if (partition !== undefined) partitions.push(partition);
    }
    // Leave at least one correct replica fast, so that some correct replicas run a state ahead.
    const lagging = drawIds(rng, n, rng.int(1, correct.length - 1), correct);
    slowLinks.push({ fromS: 0.2, untilS: workloadS, to: lagging, delayMs: pick(rng, [20, 40, 80]) });
  }
  if (partitions.length === 0 && slowLinks.length === 0) return network;
  return {
    ...network,
    ...(partitions.length > 0 ? { partitions: [...((network['partitions'] ?? []) as PartitionJson[]), ...partitions] } : {}),
    ...(slowLinks.length > 0 ? { slowLinks: [...((network['slowLinks'] ?? []) as ScenarioJson[]), ...slowLinks] } : {}),
  };
}

/** Schedules that end in a quiet tail, and of those, the ones on a network slower than T throughout. */
const TAIL_CHANCE = 0.5;
const SLOW_THROUGHOUT_CHANCE = 0.2;
/** T of a slow-throughout schedule: the shortest drawn, so that the view changes it forces stay short. */
const SLOW_THROUGHOUT_TIMEOUT_MS = 300;

/**
 * Every replica-to-replica message 1.2 to 1.5 T late for the whole run (a slow link into each
 * replica; clients keep their links): a view change with the timeout T fails every time,
 * and only the doubling of §4.5.2 gets one through.
 */
function slowThroughout(rng: Rng, scenario: ScenarioJson): ScenarioJson {
  const n = 3 * (scenario['f'] as number) + 1;
  const delayMs = Math.round(SLOW_THROUGHOUT_TIMEOUT_MS * pick(rng, [1.2, 1.5]));
  const network = scenario['network'] as ScenarioJson;
  const windows = (network['slowLinks'] ?? []) as ScenarioJson[];
  const throughout = Array.from({ length: n }, (_, id) => ({ fromS: 0, untilS: scenario['durationS'], to: [id], delayMs }));
  return {
    ...scenario,
    network: { ...network, slowLinks: [...windows, ...throughout] },
    // Batches of up to 64, so that one view's O carries every waiting request (quiet-tail.ts).
    parameters: { ...(scenario['parameters'] as ScenarioJson), viewChangeTimeoutMs: SLOW_THROUGHOUT_TIMEOUT_MS, maxBatch: 64 },
  };
}

function drawOptimizations(rng: Rng): string[] {
  if (!rng.chance(0.3)) return [];
  return ['read-only', 'digest-replies', 'tentative'].filter(() => rng.chance(0.5));
}

function drawWorkload(rng: Rng, durationS: number, readOnly: boolean): ScenarioJson {
  const clients = rng.int(2, 4);
  // Gets take the read-only path only in the random workload (lockseq has none).
  const random = readOnly || rng.chance(0.4);
  const base: ScenarioJson = random ? { kind: 'random', clients, durationS, keys: rng.int(1, 4) } : { kind: 'lockseq', clients, durationS, profile: 'ci' };
  if (!rng.chance(0.2)) return base;
  const kinds = ['equivocate', 'huge-timestamp', 'replay', 'flood-valid', 'flood-invalid', 'split-authenticator', 'mac-only'].filter(() => rng.chance(0.4));
  return { ...base, byzantineClients: { count: rng.int(1, 2), kinds: kinds.length > 0 ? kinds : ['equivocate'], ratePerS: pick(rng, [5, 20, 50]) } };
}

/** Small K and short timeouts, so that checkpoints, garbage collection and view changes happen within a few seconds. */
function drawParameters(rng: Rng): ScenarioJson {
  const checkpointInterval = pick(rng, [4, 8, 16, 100]);
  return {
    checkpointInterval,
    logWindow: checkpointInterval * pick(rng, [2, 4]),
    viewChangeTimeoutMs: pick(rng, [300, 500, 1000]),
    maxBatch: pick(rng, [1, 4, 64]),
  };
}

/** `count` distinct replica ids, in id order. */
function drawIds(rng: Rng, n: number, count: number, from: readonly number[] = Array.from({ length: n }, (_, id) => id)): number[] {
  const pool = [...from];
  const chosen: number[] = [];
  while (chosen.length < count && pool.length > 0) chosen.push(pool.splice(rng.int(0, pool.length - 1), 1)[0]!);
  return chosen.sort((a, b) => a - b);
}

/** A window [fromS, untilS) inside the workload. */
function drawWindow(rng: Rng, workloadS: number): { fromS: number; untilS: number } {
  const fromS = tenths(rng.next() * workloadS);
  return { fromS, untilS: tenths(fromS + 0.2 + rng.next() * 1.8) };
}

function drawNetwork(rng: Rng, n: number, f: number, faultyIds: readonly number[], workloadS: number): ScenarioJson {
  const network: ScenarioJson = {};
  if (rng.chance(0.4)) network['loss'] = pick(rng, [0.01, 0.05, 0.1, 0.2]);
  if (rng.chance(0.4)) network['duplicate'] = pick(rng, [0.05, 0.2, 0.5]);
  if (rng.chance(0.4)) network['reorder'] = pick(rng, [0.1, 0.3, 0.6]);
  if (rng.chance(0.3)) network['jitterMs'] = pick(rng, [1, 5, 20]);
  const partitions: PartitionJson[] = Array.from({ length: rng.chance(0.5) ? rng.int(1, 3) : 0 }, () => {
    const side = drawIds(rng, n, rng.int(1, n - 1));
    const rest = Array.from({ length: n }, (_, id) => id).filter((id) => !side.includes(id));
    return { ...drawWindow(rng, workloadS), groups: [side, rest] };
  });
  if (rng.chance(ISOLATION_CHANCE)) partitions.push(drawIsolation(rng, n, faultyIds, workloadS));
  if (partitions.length > 0) network['partitions'] = partitions;
  if (rng.chance(0.2)) network['slowLinks'] = [{ ...drawWindow(rng, workloadS), to: drawIds(rng, n, rng.int(1, f + 1)), delayMs: pick(rng, [20, 40, 200]) }];
  const crashes = drawCrashes(rng, n, f, faultyIds, workloadS);
  if (crashes.length > 0) network['crashes'] = crashes;
  return network;
}

/** Schedules with a correct replica cut off long enough to fall a log window behind. */
const ISOLATION_CHANCE = 0.2;

/**
 * One correct replica cut off from all others for most of the workload: it falls more than
 * a log window L behind, and must fetch a checkpoint's state to catch up (§4.3), from
 * whoever answers, a faulty replica among them.
 */
function drawIsolation(rng: Rng, n: number, faultyIds: readonly number[], workloadS: number): PartitionJson {
  const correct = Array.from({ length: n }, (_, id) => id).filter((id) => !faultyIds.includes(id));
  const isolated = pick(rng, correct);
  const fromS = tenths(rng.next() * Math.min(1, workloadS / 4));
  return cutOff(n, isolated, fromS, tenths(fromS + workloadS * (0.6 + 0.3 * rng.next())));
}

/** Crashes whose replica stays down for up to the whole workload. */
const LONG_CRASH_CHANCE = 0.3;

/**
 * Crashes within the fault budget: a faulty replica may crash and restart (it always
 * comes back without memory, adversaries/README.md); a correct one may restart from its
 * disk; only f minus the faulty count may crash for good or lose their memory.
 */
function drawCrashes(rng: Rng, n: number, f: number, faultyIds: readonly number[], workloadS: number): ScenarioJson[] {
  if (!rng.chance(0.35)) return [];
  let budget = f - faultyIds.length;
  const crashes: ScenarioJson[] = [];
  for (const replica of drawIds(rng, n, rng.int(1, 2))) {
    const atS = tenths(rng.next() * workloadS);
    // Some crashes last long, so that a replica restarted from its disk or without memory
    // returns after view changes and checkpoints it missed (TOCS 2002 §4.3, §6.2).
    const restartAtS = tenths(atS + 0.3 + rng.next() * (rng.chance(LONG_CRASH_CHANCE) ? workloadS : 2));
    const faulty = faultyIds.includes(replica);
    const mayLose = !faulty && budget > 0;
    const kind = faulty ? 'restart' : pick(rng, mayLose ? ['restart', 'amnesia', 'stop'] : ['restart']);
    if (kind !== 'restart') budget--;
    if (kind === 'stop') crashes.push({ replica, atS });
    else crashes.push({ replica, atS, restartAtS, ...(kind === 'amnesia' ? { amnesia: true } : {}) });
  }
  return crashes;
}

/** Replicas the schedule makes faulty: its adversaries, and those that crash for good or come back without memory. */
export function faultyReplicasOf(scenario: ScenarioJson): number[] {
  const ids = new Set(Object.keys((scenario['faulty'] ?? {}) as object).map(Number));
  const crashes = (((scenario['network'] ?? {}) as ScenarioJson)['crashes'] ?? []) as { replica: number; restartAtS?: number; amnesia?: boolean }[];
  for (const crash of crashes) if (crash.restartAtS === undefined || crash.amnesia === true) ids.add(crash.replica);
  return [...ids].sort((a, b) => a - b);
}
