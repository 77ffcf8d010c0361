// NEW-VIEW (OSDI'99 §4.4): the new primary computes O from 2f+1 VIEW-CHANGEs; backups
// recompute it, and everyone enters the view: adopt min-s as stable checkpoint, install
// O's PRE-PREPAREs (fetching batches known only by digest, batch-fetch.ts) and resume.
import { bytesEqual } from './bytes.ts';
import { makeStable } from './checkpointing.ts';
import { attachBatch, headerOf } from './encoding.ts';
import { persist } from './durability.ts';
import { executeReady, restartRequestTimer } from './execution.ts';
import { hasFlaw } from './flaws.ts';
import type { FetchBatch, NewView, PrePrepare, PrePrepareHeader, Signed, ViewChange } from './messages.ts';
import { matchesPlan, type NewViewPlan, NULL_DIGEST, planNewView } from './new-view.ts';
import { acceptPrePrepare } from './normal-case.ts';
import type { Replica } from './replica.ts';
import { primaryOf } from './quorum.ts';
import { startViewChange } from './view-change.ts';

/** §4.4: NEW-VIEW ⟨v+1, V, O⟩ with O computed from V. */
export function sendNewView(replica: Replica, viewChanges: readonly Signed<ViewChange>[], nowMs: number): void {
  const plan = planNewView(viewChanges.map((signed) => signed.message));
  const prePrepares = plan.digests.map(({ seq, digest }) =>
    headerOf(replica.sign<PrePrepare>({ type: 'pre-prepare', view: replica.view, seq, digest, replica: replica.id, batch: [] })),
  );
  const newView = replica.sign<NewView>({ type: 'new-view', newView: replica.view, viewChanges, prePrepares, replica: replica.id });
  persist(replica, { kind: 'frame', signed: newView });
  replica.broadcast(newView);
  enterView(replica, newView, plan, nowMs);
}

export function onNewView(replica: Replica, signed: Signed<NewView>, nowMs: number): void {
  const { newView, viewChanges, prePrepares } = signed.message;
  if (newView === replica.view && replica.active) return;
  // §4.4: recompute O from V; a primary whose O differs is faulty.
  const plan = planNewView(viewChanges.map((viewChange) => viewChange.message));
  const mismatch = hasFlaw(replica.config, 'new-view-o-not-recomputed') ? undefined : matchesPlan(plan, newView, prePrepares);
  // V is 2f+1 valid VIEW-CHANGEs either way (the gateway checked them): keep them, they
  // are what vouches for our view to a restarted peer (restart-guard.ts).
  for (const viewChange of viewChanges) replica.viewChanges.record(viewChange);
  if (mismatch !== undefined) {
    replica.drop({ kind: 'replica', id: signed.message.replica }, 'bad-new-view', mismatch, 'new-view');
    replica.view = Math.max(replica.view, newView);
    replica.active = false;
    replica.timer.doubleTimeout();
    startViewChange(replica, newView + 1, 'bad-new-view', nowMs);
    return;
  }
  // Logged before the PREPAREs for O: a restart comes back in this view, with O's digests.
  persist(replica, { kind: 'frame', signed });
  enterView(replica, signed, plan, nowMs);
}

/** §4.4: adopt min-s, then run prepare and commit for every entry of O in the new view. */
function enterView(replica: Replica, signed: Signed<NewView>, plan: NewViewPlan, nowMs: number): void {
  const view = signed.message.newView;
  replica.view = view;
  replica.active = true;
  replica.newView = signed;
  replica.viewStartSeq = plan.minS;
  replica.viewChangesCompleted++;
  forgetUnorderableRequests(replica);
  restartRequestTimer(replica, nowMs);
  adoptCheckpoint(replica, plan, nowMs);
  replica.log.discardViewsBelow(view);
  for (const header of signed.message.prePrepares) installFromNewView(replica, header, nowMs);
  replica.lastAssigned = Math.max(plan.maxS, replica.lowWatermark, replica.lastExecuted);
  const inO = requestsInO(replica);
  if (replica.isPrimary) adoptWaitingRequests(replica, inO);
  else relayWaitingRequests(replica, inO);
  const nulls = plan.digests.filter(({ digest }) => bytesEqual(digest, NULL_DIGEST)).length;
  replica.emit({ type: 'new-view', view, minS: plan.minS, maxS: plan.maxS, nulls });
  replica.replayFuture(nowMs);
  executeReady(replica, nowMs);
}

