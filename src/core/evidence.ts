// Signed evidence of equivocation: two validly signed statements of one replica that
// cannot both come from a correct one.
//
// PBFT's safety argument (OSDI'99 §4.2, the Invariant; §4.3; §4.4) rests on every correct
// replica signing at most one PRE-PREPARE, PREPARE and COMMIT digest per (v, n), one
// CHECKPOINT digest per n, and one VIEW-CHANGE per view (sign-guard.ts enforces it for
// this replica). Quorum intersection tolerates f replicas that break the rule, but the
// protocol never says who they were. Here a correct replica keeps, when it holds two
// conflicting statements of one signer, both signed frames, and nothing else: anyone with
// the signer's public key can check them offline (src/check/evidence-verify.ts), as
// CometBFT's duplicate-vote evidence can be.
//
// Fed with what the gateway verified: every message accepted, with the signed statements
// carried inside (prepared certificates and checkpoint proofs in a VIEW-CHANGE, V and O of
// a NEW-VIEW, commit certificates, STATE proofs, RECOVERY-REPLY proofs), and the outer
// statement of a message dropped after its signature checked out. A statement dropped
// before its signature was checked (a surplus vote, a VIEW-CHANGE already held, a stale
// view) is only a *challenge*: it costs one verification, and only if it contradicts a
// slot this replica remembers, and at most once per slot. So a Byzantine sender buys at
// most one extra verification per slot it already paid one for (bounded work). A forged
// challenge can use up a slot's one check, but only for unchecked statements: a
// contradiction that arrives verified, as those carried in certificates do, is always
// checked (two more verifications, then never again for that culprit and kind).
//
// Memory is bounded in bytes: per signer at most VOTE_SLOTS_PER_L·L vote slots,
// L/K + 2 CHECKPOINT slots and VIEW_CHANGE_SLOTS VIEW-CHANGE slots, the oldest forgotten
// first; votes and CHECKPOINTs below h go when h moves (§4.3 garbage collection: no
// certificate a correct replica sends reaches below its stable checkpoint), VIEW-CHANGEs
// for views below ours when the view moves (the gateway drops those as stale), and one
// item per (culprit, kind) is kept, after which that culprit's slots of the kind are let go.
// A VIEW-CHANGE larger than any a correct replica sends is ignored (see EvidenceLimits).
// evidenceByteBound() states the bound.
import { bytesEqual } from './bytes.ts';
import { SIGNATURE_BYTES } from './encoding.ts';
import { protocolFrameBounds } from './limits.ts';
import type { Checkpoint, Commit, Message, Prepare, PrePrepareHeader, Signed, ViewChange } from './messages.ts';
import type { ProtocolParameters } from './config.ts';

export type EvidenceKind = 'pre-prepare' | 'prepare' | 'commit' | 'checkpoint' | 'view-change';
export const EVIDENCE_KINDS: readonly EvidenceKind[] = ['pre-prepare', 'prepare', 'commit', 'checkpoint', 'view-change'];

/** A signed statement that binds its signer to one value per slot. */
export type Statement = Signed<PrePrepareHeader | Prepare | Commit | Checkpoint | ViewChange>;

export interface Evidence {
  readonly culprit: number;
  readonly kind: EvidenceKind;
  /** v of a PRE-PREPARE, PREPARE or COMMIT; the view a VIEW-CHANGE asks for; undefined for CHECKPOINT. */
  readonly view: number | undefined;
  /** n of a PRE-PREPARE, PREPARE, COMMIT or CHECKPOINT; undefined for VIEW-CHANGE. */
  readonly seq: number | undefined;
  /**
   * The two statements, first seen first, each as its signed bytes followed by its 64-byte
   * signature: a PRE-PREPARE's signature covers its header only (encoding.ts), so its
   * batch is left out.
   */
  readonly frames: readonly [Uint8Array, Uint8Array];
}

/** Vote slots (PRE-PREPARE, PREPARE, COMMIT) kept per signer, in units of L: a correct signer fills at most ~3L (a window's two phases, plus certificates of earlier views). */
export const VOTE_SLOTS_PER_L = 4;
/**
 * VIEW-CHANGE slots kept per signer: the latest view it asked for. One is enough to catch
 * two stories about one view, the usual one told to some directly and carried to the rest
 * in V (§4.4), and a VIEW-CHANGE can carry L certificates, so more would cost the most.
 */
