// A replica restarted without its memory of what it signed must not vote twice for one
// (v, n), nor sign a second, different VIEW-CHANGE for a view it asked for before. So it
// casts no vote (PRE-PREPARE, PREPARE, COMMIT, VIEW-CHANGE, NEW-VIEW) until it knows a view
// E above every view it could have been in before it crashed, and then votes again only
// once it is active in a view c > E (by a NEW-VIEW it did not vote for) and has caught up
// to that view's min-s. Everything it signs afterwards is for views above E.
//
// The estimate E (the TOCS 2002 recovery protocol, Castro & Liskov §4.3, also estimates
// from 2f+1 fresh replies): the replica broadcasts RECOVERY-QUERY with a nonce fresh for
// this incarnation and takes E = the highest view credited by RECOVERY-REPLYs for that
// nonce from 2f+1 distinct other replicas.
//
// Why E is high enough (safety). Let x be the highest view the replica was in before the
// crash. A correct replica enters a view y only (a) by a NEW-VIEW for y, which carries
// 2f+1 VIEW-CHANGEs for y; (b) by its timer, from view y-1 in which it was active (so a
// NEW-VIEW for y-1 exists) or held 2f+1 VIEW-CHANGEs for y-1 (§4.5.2: the timer starts
// only then); or (c) by joining f+1 replicas that asked for views >= y, one of them correct
// and so already in a view >= y. Following (c) back to the first correct replica that
// reached a view >= x, 2f+1 replicas signed VIEW-CHANGEs for a view >= x-1, and, if the
// replica was active in x, 2f+1 signed VIEW-CHANGEs for x itself. At most f of those
// signers are faulty and one is the replica itself, so at least f other correct replicas
// are in views >= x-1 (>= x if it was active in x) and stay there: views never decrease.
// 2f+1 replies from distinct others leave out only f-1 of the 3f others, so at least one
// of those f answers, and the nonce makes its answer newer than the crash. Hence E >= x-1,
// and E >= x for every view in which the replica prepared or committed. Active in c > E,
// c >= x: it prepared and committed nothing in c before (it was at most asking for c), and
// its next VIEW-CHANGE is for c+1 > x, a view it never asked for. Lies do not lower E: E is
// a maximum, f liars can only leave out their own answers, and slow correct replicas are
// covered by the count above (a replica restarted without memory answers nothing while it
// recovers, so it counts against f like any faulty one).
//
// Why E stays within reach (liveness). A reply's view is credited only up to u+1, where u
// is the (f+1)-th highest view among the VIEW-CHANGEs its proof carries from distinct
// signers: f+1 signers include a correct replica, so some correct replica is in a view
// >= u. A correct replica in view v can always vouch for v this way (cases a-c above leave
// it holding f+1 VIEW-CHANGEs for views >= v-1), while a liar claiming view 10^6 is
// credited at most one above the highest view a correct replica is in. E is fixed once, so
// two view changes after the restart at most bring the replica back to voting.
//
// Without a view change (TOCS 2002 §4.3 ends recovery at a checkpoint, for the same
// reason): a healthy cluster may never change views, and a replica that never votes again
// leaves it with no slack for the next fault. So the replies also carry each sender's
// certified stable checkpoint, and S is their maximum. Before the crash the replica voted
// only within its window (h', h'+L], where h' was stable there: 2f+1 replicas signed
// CHECKPOINTs for h', so (as above) a correct replier among the 2f+1 executed h', which it
// can only have done with a stable checkpoint >= h'-L. So S >= h'-L, and every vote the
// replica cast was for a sequence number <= S+2L. Once its own stable checkpoint reaches
// S+2L (and it has caught up), it may prepare and commit again in its current view: those
// sequence numbers are all above h, so none of them was voted on before, and its
// VIEW-CHANGEs report a stable checkpoint that covers every certificate it may have lost.
// Only VIEW-CHANGEs (and NEW-VIEWs) for views <= E+1 stay forbidden: it may have asked for
// those before. A liar cannot raise S: a stable checkpoint comes with 2f+1 signatures.
import { bytesEqual } from './bytes.ts';
import { NONCE_BYTES } from './encoding.ts';
import type { RecoveryReply, Signed, ViewChange } from './messages.ts';

export class RestartGuard {
  private amnesiac: boolean;
  /** Credited view and certified stable checkpoint per replier, for this incarnation's nonce, until 2f+1 fix the estimate. */
  private readonly credited = new Map<number, { readonly view: number; readonly stableSeq: number }>();
  /** E: above every view this replica may have been in before it crashed. */
  private votedUpToView: number | undefined;
  /** S: the highest certified stable checkpoint among the replies (see the header). */
  private peersStableSeq = 0;

