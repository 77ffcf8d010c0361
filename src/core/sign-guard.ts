// The last line against equivocation: every message that binds this replica passes here
// as it is signed, and a second, different one for the same slot is refused as a bug.
//
// PBFT's safety argument (OSDI'99 §4.2, the Invariant, and §4.4) needs each correct
// replica to send at most one PRE-PREPARE, PREPARE and COMMIT per (v, n), one CHECKPOINT
// digest per n (§4.3), and one VIEW-CHANGE and NEW-VIEW per view. The protocol code keeps
// to that by construction; this guard checks it at the one place a signature is made, and,
// filled from the WAL after a restart (durability.ts), across the crash too: a replica that
// comes back never signs a different digest for a (v, n, phase) it logged. Throwing stops
// the replica, which is what a correct replica must do rather than vote twice.
//
// Slots are pruned as the view and h move: the replica never signs for a view below its
// own or for n at or below h again, so the guard holds at most ~3L + L/K + 2 slots.
import { bytesEqual, toHex } from './bytes.ts';
import type { Message } from './messages.ts';

export class SignedTwiceError extends Error {
  constructor(readonly slot: string) {
    super(`refusing to sign a second, different message for ${slot}: a correct replica never does (OSDI'99 §4.2)`);
    this.name = 'SignedTwiceError';
  }
}

interface Slot {
  readonly view: number | undefined;
  readonly seq: number | undefined;
  /** The digest for votes; the signed bytes for VIEW-CHANGE and NEW-VIEW. */
  readonly value: Uint8Array;
}

export class SignGuard {
  private readonly slots = new Map<string, Slot>();
  private prunedAt = { view: -1, lowWatermark: -1 };

  /** Records what was signed before (from the WAL), without checking. */
  note(message: Message, signedBytes: Uint8Array): void {
    const slot = slotOf(message, signedBytes);
    if (slot !== undefined) this.slots.set(slot.key, slot);
  }

  /** Throws SignedTwiceError if `message` differs from what this replica signed for its slot. */
  check(message: Message, signedBytes: Uint8Array, view: number, lowWatermark: number): void {
    if (view !== this.prunedAt.view || lowWatermark !== this.prunedAt.lowWatermark) this.prune(view, lowWatermark);
    const slot = slotOf(message, signedBytes);
    if (slot === undefined) return;
    const known = this.slots.get(slot.key);
    if (known === undefined) {
      this.slots.set(slot.key, slot);
      return;
    }
    if (!bytesEqual(known.value, slot.value)) throw new SignedTwiceError(`${slot.key} (signed ${toHex(known.value).slice(0, 12)}…, now ${toHex(slot.value).slice(0, 12)}…)`);
  }

  /**
   * A replica whose state proved wrong (2f+1 certify another digest, checkpointing.ts)
   * takes the certified state and signs its digest: its earlier CHECKPOINTs from n on
   * described a state it has disowned.
   */
  forgetCheckpointsFrom(seq: number): void {
    for (const [key, slot] of this.slots) if (key.startsWith('checkpoint:') && slot.seq! >= seq) this.slots.delete(key);
  }

  get size(): number {
    return this.slots.size;
  }

  private prune(view: number, lowWatermark: number): void {
    this.prunedAt = { view, lowWatermark };
    for (const [key, slot] of this.slots) {
      if ((slot.view !== undefined && slot.view < view) || (slot.seq !== undefined && slot.seq <= lowWatermark)) this.slots.delete(key);
    }
  }
}

function slotOf(message: Message, signedBytes: Uint8Array): (Slot & { readonly key: string }) | undefined {
  switch (message.type) {
    case 'pre-prepare':
    case 'prepare':
    case 'commit':
      return { key: `${message.type}:v${message.view}:n${message.seq}`, view: message.view, seq: message.seq, value: message.digest };
    case 'checkpoint':
      return { key: `checkpoint:n${message.seq}`, view: undefined, seq: message.seq, value: message.digest };
    case 'view-change':
      return { key: `view-change:v${message.newView}`, view: message.newView, seq: undefined, value: signedBytes };
    case 'new-view':
      return { key: `new-view:v${message.newView}`, view: message.newView, seq: undefined, value: signedBytes };
    default:
      return undefined;
  }
}
