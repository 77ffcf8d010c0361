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
// What is remembered is bounded by windows of this replica's view and stable checkpoint
// (evidence-windows.ts), each with room for every slot a signer can have in it, so that a
// culprit cannot push its own statement out with filler before the contradiction arrives.
// One item per (culprit, kind) is kept, after which that culprit's slots of the kind are
// let go. restore() takes back items kept before a restart (src/deploy/evidence-store.ts).
import { bytesEqual } from './bytes.ts';
import { SIGNATURE_BYTES } from './encoding.ts';
import { inWindow, signableByCorrect, SLOT_OVERHEAD_BYTES, statementFrameBytes, type EvidenceLimits } from './evidence-windows.ts';
import type { Checkpoint, Commit, Message, Prepare, PrePrepareHeader, Signed, ViewChange } from './messages.ts';

export { evidenceByteBound, evidenceLimits, SLOT_OVERHEAD_BYTES, VIEW_CHANGE_VIEWS, VOTE_VIEWS_AHEAD, VOTE_VIEWS_BEHIND, type EvidenceLimits } from './evidence-windows.ts';

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

export class EquivocationDetector {
  /** signer -> class -> slot key -> the first statement seen there. */
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
   * `view` and `lowWatermark` are this replica's c and h: the windows (see the header).
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
    // A statement no correct replica signs (a backup's PRE-PREPARE, the primary's PREPARE,
    // a CHECKPOINT off the multiples of K) counts in no certificate: no slot of its own.
    if (!signableByCorrect(this.limits, message)) return undefined;
    const place = slotPlace(message);
    if (!inWindow(this.limits, kind, place, view, lowWatermark)) return undefined;
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

  /**
   * An item kept before a restart, read back by the driver (src/deploy/evidence-store.ts),
   * which checked it offline (check/evidence-verify.ts): its frames are signed statements
   * of `culprit` that conflict at the slot named. Kept unless it accuses this replica,
   * names no replica of the cluster, has a frame larger than any statement of its kind,
   * or its (culprit, kind) already has one. Returns whether it was kept.
   */
  restore(evidence: Evidence): boolean {
    const { culprit, kind, frames } = evidence;
    if (!Number.isSafeInteger(culprit) || culprit < 0 || culprit >= this.limits.n || culprit === this.self) return false;
    if (!EVIDENCE_KINDS.includes(kind) || this.found.has(`${culprit}:${kind}`)) return false;
    const maxBytes = statementFrameBytes(this.limits, kind);
    if (frames.length !== 2 || frames.some((frame) => frame.length > maxBytes)) return false;
    this.found.set(`${culprit}:${kind}`, evidence);
    this.bytes += frames[0].length + frames[1].length + SLOT_OVERHEAD_BYTES;
    this.forgetKind(culprit, kind);
    return true;
  }

  /** Every item kept, in the order found (restored ones first). */
  items(): Evidence[] {
    return [...this.found.values()];
  }

  /** Bytes held: frames, digests and SLOT_OVERHEAD_BYTES per slot (see evidenceByteBound). */
  retainedBytes(): number {
    return this.bytes;
  }

  /** Slots held for `signer`, by class: for tests of the windows. */
  slotCounts(signer: number): { readonly votes: number; readonly checkpoints: number; readonly viewChanges: number } {
    const slots = this.slots.get(signer);
    return { votes: slots?.votes.size ?? 0, checkpoints: slots?.checkpoints.size ?? 0, viewChanges: slots?.viewChanges.size ?? 0 };
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

  private remember(signer: number, slotClass: SlotClass, place: SlotPlace, statement: Statement): void {
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
    // Every slot held lies in the windows of the last prune, and a window has no more
    // slots per signer than its cap (see the header): more is a bug here, not an attack.
    const cap = slotClass === 'votes' ? this.limits.votesPerSigner : slotClass === 'checkpoints' ? this.limits.checkpointsPerSigner : this.limits.viewChangesPerSigner;
    if (slots.size > cap) throw new Error(`evidence.ts: ${slots.size} ${slotClass} slots of replica ${signer}, the windows allow ${cap}`);
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

  /**
   * c or h moved: every slot outside the new windows goes (§4.3: nothing below h counts
   * any more; the gateway drops VIEW-CHANGEs for views below c as stale). Either way, not
   * only below: whatever order c and h come in, every slot held stays in the windows.
   */
  private prune(view: number, lowWatermark: number): void {
    this.prunedAt = { view, lowWatermark };
    for (const classes of this.slots.values()) {
      for (const slots of [classes.votes, classes.checkpoints, classes.viewChanges]) {
        for (const [key, slot] of slots) if (!inWindow(this.limits, slot.kind, slot, view, lowWatermark)) this.forget(slots, key);
      }
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

interface SlotPlace {
  readonly key: string;
  readonly view: number | undefined;
  readonly seq: number | undefined;
}

/** Slots: (kind, v, n) for votes, (n) for CHECKPOINT, (v) for VIEW-CHANGE; per signer. */
function slotPlace(message: Statement['message']): SlotPlace {
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
