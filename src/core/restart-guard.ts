// A replica restarted without its memory of what it signed must not vote twice for one
// (v, n). Before it crashed it may have sent PREPAREs and COMMITs in any view its peers are
// in now, and a lone VIEW-CHANGE for one view more (a correct replica moves past the others
// only by a view change that did not complete, OSDI'99 §4.5.2). So it votes again once it
// heard from 2f peers, is active (by a NEW-VIEW it did not vote for) in a view above every
// view they reported, and has caught up to that view's min-s: its next VIEW-CHANGE is then
// for a view it cannot have asked for before. Until then it counts against f.
export class RestartGuard {
  private amnesiac: boolean;
  /** Views peers reported right after the restart, until 2f of them fix the estimate. */
  private readonly peerViews = new Map<number, number>();
  /** The highest view this replica may have voted in before it crashed. */
  private votedUpToView: number | undefined;

  constructor(
    restarted: boolean,
    /** 2f: STATUS reports needed to fix the estimate. */
    private readonly reportsNeeded: number,
  ) {
    this.amnesiac = restarted;
  }

  get recovering(): boolean {
    return this.amnesiac;
  }

  /** A peer's STATUS: a Byzantine peer can only delay the return to voting. */
  observe(peer: number, view: number): void {
    if (!this.amnesiac || this.votedUpToView !== undefined) return;
    this.peerViews.set(peer, Math.max(view, this.peerViews.get(peer) ?? 0));
    if (this.peerViews.size >= this.reportsNeeded) this.votedUpToView = Math.max(...this.peerViews.values());
  }

  /** Whether votes may be signed now; the first true ends the recovery for good. */
  mayVote(active: boolean, view: number, caughtUp: boolean): boolean {
    if (!this.amnesiac) return true;
    if (this.votedUpToView === undefined || !active || view <= this.votedUpToView || !caughtUp) return false;
    this.amnesiac = false;
    return true;
  }
}
