// Durability: what a replica writes before it speaks, and how it comes back from its disk.
//
// The rules (MirBFT and Fabric v0.6 PBFT persist their votes and Q/P sets before sending;
// CometBFT fsyncs its own votes before they leave):
//   1. Nothing that binds the replica leaves before a record of it is durable: its own
//      PRE-PREPARE with the batch (§4.2), PREPARE, COMMIT, CHECKPOINT (§4.3), VIEW-CHANGE
//      and NEW-VIEW (§4.4). The core emits `persist` outputs ahead of the sends that depend
//      on them; drivers append them, sync once, then send (replica-io.ts).
//   2. A PRE-PREPARE it accepts is logged with its batch before its PREPARE leaves, so no
//      REPLY for n precedes n's batch on disk; a batch executed from a commit certificate
//      is logged before its replies (CERTIFIED).
//   3. A prepared certificate is logged before the COMMIT it allows. Without it, a
//      replica that restarted would send a VIEW-CHANGE without a certificate it had, and
//      a request committed with its COMMIT could be lost by the next view (§4.4's P is
//      what carries committed requests across views).
//   4. A stable checkpoint (§4.3) is written whole: the state with its 2f+1 proof and the
//      records still live above it, so the WAL before it can be dropped. The driver writes
//      it atomically, and drops older segments only when the replica is in a view, never
//      during a view change (`truncate`).
// On restart the replica loads the checkpoint and replays the records (restoreFromDisk):
// its view is the highest it logged, its log entries of that view come back with its own
// votes and the certificates, and the sign guard (sign-guard.ts) refuses any different
// digest for a (v, n, phase) it logged. It need not ask anyone for its view, unlike a
// replica that lost its disk (restart-guard.ts), which is the fallback.
import { bytesEqual } from './bytes.ts';
import type { StableCheckpoint } from './checkpoints.ts';
import { stateDigest } from './checkpoints.ts';
import { clientRows } from './client-table.ts';
import { decodeCheckpointFile, decodeRecord, encodeCheckpointFile, encodeRecord, type DurableRecord } from './durable-records.ts';
import { attachBatch } from './encoding.ts';
import { executeReady } from './execution.ts';
import { checkpointedClientTable } from './flaws.ts';
import type { Checkpoint, FetchBatch, NewView, PrePrepare, Signed, StateTransfer, ViewChange } from './messages.ts';
import { planNewView } from './new-view.ts';
import type { Replica } from './replica.ts';
import { noteWaiting } from './requests.ts';
import { acceptPrePrepare } from './normal-case.ts';

/** The name drivers give the one checkpoint file a replica keeps: its last stable checkpoint. */
export const STABLE_CHECKPOINT = 'stable';

/** What a driver read back from the replica's storage at start-up. */
export interface DiskContents {
  /** The last stable checkpoint file, if one was written. */
  readonly checkpoint: Uint8Array | undefined;
  /** Every whole WAL record, oldest first (storage.recover()). */
  readonly records: readonly Uint8Array[];
}

/** @internal Rule 1-3: a record goes out ahead of the sends that depend on it. */
export function persist(replica: Replica, record: DurableRecord): void {
  replica.persistRecord(encodeRecord(record));
}

/** Rule 4: the new stable checkpoint, with the records still live above it. */
export function persistStableCheckpoint(replica: Replica): void {
  const stable = replica.checkpoints.stable;
  if (stable.proof.length === 0) return; // The initial state needs no file.
  const state: StateTransfer = { type: 'state', seq: stable.seq, proof: stable.proof, store: stable.snapshot.store, clients: clientRows(stable.snapshot.clients), replica: replica.id };
  replica.persistCheckpoint(stable.seq, encodeCheckpointFile({ state, records: liveRecords(replica) }), replica.active);
}

/** Everything the WAL holds that still matters above h: what a restart needs besides the state. */
function liveRecords(replica: Replica): DurableRecord[] {
  const h = replica.lowWatermark;
  const records: DurableRecord[] = [];
  const frame = (signed: Signed | undefined) => {
    if (signed !== undefined) records.push({ kind: 'frame', signed });
  };
  frame(replica.checkpoints.stable.own);
  for (const own of replica.checkpoints.ownAbove(h)) frame(own);
  frame(replica.newView);
  frame(replica.ownViewChange);
  for (const entry of replica.log.ordered()) {
    if (entry.seq <= h || entry.view !== replica.view) continue;
    frame(entry.prePrepare);
    frame(entry.sentPrepare);
    frame(entry.sentCommit);
  }
  for (const certificate of replica.certificates.within(h, Infinity)) {
    records.push({ kind: 'certificate', certificate });
    // Its batch too, if held: the certificate carries only the digest (see restoreFrame).
    const batch = replica.batches.get(certificate.prePrepare.message.digest);
    if (batch !== undefined && batch.length > 0 && certificate.prePrepare.message.view !== replica.view) frame(attachBatch(certificate.prePrepare, batch));
  }
  for (const [seq, prePrepare] of replica.certified) if (seq > h) records.push({ kind: 'certified', prePrepare });
  return records;
}

