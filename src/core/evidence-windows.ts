// Which statements evidence.ts remembers, and the bytes that costs at most.
//
// What is remembered is bounded by windows, not by evicting the oldest. A slot is kept
// only while it lies in the windows of this replica's view c and stable checkpoint h, and
// a window has room for every slot a signer can have in it, so no slot is ever pushed out
// to make room for another: it goes only when c or h moves past it. Evicting the oldest
// let a culprit send filler to push its own statement out before the contradiction
// arrived (four far CHECKPOINTs, one VIEW-CHANGE for a later view, or a NEW-VIEW whose O
// held thousands of headers). Faulty replicas cannot move c or h at will: h moves on
// 2f+1 CHECKPOINTs (§4.3), c on this replica's timer, on f+1 VIEW-CHANGEs for higher
// views (one of them correct, §4.5.2) or on a valid NEW-VIEW; a faulty primary can end its
// own view early, one view in n, and the NEW-VIEW that ends a view carries in V the
// certificates of the view before, observed before the replica moves. Per signer:
// - votes: PRE-PREPARE (from primary(v) only), PREPARE (from a backup only) and COMMIT for
//   c-2 <= v <= c+1 and h <= n <= h+L: 2 kinds x 4 views x (L+1) slots. Direct votes are
//   for v = c and h < n <= H (§4.2); the certificates a view change carries are from
//   earlier views, c-1 or, after a failed view change, c-2 (§4.4); and O of a NEW-VIEW
//   for c+1 is observed while this replica is still in c.
// - CHECKPOINTs for n a multiple of K with h <= n <= h+L (§4.3: a correct replica
//   checkpoints every K requests, and never beyond its window): L/K+1 slots.
// - VIEW-CHANGEs for views c and c+1, one slot each: the view this replica is changing to
//   or is in, and the next one, which others may ask for first (§4.4). Keeping only the
//   lowest view could be gamed: a VIEW-CHANGE for c would displace the one for c+1.
// A culprit that contradicts itself only outside these windows goes uncaught here. That
// never matters for safety: evidence is for accountability, and PBFT's safety rests on
// quorum intersection (§4.2's Invariant, §4.3, §4.4), which holds with up to f
// equivocators whether anyone catches them or not. A VIEW-CHANGE larger than any a correct
// replica sends is ignored (see EvidenceLimits). evidenceByteBound() states the bound.
import { SIGNATURE_BYTES } from './encoding.ts';
import { protocolFrameBounds } from './limits.ts';
import { primaryOf } from './quorum.ts';
import type { ProtocolParameters } from './config.ts';
import type { EvidenceKind, Statement } from './evidence.ts';

/**
 * Votes (PRE-PREPARE, PREPARE, COMMIT) are kept for views c - VOTE_VIEWS_BEHIND ..
 * c + VOTE_VIEWS_AHEAD. Behind: the certificates a view change carries come from the
 * views before, and a view change that fails (a silent new primary, or a bad NEW-VIEW,
 * which moves this replica on two views at once) still carries those of c-2.
 */
export const VOTE_VIEWS_BEHIND = 2;
/** Ahead: O of a NEW-VIEW for c+1 is observed before this replica enters c+1. */
export const VOTE_VIEWS_AHEAD = 1;
/** VIEW-CHANGEs are kept for views c .. c + VIEW_CHANGE_VIEWS - 1, one slot each. */
export const VIEW_CHANGE_VIEWS = 2;
/** A PREPARE, COMMIT or PRE-PREPARE header at its widest: tag, v, n and replica in 8-byte LEB128, digest, signature (limits.ts). */
const VOTE_FRAME_BYTES = 1 + 3 * 8 + 32 + SIGNATURE_BYTES;
/** A CHECKPOINT at its widest: tag, n, replica, digest, signature. */
const CHECKPOINT_FRAME_BYTES = 1 + 2 * 8 + 32 + SIGNATURE_BYTES;
/** What a slot costs beyond its frame: the key, the record and the map entry (an estimate of V8's objects). */
export const SLOT_OVERHEAD_BYTES = 160;

export interface EvidenceLimits {
  /** Replicas, for primary(v) = v mod n. */
  readonly n: number;
  /** L: the log window, h < n <= h + L (§4.3). */
  readonly logWindow: number;
  /** K: a correct replica checkpoints at multiples of K only. */
  readonly checkpointInterval: number;
  /** Slots per signer each window can hold, at most (see the header): never exceeded. */
  readonly votesPerSigner: number;
  readonly checkpointsPerSigner: number;
  readonly viewChangesPerSigner: number;
  /**
   * The largest VIEW-CHANGE frame a correct replica sends (limits.ts). A larger one is
   * neither kept nor used as a contradiction: the gateway hands on, as verified, a
   * VIEW-CHANGE dropped for its contents (bad-view-change) and those a RECOVERY-REPLY
   * carries unchecked, so a Byzantine signer could pad one up to the replica frame cap
   * (8 MiB) and break evidenceByteBound.
   */
  readonly viewChangeFrameBytes: number;
}