export const VIEW_CHANGE_SLOTS = 1;
/** What a slot costs beyond its frame: the key, the record and the map entry (an estimate of V8's objects). */
export const SLOT_OVERHEAD_BYTES = 160;

interface Slot {
  readonly kind: EvidenceKind;
  readonly view: number | undefined;
  readonly seq: number | undefined;
  /** Signed bytes then signature: the received frame when that is all it is, a copy otherwise (see remember). */
  readonly frame: Uint8Array;
  /** The digest of a vote or CHECKPOINT; a VIEW-CHANGE's signed bytes (its whole content). */
  readonly value: Uint8Array;
  /** Its signature checked again, for evidence. */
  confirmed: boolean;
  /** An unverified contradiction was checked against it once: never again (bounded work). */
  challenged: boolean;
}

type SlotClass = 'votes' | 'checkpoints' | 'viewChanges';

export interface EvidenceLimits {
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
  return {
    votesPerSigner: VOTE_SLOTS_PER_L * parameters.logWindow,
    checkpointsPerSigner: parameters.logWindow / parameters.checkpointInterval + 2,
    viewChangesPerSigner: VIEW_CHANGE_SLOTS,
    viewChangeFrameBytes: protocolFrameBounds(parameters)['view-change']!,
  };
}

/**
 * The most bytes an EquivocationDetector holds: n-1 signers, each with its slots full of
 * the largest statements a correct replica sends (limits.ts), plus one item per kind of two
 * such frames. With the defaults (L=200, K=100, B=64) about 1.9 MiB at n=4 and 5.0 MiB at
 * n=7, most of it VIEW-CHANGEs carrying L full certificates; a fault-free run at n=4 holds
 * about 120 KB (each signer's votes since the last stable checkpoint).
 * @example
 * evidenceByteBound({ n: 4, logWindow: 200, checkpointInterval: 100, maxBatch: 64 }); // 1941297
 */
export function evidenceByteBound(parameters: Pick<ProtocolParameters, 'n' | 'logWindow' | 'checkpointInterval' | 'maxBatch'>): number {
  const limits = evidenceLimits(parameters);
  const viewChangeBytes = protocolFrameBounds(parameters)['view-change']!;
  const voteBytes = 1 + 3 * 8 + 32 + SIGNATURE_BYTES;
  const checkpointBytes = 1 + 2 * 8 + 32 + SIGNATURE_BYTES;
  const slot = (frameBytes: number, valueBytes: number) => frameBytes + valueBytes + SLOT_OVERHEAD_BYTES;
  const item = (frameBytes: number) => 2 * frameBytes + SLOT_OVERHEAD_BYTES;
  const perSigner =
    limits.votesPerSigner * slot(voteBytes, 32) +
    limits.checkpointsPerSigner * slot(checkpointBytes, 32) +
    limits.viewChangesPerSigner * slot(viewChangeBytes, 0) +
    3 * item(voteBytes) + item(checkpointBytes) + item(viewChangeBytes);
  return (parameters.n - 1) * perSigner;
}

export class EquivocationDetector {
  /** signer -> class -> slot key -> the first statement seen there, oldest first. */
  private readonly slots = new Map<number, Record<SlotClass, Map<string, Slot>>>();
  /** "culprit:kind" -> the one item kept. */
  private readonly found = new Map<string, Evidence>();
  private bytes = 0;
  private prunedAt = { view: -1, lowWatermark: -1 };

  constructor(
    /** This replica: it never accuses itself (sign-guard.ts keeps it honest). */
    private readonly self: number,
    private readonly limits: EvidenceLimits,
    /** Checks a statement's signature with its signer's public key, nothing else. */
    private readonly verify: (signer: number, signedBytes: Uint8Array, signature: Uint8Array) => boolean,
  ) {}