/** Thrown when the disk holds something no correct replica could have written: refuse to start. */
export class DiskStateError extends Error {
  constructor(message: string) {
    super(`durable state is inconsistent: ${message}; refusing to start`);
    this.name = 'DiskStateError';
  }
}

/**
 * Rebuilds a replica from its checkpoint and WAL. Records may repeat (a checkpoint file
 * copies live ones) and come in any order: each rule below keeps the highest view or
 * the first frame, so replay is idempotent.
 */
export function restoreFromDisk(replica: Replica, disk: DiskContents): void {
  const records: DurableRecord[] = [];
  if (disk.checkpoint !== undefined) {
    const file = decodeCheckpointFile(disk.checkpoint);
    installCheckpoint(replica, file.state);
    // One by one: a checkpoint may carry more records than a call takes as arguments.
    for (const record of file.records) records.push(record);
  }
  for (const bytes of disk.records) records.push(decodeRecord(bytes));
  const h = replica.lowWatermark;

  // The view: the highest this replica entered (a NEW-VIEW it sent or accepted) or asked
  // for (its VIEW-CHANGE). Asked for and not entered: it is still changing views.
  let viewChange: Signed<ViewChange> | undefined;
  let newView: Signed<NewView> | undefined;
  for (const record of records) {
    if (record.kind !== 'frame') continue;
    const message = record.signed.message;
    if (message.type === 'view-change' && message.replica === replica.id && message.newView > (viewChange?.message.newView ?? -1)) viewChange = record.signed as Signed<ViewChange>;
    if (message.type === 'new-view' && message.newView > (newView?.message.newView ?? -1)) newView = record.signed as Signed<NewView>;
  }
  const enteredView = newView?.message.newView ?? 0;
  if (viewChange !== undefined && viewChange.message.newView > enteredView) {
    replica.view = viewChange.message.newView;
    replica.active = false;
    replica.ownViewChange = viewChange;
    replica.viewChanges.record(viewChange);
    replica.viewChangeResendAtMs = 0;
  } else {
    replica.view = enteredView;
    replica.active = true;
  }
  if (newView !== undefined) {
    for (const signed of newView.message.viewChanges) replica.viewChanges.record(signed);
    if (replica.active) {
      replica.newView = newView;
      const plan = planNewView(newView.message.viewChanges.map((signed) => signed.message));
      replica.viewStartSeq = plan.minS;
      replica.lastAssigned = Math.max(replica.lastAssigned, plan.maxS);
    }
  }

  for (const record of records) restoreRecord(replica, record, h);
  if (replica.active && newView !== undefined) restoreNewViewEntries(replica, newView);
  restoreCertifiedPrepares(replica);
  replica.lastAssigned = Math.max(replica.lastAssigned, h);
}

function installCheckpoint(replica: Replica, state: StateTransfer): void {
  const { seq, proof, store, clients } = state;
  if (state.replica !== replica.id) throw new DiskStateError(`the checkpoint file is replica ${state.replica}'s, this is replica ${replica.id}`);
  if (proof.length < replica.quorums.strong) throw new DiskStateError(`checkpoint ${seq} has ${proof.length} of ${replica.quorums.strong} proof messages`);
  replica.store.restore(store);
  replica.clients.restoreRows(clients);
  const digest = proof[0]!.message.digest;
  const snapshot = { store: replica.store.snapshot(), clients: replica.clients.snapshot() };
  if (!bytesEqual(stateDigest(replica.config.crypto.sha256, snapshot.store, checkpointedClientTable(replica.config, replica.clients.encode())), digest)) {
    throw new DiskStateError(`checkpoint ${seq}'s state does not hash to the digest its proof certifies`);
  }
  const stable: StableCheckpoint = { seq, digest, proof, snapshot, own: undefined };
  replica.checkpoints.stable = stable;
  replica.lastExecuted = seq;
}

function restoreRecord(replica: Replica, record: DurableRecord, h: number): void {
  switch (record.kind) {
    case 'certificate': {
      if (record.certificate.prePrepare.message.seq > h) replica.certificates.keep(record.certificate);
      return;
    }
    case 'certified': {
      const { seq, digest, batch } = record.prePrepare.message;
      if (seq <= h) return;
      replica.certified.set(seq, record.prePrepare);
      replica.batches.remember(digest, batch, seq);
      return;
    }
    case 'frame':
      return restoreFrame(replica, record.signed, h);
  }
}

