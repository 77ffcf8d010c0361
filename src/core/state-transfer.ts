// State transfer and commit certificates (OSDI'99 §4.3, made concrete as in the BFT
// library, TOCS 2002): a replica behind a stable checkpoint installs the certified state
// from a peer; one that missed a committed batch executes it from a commit certificate.
import { makeStable } from './checkpointing.ts';
import { clientRows } from './client-table.ts';
import { persist } from './durability.ts';
import { executeReady } from './execution.ts';
import type { Peer } from './gateway.ts';
import type { Checkpoint, CommitCertificate, Signed, StateTransfer } from './messages.ts';
import type { Replica } from './replica.ts';

/** A peer below our stable checkpoint gets the state there, with its 2f+1 proof. */
export function sendState(replica: Replica, peer: Peer, nowMs: number): void {
  const stable = replica.checkpoints.stable;
  if (stable.proof.length === 0 || nowMs - (replica.stateSentAtMs.get(peer.id) ?? -Infinity) < replica.config.viewChangeResendMs * 4) return;
  replica.stateSentAtMs.set(peer.id, nowMs);
  if (replica.stateMessage?.message.seq !== stable.seq) {
    replica.stateMessage = replica.sign<StateTransfer>({ type: 'state', seq: stable.seq, proof: stable.proof, store: stable.snapshot.store, clients: clientRows(stable.snapshot.clients), replica: replica.id });
  }
  replica.send(peer, replica.stateMessage);
}

/** Whether a STATE for `seq` would move us forward (the gateway asks before checking its proof). */
export function wantsState(replica: Replica, seq: number): boolean {
  // A replica whose state proved wrong at s takes any certified state from s on, even
  // below what it executed: pipelining usually carries it past s before 2f+1 CHECKPOINTs
  // for s arrive, and waiting for a later checkpoint would wait forever in an idle system.
  return seq > replica.lastExecuted || (replica.stateSuspectAt !== undefined && seq >= replica.stateSuspectAt);
}

/** Installs a certified state above ours (the gateway checked the digest against the proof). */
export function onState(replica: Replica, signed: Signed<StateTransfer>, nowMs: number): void {
  const { seq, proof, store, clients, replica: sender } = signed.message;
  if (!wantsState(replica, seq)) return;
  if (seq < replica.lastExecuted) replica.emit({ type: 'state-rollback', fromSeq: replica.lastExecuted, toSeq: seq });
  // A replica that disowned its state (stateSuspectAt) disowns its CHECKPOINTs for it too.
  if (replica.stateSuspectAt !== undefined) {
    replica.signGuard.forgetCheckpointsFrom(replica.stateSuspectAt);
    // Nor resends them, nor logs them with the next checkpoint (durability.ts).
    replica.checkpoints.forgetOwnFrom(replica.stateSuspectAt);
  }
  replica.stateSuspectAt = undefined;
  replica.store.restore(store);
  replica.clients.restoreRows(clients);
  replica.lastExecuted = seq;
  for (const [client, { timestamp }] of [...replica.waiting]) if ((replica.clients.get(client)?.timestamp ?? 0) >= timestamp) replica.waiting.delete(client);
  // §4.4: no request waiting, no timer (executeReady below restarts it if some still wait).
  if (replica.waiting.size === 0 && replica.active) replica.timer.stop();
  const digest = proof[0]!.message.digest;
  const own = replica.sign<Checkpoint>({ type: 'checkpoint', seq, digest, replica: replica.id });
  const snapshot = { store: replica.store.snapshot(), clients: replica.clients.snapshot() };
  replica.checkpoints.recordOwn({ seq, digest, snapshot, signed: own });
  replica.stateTransfers++;
  replica.emit({ type: 'state-transfer', seq, from: sender });
  makeStable(replica, { seq, digest, proof }, { seq, digest, snapshot, signed: own }, nowMs);
  executeReady(replica, nowMs);
}

/** A proven-committed batch we missed: execute it in its turn (§4.2). */
export function onCommitCertificate(replica: Replica, signed: Signed<CommitCertificate>, nowMs: number): void {
  const prePrepare = signed.message.prePrepare;
  const seq = prePrepare.message.seq;
  if (seq <= replica.lastExecuted || seq > replica.highWatermark) return;
  replica.certified.set(seq, prePrepare);
  replica.batches.remember(prePrepare.message.digest, prePrepare.message.batch, seq);
  // On disk before the replies its execution sends.
  persist(replica, { kind: 'certified', prePrepare });
  executeReady(replica, nowMs);
}
