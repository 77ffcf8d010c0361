// Restart without memory (see restart-guard.ts): a replica that lost what it signed asks
// its peers' views with RECOVERY-QUERY and votes again only once that is safe; correct
// replicas answer with their view and the VIEW-CHANGEs that vouch for it.
import { bytesEqual } from './bytes.ts';
import type { Peer } from './gateway.ts';
import type { RecoveryQuery, RecoveryReply, Signed } from './messages.ts';
import type { Replica } from './replica.ts';
import { recoveryProof } from './restart-guard.ts';
import { resendNewView } from './retransmission.ts';

/**
 * A replica restarted without memory asks for its peers' views until 2f+1 answered, and
 * keeps asking while it waits for a NEW-VIEW it cannot vote for: the primary answers
 * with the NEW-VIEW, which a replica that sent no VIEW-CHANGE would otherwise not get.
 */
export function maybeQueryRecovery(replica: Replica, nowMs: number): void {
  if (!replica.restartGuard.recovering || (!replica.restartGuard.estimating && replica.active)) return;
  if (nowMs - replica.recoveryQuerySentAtMs < replica.config.viewChangeResendMs) return;
  replica.recoveryQuerySentAtMs = nowMs;
  replica.recoveryQuery ??= replica.sign<RecoveryQuery>({ type: 'recovery-query', nonce: replica.restartGuard.nonce!, replica: replica.id });
  replica.broadcast(replica.recoveryQuery);
}

/**
 * Our view for a restarted peer, with the VIEW-CHANGEs that vouch for it. A replica that
 * is itself recovering does not answer: its view says nothing about the past. At most one
 * answer per peer per resend interval, signed again only when the view or nonce changed.
 */
export function onRecoveryQuery(replica: Replica, signed: Signed<RecoveryQuery>, nowMs: number): void {
  const { nonce, replica: requester } = signed.message;
  const peer: Peer = { kind: 'replica', id: requester };
  if (replica.active && replica.isPrimary) resendNewView(replica, peer, nowMs);
  if (replica.restartGuard.recovering) return;
  const last = replica.recoveryAnswers.get(requester);
  if (last !== undefined && nowMs - last.atMs < replica.config.viewChangeResendMs / 2) return;
  let answer = last?.signed;
  if (answer === undefined || answer.message.view !== replica.view || answer.message.stableSeq !== replica.lowWatermark || !bytesEqual(answer.message.nonce, nonce)) {
    const proof = recoveryProof(replica.viewChanges.all(), replica.quorums.weak);
    const stable = replica.checkpoints.stable;
    answer = replica.sign<RecoveryReply>({ type: 'recovery-reply', nonce, view: replica.view, stableSeq: stable.seq, checkpointProof: stable.proof, proof, replica: replica.id });
  }
  replica.recoveryAnswers.set(requester, { atMs: nowMs, signed: answer });
  replica.send(peer, answer);
}

/** Whether this replica may sign votes (see restart-guard.ts). */
export function mayVote(replica: Replica): boolean {
  if (!replica.restartGuard.recovering) return true;
  if (!replica.restartGuard.mayVote(replica.active, replica.view, replica.lastExecuted >= replica.viewStartSeq, replica.lowWatermark, replica.config.logWindow)) return false;
  replica.emit({ type: 'voting-resumed', view: replica.view });
  return true;
}
