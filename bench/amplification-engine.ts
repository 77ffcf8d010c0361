// The amplification harness's engine: floods correct replicas with one row's frames
// (bench/amplification-rows.ts), spread evenly over a window of simulated time, and
// measures what the correct replicas did because of it: signatures, verifications,
// messages and bytes sent. Each flood runs on a freshly built cluster in the same
// realistic state (bench/amplification-cluster.ts), and the same window without any
// flood is subtracted, so heartbeats and other background work do not count.
//
// The bounds (OSDI'99 gives none; this is the issue's "no Byzantine message buys more
// than constant work"): whatever the number of frames, the correct replicas sign and
// send at most about one answer per peer per resend interval, and a duplicate costs at
// most its own signature check. `checkBounds` compares a flood of N frames with one of
// N/2 over the same window, so a cost that grows with the frames shows, whatever the
// constants.
import { decodeMessage } from '../src/core/encoding.ts';
import { buildRealisticCluster, FLOOD_PARAMETERS, TICK_MS, type FloodCluster } from './amplification-cluster.ts';
import { CORRECT, signaturesIn, type Row } from './amplification-rows.ts';

export interface Cost {
  signatures: number;
  verifications: number;
  /** Every message the correct replicas sent: to the attacker, to each other, to clients. */
  messages: number;
  bytes: number;
  /** Messages between correct replicas: work the attacker causes beyond answering itself. */
  collateralMessages: number;
  /** Messages to clients (replies). */
  clientMessages: number;
}

export interface Measurement {
  readonly row: Row;
  /** Frames injected, over all receivers. */
  readonly frames: number;
  readonly receivers: number;
  readonly windowMs: number;
  /** What the correct replicas did in the window beyond what they do without the flood. */
  readonly excess: Cost;
  /** Full verification of one frame: the verifications a new distinct frame may cost. */
  readonly signaturesPerFrame: number;
  readonly distinct: boolean;
}

function totals(cluster: FloodCluster): Cost {
  const total: Cost = { signatures: 0, verifications: 0, messages: 0, bytes: 0, collateralMessages: 0, clientMessages: 0 };
  for (const id of CORRECT) {
    const cost = cluster.cost(id);
    total.signatures += cost.signatures;
    total.verifications += cost.verifications;
    for (const traffic of [cost.toAttacker, cost.toCorrect, cost.toClients]) {
      total.messages += traffic.messages;
      total.bytes += traffic.bytes;
    }
    total.collateralMessages += cost.toCorrect.messages;
    total.clientMessages += cost.toClients.messages;
  }
  return total;
}

function minus(after: Cost, before: Cost): Cost {
  const out = { ...after };
  for (const key of Object.keys(out) as (keyof Cost)[]) out[key] = after[key] - before[key];
  return out;
}

/**
 * Runs `windowMs` of simulated time on a fresh cluster, injecting `perReceiver` frames of
 * the row into each receiver at evenly spaced times (ticks every TICK_MS in between).
 */
function runWindow(row: Row | undefined, perReceiver: number, windowMs: number): { cost: Cost; frames: number; receivers: number; signaturesPerFrame: number; distinct: boolean } {
  const cluster = buildRealisticCluster();
  const flood = row?.flood(cluster);
  const frames = flood === undefined ? [] : flood.frames(perReceiver);
  const receivers = flood?.to ?? [];
  const before = totals(cluster);
  const startMs = cluster.nowMs;
  let next = 0;
  for (let offsetMs = 0; offsetMs < windowMs; offsetMs++) {
    if (offsetMs % TICK_MS === 0) cluster.tickAll(startMs + offsetMs);
    else cluster.nowMs = startMs + offsetMs;
    for (; next < frames.length && Math.floor((next * windowMs) / frames.length) <= offsetMs; next++) {
      for (const to of receivers) cluster.inject(flood!.from, to, frames[next]!);
    }
  }
  cluster.tickAll(startMs + windowMs);
  const signaturesPerFrame = frames.length === 0 ? 0 : Math.max(...frames.slice(0, 4).map(signatureCount));
  return { cost: minus(totals(cluster), before), frames: frames.length * receivers.length, receivers: receivers.length, signaturesPerFrame, distinct: flood?.distinct ?? false };
}

