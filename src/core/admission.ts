// The replica's half of the gateway (GatewayContext, gateway.ts; house style rule 3):
// answers, before any signature is checked, whether a message can change nothing here
// (OSDI'99 §4.2, §4.4, §4.3 and the restart rule), so that a replay, or a vote past its
// quorum, costs a lookup. A vote is judged surplus by this replica's own log and the
// vote's view and sequence number alone, never by who claims to have sent it, so no
// sender can make a correct replica pass over a vote its quorum still needs.
//
// A vote dropped here unverified may still be evidence of equivocation: a surplus PREPARE
// whose digest contradicts the one its signer sent before. The gateway hands it on, and
// evidence.ts checks its signature only if it contradicts a slot it remembers, once per
// slot, so the drop stays as cheap as intended. Equivocation aimed at other replicas
// reaches this one inside certificates, which are always verified, and is always checked.
import { awaitsBatch } from './batch-fetch.ts';
import { bytesEqual } from './bytes.ts';
import type { LogEntry } from './log.ts';
import type { Peer } from './gateway.ts';
import type { Commit, Message, Prepare, Request, Signed } from './messages.ts';
import type { Replica } from './replica.ts';
import { wantsState } from './state-transfer.ts';

/** GatewayContext: the VIEW-CHANGE we hold, when `frame` is a byte-identical resend of it. */
export function admitted(replica: Replica, message: Message, frame: Uint8Array): Signed | undefined {
  if (message.type !== 'view-change') return undefined;
  const held = replica.viewChanges.latestFrom(message.replica);
  return held !== undefined && bytesEqual(held.frame, frame) ? held : undefined;
}

/** GatewayContext: why `message` can change nothing here, asked before its signatures are checked. */
export function redundancy(replica: Replica, message: Message, from: Peer): string | undefined {
  switch (message.type) {
    case 'request':
      return from.kind === 'replica' ? relayedRequestRedundancy(replica, message) : undefined;
    case 'pre-prepare': {
      // A copy of the PRE-PREPARE this entry holds (a resend, a duplicate on the wire).
      const entry = replica.log.get(message.seq);
      return entry?.prePrepare !== undefined && entry.view === message.view && bytesEqual(entry.prePrepare.message.digest, message.digest) ? `v=${message.view} n=${message.seq} already accepted` : undefined;
    }
    case 'view-change': {
      const held = replica.viewChanges.latestView(message.replica);
      if (held === undefined || held < message.newView) return undefined;
      if (held > message.newView) return `replica ${message.replica} already asked for view ${held}`;
      // A resent VIEW-CHANGE for the view we are active in asks for the NEW-VIEW (rate
      // limited in resendNewView); any other repeat adds nothing.
      return message.newView === replica.view && replica.active && replica.isPrimary ? undefined : `VIEW-CHANGE for view ${message.newView} already held`;
    }
    case 'new-view':
      return message.newView === replica.view && replica.active ? `already active in view ${message.newView}` : undefined;
    case 'batch':
      return awaitsBatch(replica, message.digest) ? undefined : 'no O entry waits for this batch';
    case 'state':
      return wantsState(replica, message.seq) ? undefined : `state for n=${message.seq}, executed ${replica.lastExecuted}`;
    case 'commit-certificate': {
      const seq = message.prePrepare.message.seq;
      if (seq <= replica.lastExecuted || seq > replica.highWatermark) return `n=${seq} outside (${replica.lastExecuted}, ${replica.highWatermark}]`;
      return replica.certified.has(seq) ? `n=${seq} already certified` : undefined;
    }
    case 'recovery-reply':
      return replica.restartGuard.wants(message) ? undefined : 'not waiting for this RECOVERY-REPLY';
    case 'prepare':
      return surplusPrepare(replica, message);
    case 'commit':
      return surplusCommit(replica, message);
    default:
      return undefined;
  }
}

/**
 * §4.1: a request relayed by a replica that this replica already executed, holds, or
 * ordered changes nothing (onRequest would ignore it), so it buys no signature check. Only
 * a client's own retransmission of its last request is answered (with the cached reply),
 * and that one comes from the client, not through here.
 */
function relayedRequestRedundancy(replica: Replica, request: Request): string | undefined {
  const { client, timestamp } = request;
  const executed = replica.clients.get(client)?.timestamp ?? 0;
  if (timestamp <= executed) return `client ${client} t=${timestamp} already executed (t=${executed})`;
  if ((replica.ordered.get(client) ?? 0) >= timestamp) return `client ${client} t=${timestamp} already ordered`;
  if ((replica.pending.get(client)?.message.timestamp ?? 0) >= timestamp) return `client ${client} t=${timestamp} already pending`;
  const waiting = replica.waiting.get(client);
  if (waiting !== undefined && waiting.request !== undefined && waiting.timestamp >= timestamp) return `client ${client} t=${timestamp} already held`;
  return undefined;
}

/**
 * §4.2: prepared(m, v, n, i) needs 2f matching PREPAREs, and a prepared entry stays
 * prepared for the rest of its view, so a later PREPARE for it is never read:
 * checkPrepared() returns at once; the prepared certificate, the P of a VIEW-CHANGE
 * (§4.4), was cut to 2f PREPAREs when the entry prepared (prepared-certificates.ts); STATUS
 * answers resend only our own votes (retransmission.ts). The primary sends no PREPARE
 * and needs 2f from backups like anyone. A replica that prepared while it could not
 * vote (recovery.ts mayVote) did not miss its COMMIT for want of PREPAREs: checkPrepared
 * votes only when the entry becomes prepared, never for one already prepared.
 */
function surplusPrepare(replica: Replica, prepare: Prepare): string | undefined {
  const entry = currentEntry(replica, prepare);
  return entry?.prepared === true ? `v=${prepare.view} n=${prepare.seq} already prepared` : undefined;
}

/**
 * §4.2: committed-local(m, v, n, i) needs 2f+1 matching COMMITs, after which a COMMIT is
 * read only to build the commit certificate a lagging peer gets (retransmission.ts
 * sendCommitCertificate), which takes 2f+1 of them. Counted rather than read from
 * entry.committed: under the 'commit-on-2f' flaw (flaws.ts) an entry commits on 2f, and
 * the certificate still needs one more.
 */
function surplusCommit(replica: Replica, commit: Commit): string | undefined {
  const entry = currentEntry(replica, commit);
  if (entry?.committed !== true || entry.matchingCommits() < replica.quorums.strong) return undefined;
  return `v=${commit.view} n=${commit.seq} already committed`;
}

/**
 * The log entry a vote of the current view would count towards. A vote for a later view
 * (buffered as future, §4.4) or an entry of an older view (replaced on entering this one)
 * is not surplus: the quorum it would join is not the one we hold.
 */
function currentEntry(replica: Replica, vote: Prepare | Commit): LogEntry | undefined {
  if (vote.view !== replica.view) return undefined;
  const entry = replica.log.get(vote.seq);
  return entry !== undefined && entry.view === vote.view ? entry : undefined;
}
