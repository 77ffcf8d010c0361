// Read-only requests (OSDI'99 §5.1): a client sends a read to every replica, each executes
// it at once in its current state, without ordering, and the client accepts a result once
// 2f+1 replicas sent matching replies, falling back to an ordered request otherwise.
//
// Why 2f+1, and why writes then need 2f+1 too. A replica's state is always a committed
// prefix (nothing here executes tentatively), but it may lag. Take a write w whose client
// accepted it on f+1 replies: only one correct replica need have executed w. A later read
// could then meet 2f lagging correct replicas and f faulty ones, 3f ≥ 2f+1 replies that
// all match the state before w: a stale read. So while reads take this path, a client
// accepts an ordered request only on 2f+1 matching replies (client.ts): then at least f+1
// correct replicas executed w, any 2f+1 repliers to the read include one of them, and it
// answers with w's effect (or a later one), so 2f+1 stale replies cannot match; the same
// count keeps a read that returned a value from being followed by one that misses it.
// The client's fallback, an ordered request, is the protocol of §4 unchanged.
import type { Peer } from './gateway.ts';
import type { ReadRequest, Signed } from './messages.ts';
import { firstReply } from './execution.ts';
import { tentativeOutstanding } from './tentative.ts';
import type { Replica } from './replica.ts';

export function onRead(replica: Replica, from: Peer, signed: Signed<ReadRequest>, nowMs: number): void {
  const { operation, client, timestamp } = signed.message;
  if (replica.config.readOnlyRequests !== true) return replica.drop(from, 'unexpected-type', 'read-only requests are off in this cluster', 'read');
  if (operation.type !== 'get') return replica.drop(from, 'not-read-only', `a ${operation.type} sent as read-only`, 'read');
  // A replica that found its own state wrong at a checkpoint (state-transfer.ts) answers no
  // read until it has a certified state again: the client falls back if it must.
  if (replica.stateSuspectAt !== undefined) return;
  // Nor does a replica restarted without memory while it recovers (restart-guard.ts): its
  // state is not yet one that includes what it answered before the crash.
  if (replica.recovering) return;
  // One answer per read, and a replayed one at most once per status interval: a flood of
  // copies buys no more replies than the retransmissions of an honest client.
  const last = replica.readsAnswered.get(client);
  if (last !== undefined && timestamp < last.timestamp) return replica.drop(from, 'stale-request', `read t=${timestamp} < last read t=${last.timestamp}`, 'read');
  if (last !== undefined && timestamp === last.timestamp && nowMs - last.atMs < replica.config.statusIntervalMs) return;
  replica.readsAnswered.set(client, { timestamp, atMs: nowMs });
  // §5.1: a read waits while a batch answered tentatively is uncommitted (tentative.ts), so
  // that a write whose client saw it complete is in the state it reads. One per client.
  if (tentativeOutstanding(replica)) {
    replica.deferredReads.set(client, signed);
    return;
  }
  answer(replica, signed);
}

/** The reads that waited for a tentative batch, once it executed (execution.ts). */
export function answerDeferredReads(replica: Replica): void {
  if (replica.deferredReads.size === 0 || tentativeOutstanding(replica)) return;
  const reads = [...replica.deferredReads.values()];
  replica.deferredReads.clear();
  for (const read of reads) answer(replica, read);
}

/** Executed in the state after lastExecuted: committed, as tentative batches run on an overlay. */
function answer(replica: Replica, signed: Signed<ReadRequest>): void {
  const { operation, client, timestamp } = signed.message;
  const result = replica.store.execute(operation);
  replica.send({ kind: 'client', id: client }, firstReply(replica, client, timestamp, result));
}
