// The message log between the watermarks (OSDI'99 §4.2–4.3): one entry per sequence
// number h < n ≤ H, so it never holds more than L of them.
import { bytesEqual } from './bytes.ts';
import type { Commit, CommitCertificate, FetchBatch, PrePrepare, PrePrepareHeader, Prepare, Signed } from './messages.ts';
import { VoteSet } from './quorum.ts';

const EMPTY = new Uint8Array(0);

export class LogEntry {
  prePrepare: Signed<PrePrepare> | undefined;
  /**
   * An O entry of a NEW-VIEW whose batch is still being fetched (§4.4). It holds the slot
   * from the moment the NEW-VIEW is accepted: its digest is this entry's digest, so a
   * PRE-PREPARE with another digest for (v, n) is refused, and only a batch that hashes
   * to it completes the entry. Without this a backup could prepare two digests at (v, n).
   */
  awaited: { readonly header: Signed<PrePrepareHeader>; readonly fetch: Signed<FetchBatch>; fetchedAtMs: number } | undefined;
  readonly prepares = new VoteSet<Signed<Prepare>>();
  readonly commits = new VoteSet<Signed<Commit>>();
  /** A replica's PREPAREs and COMMITs after its first: kept, and counted, only under the 'votes-counted-per-message' flaw (flaws.ts). */
  readonly repeatedVotes: (Signed<Prepare> | Signed<Commit>)[] = [];
  /** What this replica itself sent for the entry, kept for retransmission. */
  sentPrepare: Signed<Prepare> | undefined;
  sentCommit: Signed<Commit> | undefined;
  /** Signed once when first asked for, then resent as is: a STATUS must not cost a signature per answer. */
  commitCertificate: Signed<CommitCertificate> | undefined;
  /** prepared(m, v, n, i) of §4.2: PRE-PREPARE plus 2f matching PREPAREs from backups. */
  prepared = false;
  /** committed-local(m, v, n, i) of §4.2: prepared plus 2f+1 matching COMMITs. */
  committed = false;
  /** Its batch was answered tentatively (tentative.ts): execution at commit sends no second reply. */
  tentativeReplied = false;

  constructor(
    readonly view: number,
    readonly seq: number,
    readonly createdAtMs: number,
  ) {}

  /** The digest this entry is bound to, by its PRE-PREPARE or by O; never changes once set. */
  get digest(): Uint8Array | undefined {
    return this.prePrepare?.message.digest ?? this.awaited?.header.message.digest;
  }

  /** Distinct backups whose PREPARE matches the accepted PRE-PREPARE's digest. */
  matchingPrepares(): number {
    const digest = this.digest;
    return digest === undefined ? 0 : this.prepares.count((vote) => bytesEqual(vote.message.digest, digest)) + this.repeated('prepare', digest);
  }

  matchingCommits(): number {
    const digest = this.digest;
    return digest === undefined ? 0 : this.commits.count((vote) => bytesEqual(vote.message.digest, digest)) + this.repeated('commit', digest);
  }

  private repeated(type: 'prepare' | 'commit', digest: Uint8Array): number {
    return this.repeatedVotes.length === 0 ? 0 : this.repeatedVotes.filter((vote) => vote.message.type === type && bytesEqual(vote.message.digest, digest)).length;
  }
}

export class MessageLog {
  private readonly entries = new Map<number, LogEntry>();
  /** Highest sequence number that ever had an entry. */
  highestSeq = 0;

  get(seq: number): LogEntry | undefined {
    return this.entries.get(seq);
  }

  /** The entry for `seq` in `view`; a stale entry from an older view is replaced. */
  entryFor(view: number, seq: number, nowMs: number): LogEntry {
    const existing = this.entries.get(seq);
    if (existing !== undefined && existing.view === view) return existing;
    const entry = new LogEntry(view, seq, nowMs);
    this.entries.set(seq, entry);
    this.highestSeq = Math.max(this.highestSeq, seq);
    return entry;
  }

  /** On entering a view (§4.4): entries of older views go; O brings back what must stay. */
  discardViewsBelow(view: number): void {
    for (const [seq, entry] of this.entries) if (entry.view < view) this.entries.delete(seq);
  }

  /** Garbage collection at a stable checkpoint (§4.3): drop every entry with n ≤ seq. */
  discardThrough(seq: number): void {
    for (const entrySeq of this.entries.keys()) if (entrySeq <= seq) this.entries.delete(entrySeq);
  }

  get size(): number {
    return this.entries.size;
  }

  /**
   * Entries whose batch is still being fetched, in sequence order: O's digest has no
   * PRE-PREPARE yet. (Another digest's PRE-PREPARE in the slot is possible only under the
   * 'o-entry-slot-not-held' flaw, flaws.ts: the fetch goes on, and completes over it.)
   */
  awaitingBatches(): LogEntry[] {
    // Asked every tick: filter first, so the usual empty answer costs no sort of the log.
    const awaiting = [...this.entries.values()].filter((entry) => entry.awaited !== undefined && !bytesEqual(entry.prePrepare?.message.digest ?? EMPTY, entry.awaited.header.message.digest));
    return awaiting.length < 2 ? awaiting : awaiting.sort((a, b) => a.seq - b.seq);
  }

  /** Bytes of the frames the log holds (for the memory-bound checker). */
  retainedBytes(): number {
    let total = 0;
    for (const entry of this.entries.values()) {
      total += entry.prePrepare?.frame.length ?? 0;
      total += entry.awaited === undefined ? 0 : entry.awaited.header.frame.length + entry.awaited.fetch.frame.length;
      total += entry.commitCertificate?.frame.length ?? 0;
      for (const vote of entry.prepares.values()) total += vote.frame.length;
      for (const vote of entry.commits.values()) total += vote.frame.length;
    }
    return total;
  }

  /** Entries in sequence order. */
  ordered(): LogEntry[] {
    return [...this.entries.values()].sort((a, b) => a.seq - b.seq);
  }
}
