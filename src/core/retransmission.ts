// STATUS and retransmission (Castro & Liskov, TOCS 2002, the BFT library's status
// messages; OSDI'99 §4.5.2 for view changes): replicas tell each other periodically how far
// they got, and resend what a peer lacks. Every answer is rate limited per peer.
import { bytesEqual } from './bytes.ts';
import type { Peer } from './gateway.ts';
import type { LogEntry } from './log.ts';
import type { CommitCertificate, Signed, Status } from './messages.ts';
import type { Replica } from './replica.ts';
import { sendState } from './state-transfer.ts';

/** Most sequence numbers retransmitted in answer to one STATUS. */
const RETRANSMIT_SEQS_PER_STATUS = 32;

export function maybeSendStatus(replica: Replica, nowMs: number): void {
  // A replica whose oldest unexecuted entry waited longer than messages take to
  // arrive asks at once; otherwise a slow heartbeat still lets peers see it fell behind.
  const stalled = stalledSinceMs(replica);
  const due = stalled !== undefined && nowMs - stalled >= replica.config.retransmitAfterMs
    ? Math.min(replica.nextStatusAtMs, replica.lastStatusAtMs + replica.config.statusIntervalMs)
    : replica.nextStatusAtMs;
  if (nowMs < due) return;
  replica.lastStatusAtMs = nowMs;
  replica.nextStatusAtMs = nowMs + replica.config.idleStatusIntervalMs;
  replica.broadcast(statusMessage(replica));
  if (stalled !== undefined && replica.isPrimary && replica.active) pushPrePrepares(replica, nowMs);
}

/**
 * STATUS lets a replica pull what it knows it lacks. A backup that lost a PRE-PREPARE
 * and every PREPARE for it does not know, so a stalled primary pushes the PRE-PREPARE
 * to the backups whose PREPARE it has not seen.
 */
function pushPrePrepares(replica: Replica, nowMs: number): void {
  const last = Math.min(replica.lastAssigned, replica.lastExecuted + replica.config.maxInflightBatches + RETRANSMIT_SEQS_PER_STATUS);
  for (let seq = replica.lastExecuted + 1; seq <= last; seq++) {
    const entry = replica.log.get(seq);
    if (entry?.prePrepare === undefined || entry.view !== replica.view || entry.prepared) continue;
    if (nowMs - entry.createdAtMs < replica.config.retransmitAfterMs) continue;
    for (let backup = 0; backup < replica.config.n; backup++) {
      if (backup !== replica.id && !entry.prepares.has(backup)) replica.send({ kind: 'replica', id: backup }, entry.prePrepare);
    }
  }
}

function statusMessage(replica: Replica): Signed<Status> {
  // A replica that found its own state wrong claims only its stable checkpoint, so that
  // peers send it their (certified) state.
  const lastExecuted = replica.stateSuspectAt === undefined ? replica.lastExecuted : replica.lowWatermark;
  return replica.sign<Status>({ type: 'status', view: replica.view, stableSeq: replica.lowWatermark, lastExecuted, replica: replica.id });
}

/**
 * Whether f+1 peers report having executed beyond us, so at least one correct replica
 * has: one Byzantine STATUS claiming a huge lastExecuted must not make us ask ten times
 * as often forever.
 */
function peersAhead(replica: Replica): boolean {
  let ahead = 0;
  for (const executed of replica.reportedExecuted.values()) if (executed > replica.lastExecuted) ahead++;
  return ahead >= replica.quorums.weak;
}

/** When we started waiting for something: an unexecuted entry, or peers known to be ahead. */
function stalledSinceMs(replica: Replica): number | undefined {
  // Peers are ahead, or we are between views and cannot follow their normal case.
  if (peersAhead(replica) || !replica.active || replica.stateSuspectAt !== undefined) return -Infinity;
  for (let seq = replica.lastExecuted + 1; seq <= replica.log.highestSeq; seq++) {
    const entry = replica.log.get(seq);
    if (entry !== undefined) return entry.createdAtMs;
  }
  return undefined;
}