function restoreFrame(replica: Replica, signed: Signed, h: number): void {
  const message = signed.message;
  const own = 'replica' in message && message.replica === replica.id;
  if (own) replica.signGuard.note(message, signed.signedBytes);
  switch (message.type) {
    case 'pre-prepare': {
      const { view, seq, digest, batch } = message;
      if (seq <= h || seq > replica.highWatermark) return;
      // The batch is kept whatever the view: a certificate from an older view names only
      // its digest, and the next NEW-VIEW's O asks for that batch (§4.4). Without it, a
      // cluster that crashed whole during a view change could not fetch it from anyone.
      replica.batches.remember(digest, batch, seq);
      if (view !== replica.view) return;
      const entry = replica.log.entryFor(view, seq, 0);
      if (entry.prePrepare !== undefined) return;
      if (entry.digest !== undefined && !bytesEqual(entry.digest, digest)) throw new DiskStateError(`two digests logged for v=${view} n=${seq}`);
      entry.prePrepare = signed as Signed<PrePrepare>;
      if (own) replica.lastAssigned = Math.max(replica.lastAssigned, seq);
      return;
    }
    case 'prepare':
    case 'commit': {
      const { view, seq } = message;
      if (!own || view !== replica.view || seq <= h || seq > replica.highWatermark) return;
      const entry = replica.log.entryFor(view, seq, 0);
      if (message.type === 'prepare') {
        entry.sentPrepare ??= signed as Signed<typeof message>;
        entry.prepares.add(replica.id, entry.sentPrepare);
      } else {
        entry.sentCommit ??= signed as Signed<typeof message>;
        entry.commits.add(replica.id, entry.sentCommit);
      }
      return;
    }
    case 'checkpoint':
      // Our CHECKPOINT for h is retransmitted to peers; later ones are signed again, with
      // the same digest (the guard sees to it), when execution reaches them once more.
      if (own && message.seq === h && replica.checkpoints.stable.own === undefined) {
        replica.checkpoints.stable = { ...replica.checkpoints.stable, own: signed as Signed<Checkpoint> };
      }
      return;
    default:
      return;
  }
}

/** O of the NEW-VIEW that started our view: entries without a logged batch wait for it (§4.4). */
function restoreNewViewEntries(replica: Replica, newView: Signed<NewView>): void {
  for (const header of newView.message.prePrepares) {
    const { view, seq, digest } = header.message;
    if (seq <= replica.lowWatermark || seq > replica.highWatermark) continue;
    const entry = replica.log.entryFor(view, seq, 0);
    if (entry.prePrepare !== undefined || entry.awaited !== undefined) continue;
    const batch = replica.batches.get(digest);
    if (batch !== undefined) {
      entry.prePrepare = attachBatch(header, batch);
      continue;
    }
    const fetch = replica.sign<FetchBatch>({ type: 'fetch-batch', digest, replica: replica.id });
    entry.awaited = { header, fetch, fetchedAtMs: -Infinity };
  }
}

/** An entry of our view whose certificate came back gets its PREPAREs back; resume prepares it again. */
function restoreCertifiedPrepares(replica: Replica): void {
  for (const certificate of replica.certificates.within(replica.lowWatermark, Infinity)) {
    const { view, seq, digest } = certificate.prePrepare.message;
    const entry = replica.log.get(seq);
    if (entry === undefined || entry.view !== view || entry.prePrepare === undefined || !bytesEqual(entry.prePrepare.message.digest, digest)) continue;
    for (const prepare of certificate.prepares) entry.prepares.add(prepare.message.replica, prepare);
  }
}

/**
 * On the first input after a restore, each logged entry of our view takes up where the
 * crash left it: a backup that logged a PRE-PREPARE but may not have sent its PREPARE
 * sends it (the same bytes if it had), an entry with its certificate prepares again and
 * sends its COMMIT, and the requests wait again (so the timer watches the primary, §4.4).
 * Batches proven committed execute. Peers' STATUS answers bring the rest (TOCS 2002).
 */
export function resumeAfterRestore(replica: Replica, nowMs: number): void {
  for (const entry of replica.log.ordered()) {
    if (entry.seq <= replica.lastExecuted || entry.prePrepare === undefined || entry.view !== replica.view) continue;
    if (replica.isPrimary) {
      for (const request of entry.prePrepare.message.batch) replica.ordered.set(request.message.client, Math.max(replica.ordered.get(request.message.client) ?? 0, request.message.timestamp));
    }
    if (replica.active) acceptPrePrepare(replica, entry, entry.prePrepare, nowMs);
    else for (const request of entry.prePrepare.message.batch) noteWaiting(replica, request.message.client, request.message.timestamp, nowMs, request);
  }
  executeReady(replica, nowMs);
}

