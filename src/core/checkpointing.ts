// Checkpoints and garbage collection (OSDI'99 §4.3): every K requests a replica signs a
// CHECKPOINT of its state; 2f+1 matching ones make it stable, which moves the low
// watermark h and discards the log, certificates and batches at or below it.
import { bytesEqual } from './bytes.ts';
import { type Certificate, CheckpointTracker, type OwnCheckpoint, type StableCheckpoint, stateDigest } from './checkpoints.ts';
import { persist, persistStableCheckpoint } from './durability.ts';
import { checkpointedClientTable, hasFlaw } from './flaws.ts';
import type { Peer } from './gateway.ts';
import type { Checkpoint, Signed } from './messages.ts';
import { tryPropose } from './normal-case.ts';
import type { Replica } from './replica.ts';

/**
 * The checkpoint tracker of a new replica: the initial state is stable at n=0 without a
 * proof. Each replica keeps at most L/K + 2 CHECKPOINT votes per sender.
 */
export function createCheckpointTracker(replica: Replica): CheckpointTracker {
  const votesPerSender = replica.config.logWindow / replica.config.checkpointInterval + 2;
  const store = replica.store.snapshot();
  const digest = stateDigest(replica.config.crypto.sha256, store, checkpointedClientTable(replica.config, replica.clients.encode()));
  const initial: StableCheckpoint = { seq: 0, digest, proof: [], snapshot: { store, clients: replica.clients.snapshot() }, own: undefined };
  const quorums = hasFlaw(replica.config, 'checkpoint-stable-on-2f') ? { ...replica.quorums, strong: replica.quorums.strong - 1 } : replica.quorums;
  return new CheckpointTracker(quorums, votesPerSender, initial);
}

export function takeCheckpoint(replica: Replica, seq: number, nowMs: number): void {
  const storeSnapshot = replica.store.snapshot();
  const digest = stateDigest(replica.config.crypto.sha256, storeSnapshot, checkpointedClientTable(replica.config, replica.clients.encode()));
  const signed = replica.sign<Checkpoint>({ type: 'checkpoint', seq, digest, replica: replica.id });
  replica.checkpoints.recordOwn({ seq, digest, signed, snapshot: { store: storeSnapshot, clients: replica.clients.snapshot() } });
  replica.checkpoints.addVote(signed);
  replica.emit({ type: 'checkpoint', seq, digest });
  persist(replica, { kind: 'frame', signed });
  replica.broadcast(signed);
  tryStabilize(replica, seq, nowMs);
}

export function onCheckpoint(replica: Replica, from: Peer, signed: Signed<Checkpoint>, nowMs: number): void {
  if (replica.checkpoints.addVote(signed) === 'full') {
    replica.drop(from, 'checkpoint-buffer-full', `replica ${signed.message.replica} n=${signed.message.seq}`, 'checkpoint');
    return;
  }
  tryStabilize(replica, signed.message.seq, nowMs);
}

function tryStabilize(replica: Replica, seq: number, nowMs: number): void {
  if (seq <= replica.lowWatermark) return;
  const certificate = replica.checkpoints.certificateAt(seq);
  const own = replica.checkpoints.ownAt(seq);
  // Without our own checkpoint at seq we are behind: peers send their state when our
  // STATUS shows it (state transfer, below).
  if (certificate === undefined || own === undefined) return;
  if (!bytesEqual(certificate.digest, own.digest)) {
    // 2f+1 replicas, f+1 of them correct, certify another state: ours is wrong. Stop
    // executing on it and fetch the certified state (state transfer) instead of stalling.
    replica.emit({ type: 'checkpoint-mismatch', seq, own: own.digest, certified: certificate.digest });
    replica.stateSuspectAt ??= seq;
    return;
  }
  makeStable(replica, certificate, own, nowMs);
}

export function makeStable(replica: Replica, certificate: Certificate, own: OwnCheckpoint, nowMs: number): void {
  const seq = certificate.seq;
  replica.checkpoints.makeStable(certificate, own);
  if (!hasFlaw(replica.config, 'log-not-garbage-collected')) replica.log.discardThrough(seq);
  replica.certificates.discardThrough(seq);
  replica.batches.discardThrough(seq);
  for (const certified of replica.certified.keys()) if (certified <= seq) replica.certified.delete(certified);
  persistStableCheckpoint(replica);
  replica.emit({ type: 'stable-checkpoint', seq, digest: certificate.digest });
  replica.replayFuture(nowMs);
  if (replica.isPrimary && replica.active) tryPropose(replica, nowMs);
}
