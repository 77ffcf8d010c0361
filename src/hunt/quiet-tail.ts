// The quiet tail of a hunt schedule: after the last fault window (partitions, windowed slow
// links, crashes and restarts) the network is partially synchronous, so PBFT must be live
// again, with its faulty replicas (at most f) still Byzantine (OSDI'99 §4.5; TOCS 2002
// §4.5.2). A tail schedule says so as a scenario file says it, `"expect": {"liveAfterS",
// "completeWithinS"}`, and the liveness checker (src/check/liveness.ts) holds the run to it.
//
// Everything here is a function of the rest of the schedule, so the shrinker (shrink.ts)
// derives the tail again after each step and a shrunk file keeps a bound that holds for it.
//
// Loss is a fault window too. With messages lost at random no delay is bounded, only
// likely (a reviewer drove one lossy tail to 0.915 of its bound over 737 run seeds), and
// partial synchrony bounds delivery only after GST (Dwork, Lynch and Stockmeyer 1988;
// OSDI'99 §4.5 assumes it for liveness). So a lossy schedule's loss ends
// (network.lossUntilS) where its drawn workload ended, or at its last fault window if
// later: what happened before is what the schedule drew, and the tail is lossless.
//
// The bound is a worst case: in the tail schedules among hunt seed 1's first 45, on the
// protocol as specified, the slowest request after GST took 1.6 s against bounds of 4 to
// 24 s, and 10 s against 70 to 140 s on slow-throughout networks. It counts, in hops h
// (one replica-to-replica message after GST: the link's send, transit and receive,
// jitter, reordering, slow links that last the whole run, and on a lossy network the
// longest resend period of a replica, viewChangeResendMs), what may still legitimately
// hold a correct client's request up after GST or after its call:
// - C, the request reaching every replica: a client retransmits to all of them at most
//   CLIENT_RETRANSMIT_MAX_MS apart (src/sim/cluster.ts), plus one client-to-replica delay.
// - (f + 3) · Tmax, view changes that fail, each over when its timer expires, and no
//   timer is longer than the cap Tmax (parameters.maxViewChangeTimeoutMs): the attempt in
//   progress at GST, whose timers doubled during the faults (a 2 s partition at T = 300 ms
//   doubles T three times); those whose timer is still too short, T, 2T, … below S,
//   together less than 2S < Tmax (see S below); up to f whose primary is faulty (primaries
//   rotate, so at most f in a row, §4.5.2); and one lost to message loss or to a backup
//   that had to catch up first.
// - V = VIEW_CHANGE_HOPS · h, the view change that succeeds and the request executing in
//   it: VIEW-CHANGE, NEW-VIEW, fetching a missing batch or state (2), PREPARE and COMMIT
//   of O, and the request ordered in the new view (PRE-PREPARE, PREPARE, COMMIT).
// A timer runs for one segment of that at a time (it restarts on NEW-VIEW and on each
// execution, view-change-timer.ts), the longest S = TIMED_SEGMENT_HOPS · h; the tail sets
// the cap Tmax itself, to the least T · 2^k (k ≥ 1) above 2S. An operator's cap must
// exceed what a view change takes at the network's delay, or no protocol could be live;
// and a cap of a few T keeps the bound to seconds where the default (16 s) would make it
// a simulated minute.
// On a network slower than the normal case allows (three message delays above T: slow
// links that last the whole run) every request waits for view changes: it times out T
// after it reaches the backups, and executes only as part of O in a later view. The timeout returns to T
// once a request executes in the new view (§4.5.2), so this repeats; a request may span
// SLOW_CYCLES such recoveries: the one under way at its call, the view it is prepared
// in, and the view whose O executes it. Slow-throughout schedules batch up to 64 requests
// (draw.ts), so one O carries every client's request.
import { DEFAULT_PARAMETERS } from '../core/config.ts';
import { DEFAULT_NETWORK } from '../sim/network.ts';

type Json = Record<string, unknown>;

/** Requests continue this long after GST, so that some are called in the quiet tail. */
export const TAIL_WORKLOAD_S = 1.5;
/** The client's longest retransmission interval (src/sim/cluster.ts, clientTimeoutMs.max). */
const CLIENT_RETRANSMIT_MAX_MS = 1200;
/** The hops of V and of S, listed in the header. */
const VIEW_CHANGE_HOPS = 9;
const TIMED_SEGMENT_HOPS = 4;
/** Recoveries one request may span on a network slower than the normal case allows (header). */
const SLOW_CYCLES = 3;

interface SlowLinkJson {
  readonly fromS: number;
  readonly untilS: number;
  readonly to: readonly number[];
  readonly delayMs: number;
}

export interface TailBound {
  readonly liveAfterS: number;
  readonly completeWithinS: number;
}

const ceilTenths = (value: number): number => Math.ceil(value * 10 - 1e-9) / 10;
const networkOf = (scenario: Json): Json => (scenario['network'] ?? {}) as Json;
const numberOr = (value: unknown, fallback: number): number => (typeof value === 'number' ? value : fallback);

/** Whether a slow link lasts the whole run: the network's delay, not a fault window. */
export function isThroughout(link: SlowLinkJson, durationS: number): boolean {
  return link.fromS === 0 && link.untilS >= durationS;
}

/** GST: when the last fault window ends (0 when there is none). A crash for good ends nothing, but is a change too: the tail starts after it. */
export function faultsEndS(scenario: Json): number {
  const network = networkOf(scenario);
  const durationS = numberOr(scenario['durationS'], Infinity);
  const ends = [
    ...((network['partitions'] ?? []) as { untilS: number }[]).map((partition) => partition.untilS),
    ...((network['slowLinks'] ?? []) as SlowLinkJson[]).filter((link) => !isThroughout(link, durationS)).map((link) => link.untilS),
    ...((network['crashes'] ?? []) as { atS: number; restartAtS?: number }[]).map((crash) => crash.restartAtS ?? crash.atS),
    isLossy(network) ? numberOr(network['lossUntilS'], 0) : 0,
  ];
  return ends.reduce((latest, end) => Math.max(latest, end), 0);
}