/**
 * A new primary orders the requests it held as a backup, in client order, instead of
 * waiting for clients to retransmit them (while backups' timers run again).
 */
function adoptWaitingRequests(replica: Replica, inO: ReadonlySet<string>): void {
  const clients = [...replica.waiting.keys()].sort((a, b) => a - b);
  for (const client of clients) {
    const { timestamp, request } = replica.waiting.get(client)!;
    if (request !== undefined && !inO.has(`${client}:${timestamp}`)) replica.pending.set(client, request);
  }
}

/**
 * 'mac' mode (auth.ts): a correct primary orders only requests whose signature verifies,
 * but a backup takes requests from a PRE-PREPARE on its own MAC alone. One whose signature
 * is bad (a faulty client's, planted by a faulty primary) would never be ordered by a
 * correct primary, and its timer would vote that primary out; so, once per view change,
 * such requests are forgotten before the timer restarts and before a new primary orders them.
 */
function forgetUnorderableRequests(replica: Replica): void {
  for (const [client, waiting] of replica.waiting) {
    const { request } = waiting;
    if (request === undefined || waiting.signatureChecked) continue;
    const key = replica.config.clientKey(client);
    if (key === undefined || !replica.config.crypto.verify(key, request.signedBytes, request.signature)) replica.waiting.delete(client);
    else replica.waiting.set(client, { ...waiting, signatureChecked: true });
  }
}

/**
 * §4.4: a backup relays to the new primary the requests it holds and O does not order:
 * those it got while between views, or from a PRE-PREPARE of the old view that never
 * prepared. Otherwise its timer would run for requests the primary never saw, and a
 * faulty client (sending only to backups between views) or a faulty old primary could
 * have a correct new primary voted out.
 */
function relayWaitingRequests(replica: Replica, inO: ReadonlySet<string>): void {
  const primary = { kind: 'replica' as const, id: primaryOf(replica.view, replica.config.n) };
  for (const [client, { timestamp, request }] of replica.waiting) {
    if (request !== undefined && !inO.has(`${client}:${timestamp}`)) replica.send(primary, request);
  }
}

/** The requests O orders, as client:t. */
function requestsInO(replica: Replica): Set<string> {
  const inO = new Set<string>();
  for (const entry of replica.log.ordered()) {
    for (const request of entry.prePrepare?.message.batch ?? []) inO.add(`${request.message.client}:${request.message.timestamp}`);
  }
  return inO;
}

/** min-s becomes our stable checkpoint if our state there matches; otherwise state transfer follows. */
function adoptCheckpoint(replica: Replica, plan: NewViewPlan, nowMs: number): void {
  if (plan.minS <= replica.lowWatermark || plan.checkpointProof.length === 0) return;
  const own = replica.checkpoints.ownAt(plan.minS);
  const digest = plan.checkpointProof[0]!.message.digest;
  if (own !== undefined && bytesEqual(own.digest, digest)) {
    makeStable(replica, { seq: plan.minS, digest, proof: plan.checkpointProof }, own, nowMs);
  }
}

function installFromNewView(replica: Replica, header: Signed<PrePrepareHeader>, nowMs: number): void {
  const { seq, digest } = header.message;
  if (seq <= replica.lowWatermark) return;
  const entry = replica.log.entryFor(replica.view, seq, nowMs);
  const batch = replica.batches.get(digest);
  if (batch === undefined) {
    // O carries digests only: the entry holds its slot under d while the batch is
    // fetched, and only a batch that hashes to d completes it (§4.4).
    const fetch = replica.sign<FetchBatch>({ type: 'fetch-batch', digest, replica: replica.id });
    entry.awaited = { header, fetch, fetchedAtMs: nowMs };
    replica.broadcast(fetch);
    return;
  }
  acceptPrePrepare(replica, entry, attachBatch(header, batch), nowMs);
}