function signatureCount(frame: Uint8Array): number {
  try {
    return signaturesIn(decodeMessage(frame).message);
  } catch {
    return 0;
  }
}

const baselines = new Map<number, Cost>();

/** What the correct replicas do in `windowMs` without any flood (computed once per window). */
export function baseline(windowMs: number): Cost {
  let cost = baselines.get(windowMs);
  if (cost === undefined) {
    cost = runWindow(undefined, 0, windowMs).cost;
    baselines.set(windowMs, cost);
  }
  return cost;
}

/** One row flooded with `perReceiver` frames into each of its receivers within `windowMs`. */
export function measure(row: Row, perReceiver: number, windowMs: number): Measurement {
  const run = runWindow(row, perReceiver, windowMs);
  return { row, frames: run.frames, receivers: run.receivers, windowMs, excess: minus(run.cost, baseline(windowMs)), signaturesPerFrame: run.signaturesPerFrame, distinct: run.distinct };
}

/** Answers a correct replica may give one peer per window: one per resend interval. */
export function answersPerPeer(windowMs: number): number {
  // onStatus answers a peer at most twice per status interval, the fastest any resend runs.
  const resendIntervalMs = FLOOD_PARAMETERS.statusIntervalMs / 2;
  return Math.ceil(windowMs / resendIntervalMs) + 1;
}

/** Work that one valid frame may legitimately start once: e.g. a new request's agreement round. */
export const ONE_ROUND_SIGNATURES = 20;
export const ONE_ROUND_COLLATERAL_MESSAGES = 40;

/**
 * Which bounds a row breaks, comparing `small` (N/2 frames) with `large` (N frames) over
 * the same window; empty if none:
 * - signatures: about one per receiver per resend interval (10% over), plus one round;
 * - signatures and messages must not grow with the frames (slack: 25%, at least 4, since a
 *   rate limit answers every k-th frame and k×spacing need not equal the interval);
 * - each extra duplicate frame costs at most 1 verification (its own signature), each extra
 *   distinct frame at most the signatures it carries;
 * - collateral: messages between correct replicas stay within one round, whatever the window.
 */
export function checkBounds(small: Measurement, large: Measurement): string[] {
  const failures: string[] = [];
  // "About" one: 10% over, for answers whose timing straddles an interval.
  const signatureBound = Math.ceil(1.1 * large.receivers * answersPerPeer(large.windowMs)) + ONE_ROUND_SIGNATURES;
  if (large.excess.signatures > signatureBound) failures.push(`signatures ${large.excess.signatures} > ${signatureBound}`);
  for (const key of ['signatures', 'messages'] as const) {
    const slack = Math.max(4, Math.ceil(0.25 * Math.abs(small.excess[key])));
    const growth = large.excess[key] - small.excess[key];
    if (growth > slack) failures.push(`${key} grow with frames: ${small.excess[key]} -> ${large.excess[key]}`);
  }
  const extraFrames = large.frames - small.frames;
  const perFrame = large.distinct ? large.signaturesPerFrame : 1;
  const verifyGrowth = large.excess.verifications - small.excess.verifications;
  if (verifyGrowth > extraFrames * perFrame + 4) failures.push(`verifications per extra frame ${(verifyGrowth / extraFrames).toFixed(2)} > ${perFrame}`);
  if (large.excess.collateralMessages > ONE_ROUND_COLLATERAL_MESSAGES) failures.push(`collateral messages ${large.excess.collateralMessages} > ${ONE_ROUND_COLLATERAL_MESSAGES}`);
  return failures;
}

