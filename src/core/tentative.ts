// Tentative execution (OSDI'99 §5.1): a replica answers a batch as soon as it prepared,
// when every earlier batch has committed and executed here, instead of waiting for it to
// commit; the client accepts 2f+1 matching replies, tentative or not (client.ts).
//
// Why 2f+1 suffices: a correct replica replies tentatively only once the batch prepared
// there, and a committed reply means it committed there. 2f+1 matching replies come from
// at least f+1 correct replicas that prepared the batch, which is committed(m, v, n) of
// OSDI'99 §4.2: every later view keeps it at n (§4.4), so its place in the order, and so
// the result computed on the state after n-1, are final. f+1 tentative replies are not
// enough: one correct replica that prepared in a view that then changes may see n filled
// with another batch.
//
// Nothing here changes the state. The batch runs on an overlay (Pancydb.speculate), and the
// real execution still happens at commit (execution.ts), which then sends no second reply:
// its results equal the tentative ones, since both start from the state after n-1. A view
// change that gives n another batch thus needs no rollback: the tentative results were
// never applied. Read-only requests (read-only.ts) wait while a tentative batch is
// uncommitted, so that a write its client saw complete is in every state a read consults.
import { firstReply } from './execution.ts';
import { executedOperation, hasFlaw } from './flaws.ts';
import type { SignedRequest } from './messages.ts';
import type { Replica } from './replica.ts';

/** Replies tentatively to the batch at lastExecuted+1, if it prepared in this view and was not answered yet. */
export function replyTentatively(replica: Replica): void {
  if (replica.config.tentativeExecution !== true || !replica.active || replica.stateSuspectAt !== undefined) return;
  const entry = replica.log.get(replica.lastExecuted + 1);
  if (entry === undefined || entry.view !== replica.view || !entry.prepared || entry.committed || entry.prePrepare === undefined || entry.tentativeReplied) return;
  entry.tentativeReplied = true;
  replica.tentativeThrough = Math.max(replica.tentativeThrough, entry.seq);
  const runnable = unexecuted(replica, entry.prePrepare.message.batch);
  const results = replica.store.speculate(runnable.map((request) => executedOperation(replica.config, request.message.operation)));
  runnable.forEach((request, index) => {
    const { client, timestamp } = request.message;
    replica.send({ kind: 'client', id: client }, firstReply(replica, client, timestamp, results[index]!, entry.view, true));
  });
}

/** The requests of a batch that execution would run: exactly-once by the client table, as in execution.ts. */
function unexecuted(replica: Replica, batch: readonly SignedRequest[]): SignedRequest[] {
  const latest = new Map<number, number>();
  const runnable: SignedRequest[] = [];
  for (const request of batch) {
    const { client, timestamp } = request.message;
    const last = latest.get(client) ?? replica.clients.get(client)?.timestamp;
    if (last !== undefined && timestamp <= last && !hasFlaw(replica.config, 'no-client-table-check')) continue;
    latest.set(client, timestamp);
    runnable.push(request);
  }
  return runnable;
}

/**
 * Whether a batch was answered tentatively and has not executed yet: reads wait for it.
 * A watermark, not the log entry's flag: a view change replaces the entry (and its flag)
 * while the write its client saw complete is still not executed here.
 */
export function tentativeOutstanding(replica: Replica): boolean {
  return replica.lastExecuted < replica.tentativeThrough;
}