/**
 * A peer said how far it got; resend our own messages for what it lacks. Entries we
 * executed are certainly missing there; newer ones only once their messages had time
 * to arrive (status messages of the BFT library, Castro & Liskov, TOCS 2002).
 */
export function onStatus(replica: Replica, signed: Signed<Status>, nowMs: number): void {
  const status = signed.message;
  replica.reportedExecuted.set(status.replica, status.lastExecuted);
  // A STATUS carries no freshness, so a Byzantine peer can replay old ones as fast as it
  // likes. Answer each peer at most twice per status interval, the rate an honest stalled
  // replica asks at, so the work a peer can cause us stays bounded by time.
  const answeredAtMs = replica.statusAnsweredAtMs.get(status.replica) ?? -Infinity;
  if (nowMs - answeredAtMs < replica.config.statusIntervalMs / 2) return;
  replica.statusAnsweredAtMs.set(status.replica, nowMs);
  const peer: Peer = { kind: 'replica', id: status.replica };
  for (const checkpoint of replica.checkpoints.ownAbove(status.stableSeq)) replica.send(peer, checkpoint);
  helpChangeViews(replica, peer, status.view, nowMs);
  if (status.lastExecuted < replica.lastExecuted) {
    // Tell a lagging peer how far we are, so it keeps asking until it has caught up.
    replica.send(peer, statusMessage(replica));
  }
  if (status.lastExecuted < replica.lowWatermark) sendState(replica, peer, nowMs);
  const first = Math.max(status.lastExecuted, replica.lowWatermark) + 1;
  const last = Math.min(replica.highWatermark, status.lastExecuted + RETRANSMIT_SEQS_PER_STATUS);
  for (let seq = first; seq <= last; seq++) {
    const entry = replica.log.get(seq);
    if (entry === undefined) continue;
    if (entry.committed && seq <= replica.lastExecuted) {
      // It certainly lacks this batch: one certificate carries all it needs.
      sendCommitCertificate(replica, peer, entry);
      continue;
    }
    if (entry.view !== replica.view || status.view !== replica.view) continue;
    if (nowMs - entry.createdAtMs < replica.config.retransmitAfterMs) continue;
    if (replica.isPrimary && entry.prePrepare !== undefined) replica.send(peer, entry.prePrepare);
    if (entry.sentPrepare !== undefined) replica.send(peer, entry.sentPrepare);
    if (entry.sentCommit !== undefined) replica.send(peer, entry.sentCommit);
  }
}

/** A peer in an older view gets our VIEW-CHANGE and, from the primary, the NEW-VIEW (§4.5.2). */
function helpChangeViews(replica: Replica, peer: Peer, peerView: number, nowMs: number): void {
  if (peerView >= replica.view) return;
  if (replica.ownViewChange !== undefined && replica.ownViewChange.message.newView === replica.view) replica.send(peer, replica.ownViewChange);
  if (replica.active && replica.newView !== undefined && replica.isPrimary) resendNewView(replica, peer, nowMs);
}

/** The NEW-VIEW again, to one replica, at most once per VIEW-CHANGE resend interval. */
export function resendNewView(replica: Replica, peer: Peer, nowMs: number): void {
  if (replica.newView === undefined || nowMs - (replica.newViewSentAtMs.get(peer.id) ?? -Infinity) < replica.config.viewChangeResendMs) return;
  replica.newViewSentAtMs.set(peer.id, nowMs);
  replica.send(peer, replica.newView);
}

function sendCommitCertificate(replica: Replica, peer: Peer, entry: LogEntry): void {
  if (entry.commitCertificate === undefined) {
    const prePrepare = entry.prePrepare!;
    const digest = prePrepare.message.digest;
    const commits = entry.commits.voters((vote) => bytesEqual(vote.message.digest, digest)).slice(0, replica.quorums.strong).map((replica) => entry.commits.get(replica)!);
    entry.commitCertificate = replica.sign<CommitCertificate>({ type: 'commit-certificate', prePrepare, commits, replica: replica.id });
  }
  replica.send(peer, entry.commitCertificate);
}
