// Requests (OSDI'99 §4.1): a client's request is answered from the client table if it
// already executed, relayed to the primary and timed by a backup (§4.4), and queued for a
// batch by the primary.
import { signReply } from './execution.ts';
import { hasFlaw } from './flaws.ts';
import type { Peer } from './gateway.ts';
import type { SignedRequest } from './messages.ts';
import { tryPropose } from './normal-case.ts';
import { primaryOf } from './quorum.ts';
import type { Replica } from './replica.ts';

export function onRequest(replica: Replica, from: Peer, signed: SignedRequest, nowMs: number): void {
  const { client, timestamp } = signed.message;
  const record = replica.clients.get(client);
  if (record !== undefined && timestamp < record.timestamp) {
    replica.drop(from, 'stale-request', `client ${client} t=${timestamp} < last executed t=${record.timestamp}`, 'request');
    return;
  }
  if (record !== undefined && timestamp === record.timestamp && !hasFlaw(replica.config, 'no-client-table-check')) {
    // §4.1: a retransmitted request gets the cached reply again, from its client only
    // (a relayed copy is a replica's business, not the client's) and at most once per
    // status interval: a replayed request buys one reply per interval, not one per copy.
    if (from.kind !== 'client') return;
    if (nowMs - (replica.replySentAtMs.get(client) ?? -Infinity) < replica.config.statusIntervalMs) return;
    replica.replySentAtMs.set(client, nowMs);
    // A reply known only through state transfer is signed once, then cached like any other.
    let reply = record.reply;
    if (reply === undefined) {
      reply = signReply(replica, client, record.timestamp, record.result);
      replica.clients.set(client, { ...record, reply });
    }
    replica.send({ kind: 'client', id: client }, reply);
    return;
  }
  if (!replica.isPrimary || !replica.active) {
    // §4.1, §4.4: a backup relays a client's request to the primary and starts its timer.
    noteWaiting(replica, client, timestamp, nowMs, signed, true);
    if (from.kind === 'client' && replica.active) replica.send({ kind: 'replica', id: primaryOf(replica.view, replica.config.n) }, signed);
    return;
  }
  if ((replica.ordered.get(client) ?? 0) >= timestamp) return; // Already ordered; its reply will come.
  const waiting = replica.pending.get(client);
  if (waiting !== undefined && waiting.message.timestamp >= timestamp) return;
  replica.pending.delete(client);
  replica.pending.set(client, signed);
  tryPropose(replica, nowMs);
}

/**
 * §4.4: a valid request not yet executed starts the timer, if it is not running.
 * `signatureChecked`: whether the gateway verified its signature (auth.ts); a request taken
 * from a PRE-PREPARE was, in 'signed' mode only.
 */
export function noteWaiting(replica: Replica, client: number, timestamp: number, nowMs: number, request?: SignedRequest, signatureChecked = replica.config.auth !== 'mac'): void {
  const record = replica.clients.get(client);
  if (record !== undefined && timestamp <= record.timestamp) return;
  const known = replica.waiting.get(client);
  if (known !== undefined && (known.timestamp > timestamp || (known.timestamp === timestamp && (known.request !== undefined || request === undefined)))) return;
  replica.waiting.set(client, { timestamp, request, signatureChecked });
  replica.primaryMonitor?.noteWaiting(replica, client, timestamp);
  if (replica.active && !replica.isPrimary && replica.timer.deadlineMs === undefined) replica.timer.start(nowMs, { client, timestamp });
}
