// Starting a view change (OSDI'99 §4.4, §4.5.2): a backup whose timer fired, or that
// sees f+1 replicas ask for a higher view, multicasts VIEW-CHANGE ⟨v+1, n, C, P, i⟩; once
// 2f+1 want the view, its primary sends NEW-VIEW (new-view-entry.ts).
import { persist } from './durability.ts';
import type { Signed, ViewChange } from './messages.ts';
import { sendNewView } from './new-view-entry.ts';
import { mayVote } from './recovery.ts';
import type { Replica } from './replica.ts';
import type { ViewChangeReason } from './replica-io.ts';
import { resendNewView } from './retransmission.ts';

/** Moves to `newView`, stops normal-case work and multicasts VIEW-CHANGE ⟨v+1, n, C, P, i⟩. */
export function startViewChange(replica: Replica, newView: number, reason: ViewChangeReason, nowMs: number): void {
  if (newView <= replica.view && !replica.active) return;
  replica.view = newView;
  replica.active = false;
  replica.timer.viewChangeStarted();
  replica.pending.clear();
  replica.ordered.clear();
  const stable = replica.checkpoints.stable;
  const prepared = replica.certificates.within(stable.seq, stable.seq + replica.config.logWindow);
  replica.emit({ type: 'view-change', view: newView, reason, prepared: prepared.map(({ prePrepare }) => prePrepare.message.seq) });
  if (!mayVote(replica) || !replica.restartGuard.mayAskFor(newView)) {
    // Without memory of its earlier votes it only moves along, waiting for a NEW-VIEW.
    replica.ownViewChange = undefined;
    // Voting again but barred from this view, it still wants the view changed: its timer
    // may start (see barredSelf), and when it fires the replica asks for a view it may.
    if (!replica.restartGuard.recovering) afterViewChangeVote(replica, nowMs);
    return;
  }
  const viewChange = replica.sign<ViewChange>({ type: 'view-change', newView, stableSeq: stable.seq, checkpointProof: stable.proof, prepared, replica: replica.id });
  replica.ownViewChange = viewChange;
  replica.viewChanges.record(viewChange);
  replica.viewChangeResendAtMs = nowMs + replica.config.viewChangeResendMs;
  persist(replica, { kind: 'frame', signed: viewChange });
  replica.broadcast(viewChange);
  afterViewChangeVote(replica, nowMs);
}

export function onViewChange(replica: Replica, signed: Signed<ViewChange>, nowMs: number): void {
  const { replica: sender, newView } = signed.message;
  // A VIEW-CHANGE for the view we are active in: the sender missed the NEW-VIEW. Only
  // the primary can help, by resending it; answering with our own VIEW-CHANGE would make
  // two active replicas answer each other forever.
  if (newView === replica.view && replica.active) {
    replica.viewChanges.record(signed);
    if (replica.isPrimary) resendNewView(replica, { kind: 'replica', id: sender }, nowMs);
    return;
  }
  if (!replica.viewChanges.record(signed)) return;
  if (joinIfSuspected(replica, nowMs)) return;
  if (newView >= replica.view) afterViewChangeVote(replica, nowMs);
}

/**
 * §4.5.2: f+1 replicas asking for views above ours include a correct one, so join
 * them, at the smallest view of such a set. Fewer cannot force a view change.
 */
function joinIfSuspected(replica: Replica, nowMs: number): boolean {
  const target = replica.viewChanges.joinTarget(replica.view, replica.id, replica.quorums.weak);
  if (target === undefined) return false;
  startViewChange(replica, target, 'joined', nowMs);
  return true;
}

/**
 * §4.5.2: the timer starts once 2f+1 want this view or a later one (a replica that asks
 * for v+1 has given up on v as well: counting only exact votes, a backup whose peer moved
 * on before the third vote for v arrived would wait for v's NEW-VIEW forever, with no
 * timer to take it to v+1). The new primary sends NEW-VIEW once 2f+1 ask for this view.
 */
function afterViewChangeVote(replica: Replica, nowMs: number): void {
  if (replica.active) return;
  if (replica.viewChanges.countAtLeast(replica.view) + barredSelf(replica) < replica.quorums.strong) return;
  replica.timer.startIfStopped(nowMs);
  const votes = replica.viewChanges.forView(replica.view);
  if (votes.length < replica.quorums.strong) return;
  if (replica.isPrimary && mayVote(replica) && replica.restartGuard.mayAskFor(replica.view)) sendNewView(replica, votes.slice(0, replica.quorums.strong), nowMs);
}

/**
 * 1 for a replica that votes again after a restart without memory but may not ask for
 * this view, one it may have asked for before the crash (views up to E+1,
 * restart-guard.ts): it wants the view changed as much as a replica whose VIEW-CHANGE is
 * counted. Without this, a primary of E that dies after such a replica resumed voting in
 * E leaves 2f VIEW-CHANGEs for E+1 in an n=3f+1 cluster: no timer starts and no view
 * after E+1 is ever asked for. Counted, its timer fires, it asks for E+2, and that third
 * vote starts the others' timers (§4.5.2). It covers one barred view and one barred
 * replica only: with two barred views (E raised by a lying RECOVERY-REPLY while the
 * cluster was still below E) or two barred replicas at n=7, the count still falls short.
 * Those need the others to count a barred replica too (notebook, 2026-11-30).
 */
function barredSelf(replica: Replica): number {
  return replica.ownViewChange === undefined && !replica.restartGuard.recovering && !replica.restartGuard.mayAskFor(replica.view) ? 1 : 0;
}
