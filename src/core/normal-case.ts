// Normal-case operation (OSDI'99 §4.2): the primary assigns a batch a sequence number
// in a PRE-PREPARE; replicas PREPARE it, and once 2f+1 agree (prepared) they COMMIT;
// 2f+1 matching COMMITs make it committed-local, and execution follows in order.
import { bytesEqual } from './bytes.ts';
import { encodeBatch } from './encoding.ts';
import { persist } from './durability.ts';
import { executeReady } from './execution.ts';
import { commitQuorum, hasFlaw } from './flaws.ts';
import type { LogEntry } from './log.ts';
import type { Commit, Prepare, PrePrepare, Signed, SignedRequest } from './messages.ts';
import { mayVote } from './recovery.ts';
import type { Replica } from './replica.ts';
import { noteWaiting } from './requests.ts';
import { replyTentatively } from './tentative.ts';

/** Primary: assigns batches to sequence numbers while the window and pipeline allow (§4.2). */
export function tryPropose(replica: Replica, nowMs: number): void {
  const { maxBatch, maxInflightBatches } = replica.config;
  replica.lastAssigned = Math.max(replica.lastAssigned, replica.lastExecuted, replica.lowWatermark);
  while (
    replica.isPrimary &&
    mayVote(replica) &&
    replica.pending.size > 0 &&
    replica.lastAssigned < replica.highWatermark &&
    replica.lastAssigned - replica.lastExecuted < maxInflightBatches
  ) {
    const batch: SignedRequest[] = [];
    for (const [client, request] of replica.pending) {
      if (batch.length === maxBatch) break;
      batch.push(request);
      replica.pending.delete(client);
      replica.ordered.set(client, request.message.timestamp);
    }
    const seq = ++replica.lastAssigned;
    const digest = replica.config.crypto.sha256(encodeBatch(batch));
    const prePrepare = replica.sign<PrePrepare>({ type: 'pre-prepare', view: replica.view, seq, digest, replica: replica.id, batch });
    const entry = replica.log.entryFor(replica.view, seq, nowMs);
    entry.prePrepare = prePrepare;
    replica.batches.remember(digest, batch, seq);
    persist(replica, { kind: 'frame', signed: prePrepare });
    replica.broadcast(prePrepare);
    checkPrepared(replica, entry, nowMs);
  }
}

export function onPrePrepare(replica: Replica, signed: Signed<PrePrepare>, nowMs: number): void {
  const { view, seq } = signed.message;
  const entry = replica.log.entryFor(view, seq, nowMs);
  if (entry.prePrepare !== undefined && !hasFlaw(replica.config, 'pre-prepare-overwritten')) return; // The gateway let it through, so it is the same digest.
  acceptPrePrepare(replica, entry, signed, nowMs);
}

/** Logs a PRE-PREPARE (from the primary or from O) and, as a backup, prepares it (§4.2). */
export function acceptPrePrepare(replica: Replica, entry: LogEntry, signed: Signed<PrePrepare>, nowMs: number): void {
  const { view, seq, digest, batch } = signed.message;
  // §4.2: a backup accepts at most one digest per (v, n); the gateway and O see to it.
  const overwrites = hasFlaw(replica.config, 'pre-prepare-overwritten') || hasFlaw(replica.config, 'o-entry-slot-not-held');
  if (entry.digest !== undefined && !bytesEqual(entry.digest, digest) && !overwrites) throw new Error(`replica ${replica.id}: second digest for v=${view} n=${seq}`);
  entry.prePrepare = signed;
  replica.batches.remember(digest, batch, seq);
  // The batch is on disk before our PREPARE for it leaves, so before any REPLY for n.
  persist(replica, { kind: 'frame', signed });
  for (const request of batch) noteWaiting(replica, request.message.client, request.message.timestamp, nowMs, request);
  if (!replica.isPrimary && mayVote(replica)) {
    const prepare = replica.sign<Prepare>({ type: 'prepare', view, seq, digest, replica: replica.id });
    entry.sentPrepare = prepare;
    entry.prepares.add(replica.id, prepare);
    persist(replica, { kind: 'frame', signed: prepare });
    replica.broadcast(prepare);
  }
  checkPrepared(replica, entry, nowMs);
}

export function onPrepare(replica: Replica, signed: Signed<Prepare>, nowMs: number): void {
  const entry = replica.log.entryFor(signed.message.view, signed.message.seq, nowMs);
  if (!entry.prepares.add(signed.message.replica, signed) && hasFlaw(replica.config, 'votes-counted-per-message')) entry.repeatedVotes.push(signed);
  checkPrepared(replica, entry, nowMs);
}

export function onCommit(replica: Replica, signed: Signed<Commit>, nowMs: number): void {
  const entry = replica.log.entryFor(signed.message.view, signed.message.seq, nowMs);
  if (!entry.commits.add(signed.message.replica, signed) && hasFlaw(replica.config, 'votes-counted-per-message')) entry.repeatedVotes.push(signed);
  checkCommitted(replica, entry, nowMs);
}

function checkPrepared(replica: Replica, entry: LogEntry, nowMs: number): void {
  if (entry.prepared || entry.prePrepare === undefined) return;
  if (entry.matchingPrepares() < replica.quorums.prepares) return;
  entry.prepared = true;
  const certificate = replica.certificates.record(entry, replica.quorums.prepares, hasFlaw(replica.config, 'p-not-latest'));
  // Logged before the COMMIT it allows: a VIEW-CHANGE after a restart must still carry it (§4.4).
  if (certificate !== undefined) persist(replica, { kind: 'certificate', certificate });
  if (!mayVote(replica)) return;
  const commit = replica.sign<Commit>({ type: 'commit', view: entry.view, seq: entry.seq, digest: entry.prePrepare.message.digest, replica: replica.id });
  entry.sentCommit = commit;
  entry.commits.add(replica.id, commit);
  persist(replica, { kind: 'frame', signed: commit });
  replica.broadcast(commit);
  replyTentatively(replica);
  checkCommitted(replica, entry, nowMs);
}

function checkCommitted(replica: Replica, entry: LogEntry, nowMs: number): void {
  if (entry.committed || !entry.prepared || entry.matchingCommits() < commitQuorum(replica.config, replica.quorums)) return;
  entry.committed = true;
  replica.emit({ type: 'committed', view: entry.view, seq: entry.seq, digest: entry.digest! });
  executeReady(replica, nowMs);
}
