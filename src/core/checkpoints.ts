// Checkpoints and garbage collection (OSDI'99 §4.3). A checkpoint is stable once
// 2f+1 replicas sign the same state digest for it; the replica then keeps that proof
// and the snapshot (view change and state transfer need both) and forgets the rest.
import { bytesEqual, bytesKey } from './bytes.ts';
import type { ClientTableSnapshot } from './client-table.ts';
import type { Checkpoint, Signed } from './messages.ts';
import { encodePancydbState, type PancydbSnapshot } from './pancydb.ts';
import type { Quorums } from './quorum.ts';
import { VoteSet } from './quorum.ts';

export interface StateSnapshot {
  readonly store: PancydbSnapshot;
  readonly clients: ClientTableSnapshot;
}

export interface OwnCheckpoint {
  readonly seq: number;
  readonly digest: Uint8Array;
  readonly snapshot: StateSnapshot;
  readonly signed: Signed<Checkpoint>;
}

export interface StableCheckpoint {
  readonly seq: number;
  readonly digest: Uint8Array;
  /** 2f+1 matching CHECKPOINT messages from distinct replicas; empty for the initial state. */
  readonly proof: readonly Signed<Checkpoint>[];
  readonly snapshot: StateSnapshot;
  /** This replica's own CHECKPOINT for it, retransmitted to peers that lack it. */
  readonly own: Signed<Checkpoint> | undefined;
}

export interface Certificate {
  readonly seq: number;
  readonly digest: Uint8Array;
  readonly proof: readonly Signed<Checkpoint>[];
}

export type VoteOutcome = 'added' | 'duplicate' | 'full';

export class CheckpointTracker {
  private readonly own = new Map<number, OwnCheckpoint>();
  private readonly votes = new Map<number, VoteSet<Signed<Checkpoint>>>();
  private readonly votesPerSender = new Map<number, number>();
  stable: StableCheckpoint;

  constructor(
    private readonly quorums: Quorums,
    /** Votes kept per sender above h: CHECKPOINTs above H are kept (they say we are behind), but boundedly. */
    private readonly votesPerSenderCap: number,
    initial: StableCheckpoint,
  ) {
    this.stable = initial;
  }

  recordOwn(checkpoint: OwnCheckpoint): void {
    this.own.set(checkpoint.seq, checkpoint);
  }

  /** Own checkpoints from `seq` on, of a state this replica found wrong (state-transfer.ts). */
  forgetOwnFrom(seq: number): void {
    for (const own of [...this.own.keys()]) if (own >= seq) this.own.delete(own);
  }

  ownAt(seq: number): OwnCheckpoint | undefined {
    return this.own.get(seq);
  }

  /** Bytes of CHECKPOINT frames held (votes, own, the stable proof); snapshots are state, not counted. */
  retainedBytes(): number {
    let total = 0;
    for (const set of this.votes.values()) for (const vote of set.values()) total += vote.frame.length;
    for (const own of this.own.values()) total += own.signed.frame.length;
    for (const vote of this.stable.proof) total += vote.frame.length;
    return total;
  }

  /** Own CHECKPOINT messages above `seq`, in order, for a peer that reported stable seq `seq`. */
  ownAbove(seq: number): Signed<Checkpoint>[] {
    const frames = [...this.own.values()].filter((own) => own.seq > seq).map((own) => own.signed);
    if (this.stable.own !== undefined && this.stable.seq > seq) frames.unshift(this.stable.own);
    return frames;
  }

  addVote(signed: Signed<Checkpoint>): VoteOutcome {
    const { seq, replica } = signed.message;
    let set = this.votes.get(seq);
    if (set?.has(replica)) return 'duplicate';
    const held = this.votesPerSender.get(replica) ?? 0;
    if (held >= this.votesPerSenderCap) return 'full';
    if (set === undefined) {
      set = new VoteSet();
      this.votes.set(seq, set);
    }
    set.add(replica, signed);
    this.votesPerSender.set(replica, held + 1);
    return 'added';
  }

  /** 2f+1 matching votes for `seq`, whatever this replica's own digest says. */
  certificateAt(seq: number): Certificate | undefined {
    const set = this.votes.get(seq);
    if (set === undefined || set.size < this.quorums.strong) return undefined;
    const byDigest = new Map<string, Signed<Checkpoint>[]>();
    for (const replica of set.voters(() => true)) {
      const vote = set.get(replica)!;
      const key = bytesKey(vote.message.digest);
      const group = byDigest.get(key) ?? [];
      group.push(vote);
      byDigest.set(key, group);
    }
    for (const group of byDigest.values()) {
      if (group.length >= this.quorums.strong) {
        return { seq, digest: group[0]!.message.digest, proof: group.slice(0, this.quorums.strong) };
      }
    }
    return undefined;
  }

  /** Sequence numbers above h that have any votes, ascending. */
  votedSeqs(): number[] {
    return [...this.votes.keys()].sort((a, b) => a - b);
  }

  /** Makes `certificate` stable with this replica's matching snapshot and collects garbage. */
  makeStable(certificate: Certificate, own: OwnCheckpoint): void {
    if (!bytesEqual(certificate.digest, own.digest) || certificate.seq !== own.seq) {
      throw new Error(`stable checkpoint ${certificate.seq} does not match own state`);
    }
    this.stable = { ...certificate, snapshot: own.snapshot, own: own.signed };
    for (const seq of [...this.own.keys()]) if (seq <= certificate.seq) this.own.delete(seq);
    for (const [seq, set] of [...this.votes]) {
      if (seq > certificate.seq) continue;
      for (const replica of set.voters(() => true)) {
        this.votesPerSender.set(replica, (this.votesPerSender.get(replica) ?? 1) - 1);
      }
      this.votes.delete(seq);
    }
  }
}

/**
 * The checkpoint digest covers everything execution depends on (§4.3): the store,
 * including nextVersion, and the client table (last t and result per client). The
 * store part equals Pancydb's own digest(); hashing here with the injected SHA-256
 * lets the simulator use the native one for stores of many thousand keys.
 */
export function stateDigest(sha256: (data: Uint8Array) => Uint8Array, store: PancydbSnapshot, clientTable: Uint8Array): Uint8Array {
  const storeDigest = sha256(encodePancydbState(store));
  const bytes = new Uint8Array(storeDigest.length + clientTable.length);
  bytes.set(storeDigest, 0);
  bytes.set(clientTable, storeDigest.length);
  return sha256(bytes);
}
