// signed-twice: no correct replica signs two different digests for one slot.
//
// PBFT's safety argument (OSDI'99 §4.2, the Invariant; §4.4) rests on one habit of every
// correct replica: it accepts at most one PRE-PREPARE per (v, n) and so sends at most one
// PREPARE and one COMMIT per (v, n), and its CHECKPOINT for n states the one state it
// reached (§4.3). Quorum intersection only helps if the correct replica in the
// intersection never voted both ways. Agreement catches the split once it happens; this
// checker catches the vote that makes it possible, in every run, before any quorum forms.
//
// It is fed every frame a correct replica sends or broadcasts (src/sim/cluster.ts) and
// looks at what that replica itself signed: the frame's own message, and its own
// messages carried inside VIEW-CHANGE (P's certificates, checkpoint proof) and NEW-VIEW
// (the PRE-PREPAREs of O, signed there for the first time). Messages of other replicas
// that a correct replica forwards are theirs, not its own.
//
// A restarted replica is the same key: it is checked against what it signed before it
// lost its memory. Signing a different digest after an amnesia restart is exactly the
// bug the restart guard exists to prevent (§4.3 and TOCS 2002 §2.3's discussion of
// recovery), so it counts.
import { bytesEqual, toHex } from '../core/bytes.ts';
import type { Message, PrePrepareHeader, Signed } from '../core/messages.ts';
import type { Violation } from './violation.ts';

/** What a slot names: the phase and the (v, n) (or n alone for CHECKPOINT). */
interface Vote {
  readonly phase: 'pre-prepare' | 'prepare' | 'commit' | 'checkpoint';
  readonly view: number | undefined;
  readonly seq: number;
  readonly digest: Uint8Array;
  readonly replica: number;
}

interface FirstSigned {
  readonly digest: Uint8Array;
  readonly atMs: number;
}

/** Slots remembered per replica before the oldest are forgotten; far above any log window. */
const SLOTS_REMEMBERED_PER_REPLICA = 1 << 16;

export class SignedTwiceChecker {
  /** replica -> "phase:v:n" -> the first digest it signed there, in insertion (age) order. */
  private readonly signed = new Map<number, Map<string, FirstSigned>>();
  /** Slots already reported, so one double vote is reported once however often it is resent. */
  private readonly reported = new Set<string>();

  constructor(private readonly report: (violation: Violation) => void) {}

  /** A frame correct replica `replica` sent or broadcast at `atMs`. */
  onSent(replica: number, signed: Signed, atMs: number): void {
    for (const vote of ownVotes(signed.message)) if (vote.replica === replica) this.record(vote, atMs);
  }

  private record(vote: Vote, atMs: number): void {
    let slots = this.signed.get(vote.replica);
    if (slots === undefined) {
      slots = new Map();
      this.signed.set(vote.replica, slots);
    }
    const slot = `${vote.phase}:${vote.view ?? '-'}:${vote.seq}`;
    const first = slots.get(slot);
    if (first === undefined) {
      slots.set(slot, { digest: vote.digest, atMs });
      if (slots.size > SLOTS_REMEMBERED_PER_REPLICA) slots.delete(slots.keys().next().value!);
      return;
    }
    if (bytesEqual(first.digest, vote.digest) || this.reported.has(`${vote.replica}:${slot}`)) return;
    this.reported.add(`${vote.replica}:${slot}`);
    const where = vote.view === undefined ? `n=${vote.seq}` : `v=${vote.view} n=${vote.seq}`;
    this.report({
      property: 'signed-twice',
      detail: `replica ${vote.replica} signed ${vote.phase.toUpperCase()} ${where} with d=${toHex(first.digest).slice(0, 12)} at ${first.atMs} ms and with d=${toHex(vote.digest).slice(0, 12)} at ${atMs} ms`,
      replicas: [vote.replica],
      seq: vote.seq,
      atMs,
    });
  }
}

/** The votes a message carries, its own and those embedded in view-change messages. */
function ownVotes(message: Message | PrePrepareHeader): Vote[] {
  switch (message.type) {
    case 'pre-prepare':
    case 'prepare':
    case 'commit':
      return [{ phase: message.type, view: message.view, seq: message.seq, digest: message.digest, replica: message.replica }];
    case 'checkpoint':
      return [{ phase: 'checkpoint', view: undefined, seq: message.seq, digest: message.digest, replica: message.replica }];
    case 'view-change':
      return [
        ...message.checkpointProof.flatMap((checkpoint) => ownVotes(checkpoint.message)),
        ...message.prepared.flatMap((certificate) => [
          ...ownVotes(certificate.prePrepare.message),
          ...certificate.prepares.flatMap((prepare) => ownVotes(prepare.message)),
        ]),
      ];
    case 'new-view':
      return message.prePrepares.flatMap((prePrepare) => ownVotes(prePrepare.message));
    default:
      // Requests, replies, status, state transfer and batches carry no vote of the sender's.
      return [];
  }
}