  /** This incarnation's RECOVERY-QUERY nonce, from the driver (fresh random bytes per restart). */
  private readonly incarnationNonce: Uint8Array | undefined;

  constructor(
    restarted: boolean,
    nonce: Uint8Array | undefined,
    /** 2f+1: replies needed to fix the estimate. */
    private readonly repliesNeeded: number,
    /** f+1: distinct VIEW-CHANGE signers that vouch for a view. */
    private readonly vouchersNeeded: number,
  ) {
    // The nonce is what makes a reply newer than the crash; a clock that restarts with the
    // process could repeat one, so the driver must supply fresh random bytes.
    if (restarted && nonce === undefined) throw new Error('a replica restarted without memory needs a fresh recoveryNonce');
    if (nonce !== undefined && nonce.length !== NONCE_BYTES) throw new Error(`recovery nonce must be ${NONCE_BYTES} bytes`);
    this.incarnationNonce = nonce;
    this.amnesiac = restarted;
  }

  get nonce(): Uint8Array | undefined {
    return this.incarnationNonce;
  }

  get recovering(): boolean {
    return this.amnesiac;
  }

  /** Whether the estimate E is still open, so RECOVERY-QUERY is still worth sending. */
  get estimating(): boolean {
    return this.amnesiac && this.votedUpToView === undefined;
  }

  /** The estimate E, once fixed (for tests and traces). */
  get estimate(): number | undefined {
    return this.votedUpToView;
  }

  /** Whether a reply from `replica` would still count: same nonce, first from that replica. */
  wants(reply: RecoveryReply): boolean {
    return this.estimating && this.nonce !== undefined && bytesEqual(reply.nonce, this.nonce) && !this.credited.has(reply.replica);
  }

  /**
   * A RECOVERY-REPLY whose signatures the gateway checked (the reply's, and each proof
   * VIEW-CHANGE's own). Returns the view credited to it.
   */
  observe(reply: RecoveryReply): number {
    const view = creditedView(reply, this.vouchersNeeded);
    if (!this.wants(reply)) return view;
    this.credited.set(reply.replica, { view, stableSeq: reply.stableSeq });
    if (this.credited.size >= this.repliesNeeded) {
      const replies = [...this.credited.values()];
      this.votedUpToView = Math.max(...replies.map((credited) => credited.view));
      this.peersStableSeq = Math.max(...replies.map((credited) => credited.stableSeq));
    }
    return view;
  }

  /**
   * Whether PREPARE, COMMIT and PRE-PREPARE may be signed now: active and caught up, in a
   * view above E, or with a stable checkpoint at S+2L or above (see the header). The first
   * true ends the recovery for good.
   */
  mayVote(active: boolean, view: number, caughtUp: boolean, lowWatermark: number, logWindow: number): boolean {
    if (!this.amnesiac) return true;
    if (this.votedUpToView === undefined || !active || !caughtUp) return false;
    if (view <= this.votedUpToView && lowWatermark < this.peersStableSeq + 2 * logWindow) return false;
    this.amnesiac = false;
    return true;
  }

  /** Whether a VIEW-CHANGE or NEW-VIEW for `view` may be signed: never for a view <= E+1, which it may have asked for before. */
  mayAskFor(view: number): boolean {
    return this.votedUpToView === undefined ? !this.amnesiac : view > this.votedUpToView + 1;
  }

  /** S+2L once fixed: the stable checkpoint that ends recovery without a view change (for tests and traces). */
  checkpointGoal(logWindow: number): number | undefined {
    return this.votedUpToView === undefined ? undefined : this.peersStableSeq + 2 * logWindow;
  }
}

/**
 * The view a reply is credited with: its claim, but at most one above the (f+1)-th highest
 * view among the proof's VIEW-CHANGEs from distinct signers (0 with fewer vouchers).
 */
export function creditedView(reply: RecoveryReply, vouchersNeeded: number): number {
  const highest = new Map<number, number>();
  for (const { message } of reply.proof) highest.set(message.replica, Math.max(highest.get(message.replica) ?? 0, message.newView));
  const views = [...highest.values()].sort((a, b) => b - a);
  const vouched = views[vouchersNeeded - 1] ?? 0;
  return Math.min(reply.view, vouched + 1);
}

/** The proof a replier sends: its newest VIEW-CHANGE per signer, highest views first, f+1 of them. */
export function recoveryProof(latest: readonly Signed<ViewChange>[], vouchers: number): Signed<ViewChange>[] {
  return [...latest].sort((a, b) => b.message.newView - a.message.newView || a.message.replica - b.message.replica).slice(0, vouchers);
}
