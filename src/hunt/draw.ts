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
// About half the schedules end in a quiet tail (quiet-tail.ts): after the last fault
// window the network is partially synchronous and the schedule expects liveness, so a
// protocol that only stalls is found too. Some of those run on a network slower than the
// view-change timeout throughout, which is no fault in partial synchrony (OSDI'99 §4.5)
// but is where a timeout that does not double never lets a view change complete.
import { createRng, type Rng } from '../sim/rng.ts';
import { drawAdversary } from './adversaries.ts';
import { withQuietTail } from './quiet-tail.ts';

export type ScenarioJson = Record<string, unknown>;

export interface DrawOptions {
  /** 4 or 7; drawn per schedule when absent. */
  readonly n?: 4 | 7;
}

const pick = <T>(rng: Rng, values: readonly T[]): T => values[rng.int(0, values.length - 1)]!;
const tenths = (value: number): number => Math.round(value * 10) / 10;

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
  const workload = drawWorkload(rng, workloadS, optimizations.includes('read-only'));
  const faultyIds = drawIds(rng, n, rng.chance(0.15) ? 0 : rng.int(1, f));
  const faulty: Record<string, unknown> = {};
  for (const id of faultyIds) {
    const others = Array.from({ length: n }, (_, other) => other).filter((other) => other !== id);
    faulty[String(id)] = drawAdversary({ rng: rng.fork(`adversary/${id}`), id, n, others, workloadS, clients: workload.clients as number, readOnly: optimizations.includes('read-only') });
  }
  const network = drawNetwork(rng.fork('network'), n, f, faultyIds, workloadS);
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
  const partitions = Array.from({ length: rng.chance(0.5) ? rng.int(1, 3) : 0 }, () => {
    const side = drawIds(rng, n, rng.int(1, n - 1));
    const rest = Array.from({ length: n }, (_, id) => id).filter((id) => !side.includes(id));
    return { ...drawWindow(rng, workloadS), groups: [side, rest] };
  });
  if (partitions.length > 0) network['partitions'] = partitions;
  if (rng.chance(0.2)) network['slowLinks'] = [{ ...drawWindow(rng, workloadS), to: drawIds(rng, n, rng.int(1, f + 1)), delayMs: pick(rng, [20, 40, 200]) }];
  const crashes = drawCrashes(rng, n, f, faultyIds, workloadS);
  if (crashes.length > 0) network['crashes'] = crashes;
  return network;
}

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
    const restartAtS = tenths(atS + 0.3 + rng.next() * 2);
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