  /**
   * A statement of `statement.message.replica`. `verified`: the gateway checked its
   * signature (alone or inside a message it accepted); otherwise it is only a challenge.
   * `view` and `lowWatermark` are this replica's, for forgetting (see the header).
   * Returns the evidence this statement completed, if any: the first per (culprit, kind).
   */
  observe(statement: Statement, verified: boolean, view: number, lowWatermark: number): Evidence | undefined {
    if (view !== this.prunedAt.view || lowWatermark !== this.prunedAt.lowWatermark) this.prune(view, lowWatermark);
    const message = statement.message;
    const signer = message.replica;
    const kind = message.type;
    if (signer === this.self || this.found.has(`${signer}:${kind}`)) return undefined;
    // Larger than any a correct replica signs: keeping it would break the byte bound.
    if (kind === 'view-change' && statement.signedBytes.length + SIGNATURE_BYTES > this.limits.viewChangeFrameBytes) return undefined;
    const place = slotPlace(message);
    if ((place.seq !== undefined && place.seq < lowWatermark) || (kind === 'view-change' && place.view! < view)) return undefined;
    const slots = this.slotsOf(signer)[classOf(kind)];
    const slot = slots.get(place.key);
    if (slot === undefined) {
      if (verified) this.remember(signer, classOf(kind), place, statement);
      return undefined;
    }
    const value = valueOf(statement);
    if (bytesEqual(slot.value, value)) return undefined; // A retransmission, or the same statement inside a certificate.
    if (!verified) {
      if (slot.challenged) return undefined;
      slot.challenged = true;
    }
    return this.convict(signer, slot, statement);
  }

  /** Every item kept, in the order found. */
  items(): Evidence[] {
    return [...this.found.values()];
  }

  /** Bytes held: frames, digests and SLOT_OVERHEAD_BYTES per slot (see evidenceByteBound). */
  retainedBytes(): number {
    return this.bytes;
  }

  /** Both signatures checked here, with the signer's key only: the test the evidence must pass offline. */
  private convict(signer: number, slot: Slot, statement: Statement): Evidence | undefined {
    if (!this.verify(signer, statement.signedBytes, statement.signature)) return undefined;
    if (!slot.confirmed) {
      const signatureAt = slot.frame.length - SIGNATURE_BYTES;
      slot.confirmed = this.verify(signer, slot.frame.subarray(0, signatureAt), slot.frame.subarray(signatureAt));
      if (!slot.confirmed) return undefined;
    }
    const evidence: Evidence = { culprit: signer, kind: slot.kind, view: slot.view, seq: slot.seq, frames: [slot.frame, frameOf(statement)] };
    this.found.set(`${signer}:${slot.kind}`, evidence);
    // The first frame moves from its slot (forgotten below) into the item.
    this.bytes += evidence.frames[0].length + evidence.frames[1].length + SLOT_OVERHEAD_BYTES;
    this.forgetKind(signer, slot.kind);
    return evidence;
  }

  private remember(signer: number, slotClass: SlotClass, place: ReturnType<typeof slotPlace>, statement: Statement): void {
    const slots = this.slotsOf(signer)[slotClass];
    // A frame that is exactly its own buffer (a PREPARE, COMMIT, CHECKPOINT or VIEW-CHANGE as
    // received) is kept as is; anything else is copied, so that a statement nested in a
    // certificate does not keep the whole certificate alive, nor a PRE-PREPARE its batch.
    const whole = ownsBuffer(statement);
    const frame = whole ? statement.frame : frameOf(statement);
    const kind = statement.message.type;
    // A VIEW-CHANGE's value is its signed bytes, which the frame already holds.
    const value = kind === 'view-change' ? frame.subarray(0, frame.length - SIGNATURE_BYTES) : whole ? valueOf(statement) : valueOf(statement).slice();
    slots.set(place.key, { kind, view: place.view, seq: place.seq, frame, value, confirmed: false, challenged: false });
    this.bytes += slotBytes(frame, value, kind);
    const cap = slotClass === 'votes' ? this.limits.votesPerSigner : slotClass === 'checkpoints' ? this.limits.checkpointsPerSigner : this.limits.viewChangesPerSigner;
    if (slots.size > cap) this.forget(slots, slots.keys().next().value!);
  }

  private slotsOf(signer: number): Record<SlotClass, Map<string, Slot>> {
    let slots = this.slots.get(signer);
    if (slots === undefined) {
      slots = { votes: new Map(), checkpoints: new Map(), viewChanges: new Map() };
      this.slots.set(signer, slots);
    }
    return slots;
  }

