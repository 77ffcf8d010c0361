// Quorum arithmetic, in one place (OSDI'99 §3: n = 3f+1 replicas tolerate f faults).
// Certificates count each replica at most once; VoteSet enforces that.

export interface Quorums {
  readonly n: number;
  readonly f: number;
  /** f+1: at least one correct replica among them (client replies, §4.1). */
  readonly weak: number;
  /** 2f+1: any two such sets share a correct replica (commit, checkpoint, §4.2–4.3). */
  readonly strong: number;
  /** 2f PREPAREs from backups, with the PRE-PREPARE, make a request prepared (§4.2). */
  readonly prepares: number;
}

export function quorumsFor(n: number): Quorums {
  if (!Number.isInteger(n) || n < 4 || (n - 1) % 3 !== 0) {
    throw new Error(`n must be 3f+1 with f >= 1 (4, 7, 10, ...), got ${n}`);
  }
  const f = (n - 1) / 3;
  return { n, f, weak: f + 1, strong: 2 * f + 1, prepares: 2 * f };
}

export function primaryOf(view: number, n: number): number {
  return view % n;
}

/**
 * Votes for one (view, seq) or checkpoint: the first value each replica votes is
 * kept, so a replica that votes twice (equivocates) still counts once.
 */
export class VoteSet<V> {
  private readonly votes = new Map<number, V>();

  /** Records `replica`'s vote; returns false if it had already voted. */
  add(replica: number, value: V): boolean {
    if (this.votes.has(replica)) return false;
    this.votes.set(replica, value);
    return true;
  }

  has(replica: number): boolean {
    return this.votes.has(replica);
  }

  get(replica: number): V | undefined {
    return this.votes.get(replica);
  }

  /** Distinct replicas whose vote satisfies `matches`. */
  count(matches: (value: V) => boolean): number {
    let total = 0;
    for (const value of this.votes.values()) if (matches(value)) total++;
    return total;
  }

  /** Every vote, in no particular order. */
  values(): IterableIterator<V> {
    return this.votes.values();
  }

  voters(matches: (value: V) => boolean): number[] {
    const ids: number[] = [];
    for (const [replica, value] of this.votes) if (matches(value)) ids.push(replica);
    return ids.sort((a, b) => a - b);
  }

  get size(): number {
    return this.votes.size;
  }
}
