// One line per protocol event for `-V`: "12.007 0->2 PREPARE v=0 n=3 d=ab12cd".
// Replicas print as their number, clients as c<id>.
import { toHex } from '../core/bytes.ts';
import type { Peer } from '../core/gateway.ts';
import { assertNever, type Message } from '../core/messages.ts';
import type { Operation, OperationResult } from '../core/operations.ts';

export function peerName(peer: Peer): string {
  return peer.kind === 'replica' ? String(peer.id) : `c${peer.id}`;
}

export function formatTime(nowMs: number): string {
  return (nowMs / 1000).toFixed(3);
}

export function shortDigest(digest: Uint8Array): string {
  return toHex(digest.subarray(0, 3));
}

export function describeOperation(operation: Operation): string {
  const match = 'versionMatch' in operation && operation.versionMatch !== undefined ? ` vm=${operation.versionMatch}` : '';
  switch (operation.type) {
    case 'get':
      return `get ${operation.key}`;
    case 'put':
      return `put ${operation.key}=${JSON.stringify(operation.value)}${match}`;
    case 'cas':
      return `cas ${operation.key} ${JSON.stringify(operation.expected)}->${JSON.stringify(operation.desired)}${match}`;
    case 'remove':
      return `remove ${operation.key}${match}`;
  }
}

export function describeResult(result: OperationResult): string {
  if ('actual' in result) return `${result.status} prev=${result.previousVersion} ver=${result.version}${result.status === 'no_match' ? ` actual=${JSON.stringify(result.actual)}` : ''}`;
  return `${result.status} ver=${result.version} value=${JSON.stringify(result.value ?? '')}`;
}

/** "1..5@v0 7@v1": consecutive sequence numbers of one view as a range. */
export function describeRanges(entries: readonly { readonly seq: number; readonly view?: number }[]): string {
  const parts: string[] = [];
  let start: { seq: number; view?: number } | undefined;
  let end = 0;
  const flush = () => {
    if (start === undefined) return;
    const view = start.view === undefined ? '' : `@v${start.view}`;
    parts.push(start.seq === end ? `${end}${view}` : `${start.seq}..${end}${view}`);
  };
  for (const entry of entries) {
    if (start !== undefined && entry.seq === end + 1 && entry.view === start.view) {
      end = entry.seq;
      continue;
    }
    flush();
    start = entry;
    end = entry.seq;
  }
  flush();
  return parts.join(' ');
}

export function describeMessage(message: Message): string {
  switch (message.type) {
    case 'request':
      return `REQUEST c=${message.client} t=${message.timestamp} ${describeOperation(message.operation)}`;
    case 'read':
      return `READ-ONLY REQUEST c=${message.client} t=${message.timestamp} ${describeOperation(message.operation)}`;
    case 'pre-prepare':
      return `PRE-PREPARE v=${message.view} n=${message.seq} d=${shortDigest(message.digest)} batch=${message.batch.length}`;
    case 'prepare':
      return `PREPARE v=${message.view} n=${message.seq} d=${shortDigest(message.digest)}`;
    case 'commit':
      return `COMMIT v=${message.view} n=${message.seq} d=${shortDigest(message.digest)}`;
    case 'checkpoint':
      return `CHECKPOINT n=${message.seq} d=${shortDigest(message.digest)}`;
    // A tentative reply (OSDI'99 §5.1, core/tentative.ts) says so; a committed one reads as it always did.
    case 'reply':
      return `REPLY${message.tentative === true ? ' (tentative)' : ''} v=${message.view} c=${message.client} t=${message.timestamp} ${describeResult(message.result)}`;
    case 'reply-digest':
      return `REPLY (digest${message.tentative === true ? ', tentative' : ''}) v=${message.view} c=${message.client} t=${message.timestamp} d=${shortDigest(message.digest)}`;
    case 'status':
      return `STATUS v=${message.view} h=${message.stableSeq} le=${message.lastExecuted}`;
    case 'view-change': {
      const prepared = describeRanges(message.prepared.map(({ prePrepare }) => ({ seq: prePrepare.message.seq, view: prePrepare.message.view })));
      return `VIEW-CHANGE v=${message.newView} h=${message.stableSeq} P=[${prepared}]`;
    }
    case 'new-view': {
      const senders = message.viewChanges.map((viewChange) => viewChange.message.replica).join(',');
      const o = message.prePrepares.map(({ message: header }) => header.seq);
      const range = o.length === 0 ? 'none' : `${o[0]}..${o.at(-1)}`;
      return `NEW-VIEW v=${message.newView} V={${senders}} O=${range} (${o.length} pre-prepares)`;
    }
    case 'fetch-batch':
      return `FETCH-BATCH d=${shortDigest(message.digest)}`;
    case 'batch':
      return `BATCH d=${shortDigest(message.digest)} requests=${message.batch.length}`;
    case 'state':
      return `STATE n=${message.seq} keys=${message.store.entries.length} clients=${message.clients.length}`;
    case 'commit-certificate':
      return `COMMIT-CERTIFICATE v=${message.prePrepare.message.view} n=${message.prePrepare.message.seq} d=${shortDigest(message.prePrepare.message.digest)} commits=${message.commits.length}`;
    case 'recovery-query':
      return `RECOVERY-QUERY nonce=${shortDigest(message.nonce)}`;
    case 'recovery-reply':
      return `RECOVERY-REPLY v=${message.view} nonce=${shortDigest(message.nonce)} vouchers=${message.proof.length}`;
    default:
      return assertNever(message);
  }
}