  private forget(slots: Map<string, Slot>, key: string): void {
    const slot = slots.get(key)!;
    this.bytes -= slotBytes(slot.frame, slot.value, slot.kind);
    slots.delete(key);
  }

  /** Once a culprit is convicted of a kind, its other slots of that kind prove nothing more. */
  private forgetKind(signer: number, kind: EvidenceKind): void {
    const slots = this.slotsOf(signer)[classOf(kind)];
    for (const [key, slot] of slots) if (slot.kind === kind) this.forget(slots, key);
  }

  private prune(view: number, lowWatermark: number): void {
    const { lowWatermark: before } = this.prunedAt;
    this.prunedAt = { view, lowWatermark };
    for (const classes of this.slots.values()) {
      if (lowWatermark !== before) {
        for (const slots of [classes.votes, classes.checkpoints]) for (const [key, slot] of slots) if (slot.seq! < lowWatermark) this.forget(slots, key);
      }
      for (const [key, slot] of classes.viewChanges) if (slot.view! < view) this.forget(classes.viewChanges, key);
    }
  }
}

/**
 * The statements a message accepted by the gateway carries, its own included: each was
 * verified there (gateway.ts, certificates.ts). A RECOVERY-REPLY's VIEW-CHANGEs are checked
 * for their signatures only, so what they carry is left out.
 */
export function statementsOf(message: Message, signed: Signed): Statement[] {
  switch (message.type) {
    case 'pre-prepare':
    case 'prepare':
    case 'commit':
    case 'checkpoint':
      return [signed as Statement];
    case 'view-change':
      return [signed as Statement, ...carriedBy(message)];
    case 'new-view':
      return [...message.viewChanges.flatMap((viewChange) => [viewChange, ...carriedBy(viewChange.message)]), ...message.prePrepares];
    case 'commit-certificate':
      return [message.prePrepare, ...message.commits];
    case 'state':
      return [...message.proof];
    case 'recovery-reply':
      return [...message.checkpointProof, ...message.proof];
    default:
      return [];
  }
}

/** The outer statement of a message, when it is one (for drops: what it carries was not all checked). */
export function outerStatement(signed: Signed): Statement | undefined {
  switch (signed.message.type) {
    case 'pre-prepare':
    case 'prepare':
    case 'commit':
    case 'checkpoint':
    case 'view-change':
      return signed as Statement;
    default:
      return undefined;
  }
}

function carriedBy(viewChange: ViewChange): Statement[] {
  return [...viewChange.checkpointProof, ...viewChange.prepared.flatMap((certificate) => [certificate.prePrepare, ...certificate.prepares])];
}

function classOf(kind: EvidenceKind): SlotClass {
  return kind === 'checkpoint' ? 'checkpoints' : kind === 'view-change' ? 'viewChanges' : 'votes';
}

/** Slots: (kind, v, n) for votes, (n) for CHECKPOINT, (v) for VIEW-CHANGE; per signer. */
function slotPlace(message: Statement['message']): { readonly key: string; readonly view: number | undefined; readonly seq: number | undefined } {
  switch (message.type) {
    case 'pre-prepare':
    case 'prepare':
    case 'commit':
      return { key: `${message.type}:${message.view}:${message.seq}`, view: message.view, seq: message.seq };
    case 'checkpoint':
      return { key: String(message.seq), view: undefined, seq: message.seq };
    case 'view-change':
      return { key: String(message.newView), view: message.newView, seq: undefined };
  }
}

function valueOf(statement: Statement): Uint8Array {
  return statement.message.type === 'view-change' ? statement.signedBytes : statement.message.digest;
}

function ownsBuffer(statement: Statement): boolean {
  const { frame } = statement;
  return frame.byteOffset === 0 && frame.byteLength === frame.buffer.byteLength && frame.length === statement.signedBytes.length + SIGNATURE_BYTES;
}

function frameOf(statement: Statement): Uint8Array {
  const frame = new Uint8Array(statement.signedBytes.length + SIGNATURE_BYTES);
  frame.set(statement.signedBytes);
  frame.set(statement.signature, statement.signedBytes.length);
  return frame;
}

function slotBytes(frame: Uint8Array, value: Uint8Array, kind: EvidenceKind): number {
  return frame.length + (kind === 'view-change' ? 0 : value.length) + SLOT_OVERHEAD_BYTES;
}