export function evidenceLimits(parameters: Pick<ProtocolParameters, 'n' | 'logWindow' | 'checkpointInterval' | 'maxBatch'>): EvidenceLimits {
  const { n, logWindow, checkpointInterval } = parameters;
  return {
    n,
    logWindow,
    checkpointInterval,
    // Two kinds per (signer, v): a primary's PRE-PREPARE and COMMIT, or a backup's PREPARE and COMMIT.
    votesPerSigner: 2 * (VOTE_VIEWS_BEHIND + 1 + VOTE_VIEWS_AHEAD) * (logWindow + 1),
    // Multiples of K among the L+1 numbers h..h+L.
    checkpointsPerSigner: Math.floor(logWindow / checkpointInterval) + 1,
    viewChangesPerSigner: VIEW_CHANGE_VIEWS,
    viewChangeFrameBytes: protocolFrameBounds(parameters)['view-change']!,
  };
}

/**
 * The most bytes an EquivocationDetector holds: n-1 signers, each with its slots full of
 * the largest statements a correct replica sends (limits.ts), plus one item per kind of two
 * such frames. With the defaults (L=200, K=100, B=64) about 2.9 MiB at n=4 and 7.7 MiB at
 * n=7: per signer, 1,608 vote slots (0.50 MB), and two VIEW-CHANGE slots and an item of
 * two VIEW-CHANGEs, each carrying L full certificates (0.52 MB at n=4). A fault-free run
 * at n=4 holds about 120 KB (each signer's votes since the last stable checkpoint).
 * @example
 * evidenceByteBound({ n: 4, logWindow: 200, checkpointInterval: 100, maxBatch: 64 }); // 3093141
 */
export function evidenceByteBound(parameters: Pick<ProtocolParameters, 'n' | 'logWindow' | 'checkpointInterval' | 'maxBatch'>): number {
  const limits = evidenceLimits(parameters);
  const viewChangeBytes = limits.viewChangeFrameBytes;
  const voteBytes = VOTE_FRAME_BYTES;
  const checkpointBytes = CHECKPOINT_FRAME_BYTES;
  const slot = (frameBytes: number, valueBytes: number) => frameBytes + valueBytes + SLOT_OVERHEAD_BYTES;
  const item = (frameBytes: number) => 2 * frameBytes + SLOT_OVERHEAD_BYTES;
  const perSigner =
    limits.votesPerSigner * slot(voteBytes, 32) +
    limits.checkpointsPerSigner * slot(checkpointBytes, 32) +
    limits.viewChangesPerSigner * slot(viewChangeBytes, 0) +
    3 * item(voteBytes) + item(checkpointBytes) + item(viewChangeBytes);
  return (parameters.n - 1) * perSigner;
}

/** §4.2: only primary(v) sends PRE-PREPARE and it sends no PREPARE; §4.3: CHECKPOINTs every K. */
export function signableByCorrect(limits: EvidenceLimits, message: Statement['message']): boolean {
  switch (message.type) {
    case 'pre-prepare':
      return message.replica === primaryOf(message.view, limits.n);
    case 'prepare':
      return message.replica !== primaryOf(message.view, limits.n);
    case 'checkpoint':
      return message.seq % limits.checkpointInterval === 0;
    default:
      return true;
  }
}

/** Whether a slot lies in the windows of c = `view` and h = `lowWatermark` (see the header). */
export function inWindow(limits: EvidenceLimits, kind: EvidenceKind, place: { readonly view: number | undefined; readonly seq: number | undefined }, view: number, lowWatermark: number): boolean {
  switch (kind) {
    case 'pre-prepare':
    case 'prepare':
    case 'commit':
      return place.view! >= view - VOTE_VIEWS_BEHIND && place.view! <= view + VOTE_VIEWS_AHEAD && place.seq! >= lowWatermark && place.seq! <= lowWatermark + limits.logWindow;
    case 'checkpoint':
      return place.seq! >= lowWatermark && place.seq! <= lowWatermark + limits.logWindow;
    case 'view-change':
      return place.view! >= view && place.view! < view + VIEW_CHANGE_VIEWS;
  }
}

/** The largest frame a correct replica signs of `kind` (limits.ts): a vote or PRE-PREPARE header, a CHECKPOINT, a VIEW-CHANGE. */
export function statementFrameBytes(limits: EvidenceLimits, kind: EvidenceKind): number {
  return kind === 'view-change' ? limits.viewChangeFrameBytes : kind === 'checkpoint' ? CHECKPOINT_FRAME_BYTES : VOTE_FRAME_BYTES;
}