const isLossy = (network: Json): boolean => numberOr(network['loss'], 0) > 0;

/**
 * `network` with its loss ended (see the header): at lossUntilS if it has one already (so a
 * tail derived again, as the shrinker does, keeps it), else at the later of the drawn
 * workload's end and `faultsEndS`. A network without loss loses the field.
 */
function withLossEnded(scenario: Json): Json {
  const network = networkOf(scenario);
  if (!isLossy(network)) {
    const { lossUntilS: _, ...rest } = network;
    return rest;
  }
  if (typeof network['lossUntilS'] === 'number') return network;
  const workloadS = numberOr((scenario['workload'] as Json | undefined)?.['durationS'], 0);
  return { ...network, lossUntilS: Math.max(workloadS, faultsEndS(scenario)) };
}

/** One replica-to-replica hop after GST, in ms (see the header): a message lost just before GST waits one resend period. */
function hopMs(scenario: Json): number {
  const parameters = (scenario['parameters'] ?? {}) as Json;
  const resendMs = isLossy(networkOf(scenario)) ? numberOr(parameters['viewChangeResendMs'], DEFAULT_PARAMETERS.viewChangeResendMs) : 0;
  return delayMs(scenario) + resendMs;
}

/** The delay of a replica-to-replica message that is not lost. */
function delayMs(scenario: Json): number {
  const network = networkOf(scenario);
  const durationS = numberOr(scenario['durationS'], Infinity);
  const slowMs = Math.max(0, ...((network['slowLinks'] ?? []) as SlowLinkJson[]).filter((link) => isThroughout(link, durationS)).map((link) => link.delayMs));
  return clientHopMs(network) + slowMs;
}

/** A client-to-replica message: the link, jitter and reordering (slow links and partitions spare clients, src/sim/network.ts). */
function clientHopMs(network: Json): number {
  const { sendMs, linkMs, receiveMs, reorderMs } = DEFAULT_NETWORK;
  return sendMs + linkMs + receiveMs + numberOr(network['jitterMs'], 0) + (numberOr(network['reorder'], 0) > 0 ? reorderMs : 0);
}

/** The cap on the view-change timeout a tail schedule runs with: the least T · 2^k, k ≥ 1, above 2S. */
function tailMaxTimeoutMs(scenario: Json): number {
  let capMs = 2 * timeoutMsOf(scenario);
  while (capMs <= 2 * TIMED_SEGMENT_HOPS * hopMs(scenario)) capMs *= 2;
  return capMs;
}

function timeoutMsOf(scenario: Json): number {
  return numberOr(((scenario['parameters'] ?? {}) as Json)['viewChangeTimeoutMs'], DEFAULT_PARAMETERS.viewChangeTimeoutMs);
}

/** liveAfterS and completeWithinS for `scenario`, with the cap it has (see the header). */
export function tailBound(scenario: Json): TailBound {
  const parameters = (scenario['parameters'] ?? {}) as Json;
  const f = numberOr(scenario['f'], 1);
  const maxTimeoutMs = numberOr(parameters['maxViewChangeTimeoutMs'], DEFAULT_PARAMETERS.maxViewChangeTimeoutMs);
  const hop = hopMs(scenario);
  const recoveryMs = CLIENT_RETRANSMIT_MAX_MS + clientHopMs(networkOf(scenario)) + (f + 3) * maxTimeoutMs + VIEW_CHANGE_HOPS * hop;
  const cycles = 3 * delayMs(scenario) > timeoutMsOf(scenario) ? SLOW_CYCLES : 1;
  return { liveAfterS: faultsEndS(scenario), completeWithinS: ceilTenths((cycles * recoveryMs) / 1000) };
}

/**
 * `scenario` with its quiet tail derived: the cap Tmax, the expectation, a workload that runs
 * TAIL_WORKLOAD_S past GST, a run that lasts until the last request's deadline, and slow links
 * that last the whole run stretched to its new end.
 * @example withQuietTail(drawn)['expect'] // hunt seed 1, schedule 7: { liveAfterS: 3.1, completeWithinS: 3.7 }
 */
export function withQuietTail(drawn: Json): Json {
  const scenario = drawn['network'] === undefined ? drawn : { ...drawn, network: withLossEnded(drawn) };
  const parameters = { ...((scenario['parameters'] ?? {}) as Json), maxViewChangeTimeoutMs: tailMaxTimeoutMs(scenario) };
  const capped = { ...scenario, parameters };
  const { liveAfterS, completeWithinS } = tailBound(capped);
  const workload = scenario['workload'] as Json;
  const workloadS = Math.max(numberOr(workload['durationS'], 0), ceilTenths(liveAfterS + TAIL_WORKLOAD_S));
  const durationS = ceilTenths(workloadS + completeWithinS);
  const oldDurationS = numberOr(scenario['durationS'], Infinity);
  const network = networkOf(scenario);
  const slowLinks = network['slowLinks'] as SlowLinkJson[] | undefined;
  const stretched = slowLinks?.map((link) => (isThroughout(link, oldDurationS) ? { ...link, untilS: durationS } : link));
  return {
    ...capped,
    ...(stretched === undefined ? {} : { network: { ...network, slowLinks: stretched } }),
    workload: { ...workload, durationS: workloadS },
    durationS,
    expect: { liveAfterS, completeWithinS },
  };
}
