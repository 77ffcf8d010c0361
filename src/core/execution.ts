// Execution (OSDI'99 §4.1, §4.2): committed batches run strictly in sequence order,
// each request at most once (the client table), and every executed request is answered.
// Execution also drives the view-change timer (§4.4, §4.5.2) and checkpoints (§4.3).
import { takeCheckpoint } from './checkpointing.ts';
import { encodeMacReply } from './encoding.ts';
import { executedOperation, hasFlaw } from './flaws.ts';
import { designatedReplier, resultDigest } from './digest-replies.ts';
import type { PrePrepare, Reply, ReplyDigest, Signed, SignedRequest } from './messages.ts';
import { tryPropose } from './normal-case.ts';
import { answerDeferredReads } from './read-only.ts';
import { replyTentatively } from './tentative.ts';
import type { OperationResult } from './operations.ts';
import type { Execution } from './replica-io.ts';
import type { Replica } from './replica.ts';

/** Executes committed batches strictly in sequence order. */
export function executeReady(replica: Replica, nowMs: number): void {
  let executedAny = false;
  for (let next = nextCommitted(replica); next !== undefined; next = nextCommitted(replica)) {
    execute(replica, next);
    replica.primaryMonitor?.noteExecuted(replica, next.message.seq, next.message.batch, nowMs);
    executedAny = true;
    replica.lastExecuted = next.message.seq;
    replica.certified.delete(next.message.seq);
    if (next.message.seq % replica.config.checkpointInterval === 0) takeCheckpoint(replica, next.message.seq, nowMs);
  }
  if (executedAny) afterExecution(replica, nowMs);
  replyTentatively(replica);
  answerDeferredReads(replica);
  if (replica.isPrimary && replica.active) tryPropose(replica, nowMs);
}

/** The batch at lastExecuted+1, if committed here or proven committed by a certificate. */
function nextCommitted(replica: Replica): Signed<PrePrepare> | undefined {
  if (replica.stateSuspectAt !== undefined) return undefined;
  const seq = replica.lastExecuted + 1;
  const entry = replica.log.get(seq);
  if (entry?.committed === true) return entry.prePrepare;
  // Broken on purpose: the first batch committed above the hole runs, and the hole never does.
  if (hasFlaw(replica.config, 'execute-out-of-order')) return replica.certified.get(seq) ?? replica.log.ordered().find((later) => later.committed && later.seq > seq)?.prePrepare;
  return replica.certified.get(seq);
}

function execute(replica: Replica, prePrepare: Signed<PrePrepare>): void {
  const { view, seq, digest, batch } = prePrepare.message;
  // Answered tentatively with these very results (tentative.ts): no second reply.
  const entry = replica.log.get(seq);
  const answered = entry?.tentativeReplied === true && entry.prePrepare === prePrepare;
  const executions: Execution[] = [];
  for (const request of batch) executions.push({ request, result: executeRequest(replica, request, view, answered) });
  replica.emit({ type: 'executed', view, seq, digest, executions });
}

/**
 * §4.4: the timer stops when no request is waiting and restarts while others still
 * wait; §4.5.2: executing a request in a new view resets the timeout to T.
 */
function afterExecution(replica: Replica, nowMs: number): void {
  replica.timer.noteExecuted();
  if (!replica.active) return;
  // §4.4: the timer runs for one request. Progress on others must not reset it, or a
  // primary that leaves out one client's requests is never suspected while others run.
  const timed = replica.timer.timedRequest;
  if (timed !== undefined && replica.timer.deadlineMs !== undefined && replica.waiting.get(timed.client)?.timestamp === timed.timestamp) return;
  restartRequestTimer(replica, nowMs);
}

/** (Re)starts the timer for a waiting request, or stops it if none waits (§4.4). */
export function restartRequestTimer(replica: Replica, nowMs: number): void {
  const next = replica.isPrimary ? undefined : replica.waiting.entries().next().value;
  replica.timer.start(nowMs, next === undefined ? undefined : { client: next[0], timestamp: next[1].timestamp });
}

/**
 * Exactly-once: a request whose t is not above the client's last executed t is
 * skipped and uses no version, even if it was ordered twice (§4.1).
 */
function executeRequest(replica: Replica, request: SignedRequest, view: number, answered = false): OperationResult | undefined {
  const { client, timestamp, operation } = request.message;
  const record = replica.clients.get(client);
  if ((replica.ordered.get(client) ?? Infinity) <= timestamp) replica.ordered.delete(client);
  if ((replica.waiting.get(client)?.timestamp ?? Infinity) <= timestamp) replica.waiting.delete(client);
  if (record !== undefined && timestamp <= record.timestamp && !hasFlaw(replica.config, 'no-client-table-check')) return undefined;
  const result = replica.store.execute(executedOperation(replica.config, operation));
  if (answered) {
    // A retransmission gets a committed reply, built then (requests.ts).
    replica.clients.set(client, { timestamp, result, reply: undefined });
    return result;
  }
  const reply = firstReply(replica, client, timestamp, result, view);
  // A digest reply is not cached: a retransmission gets the full result (digest-replies.ts).
  replica.clients.set(client, { timestamp, result, reply: reply.message.type === 'reply' ? (reply as Signed<Reply>) : undefined });
  replica.send({ kind: 'client', id: client }, reply);
  return result;
}

/** The first answer to (c, t): the result, or with digest replies on, its digest unless this replica is the designee (§5.1). */
export function firstReply(replica: Replica, client: number, timestamp: number, result: OperationResult, view = replica.view, tentative = false): Signed<Reply | ReplyDigest> {
  const flag = tentative ? { tentative: true as const } : {};
  if (replica.config.digestReplies !== true || designatedReplier(client, timestamp, replica.config.n) === replica.id) return signReply(replica, client, timestamp, result, view, tentative);
  const reply: ReplyDigest = { type: 'reply-digest', view, timestamp, client, replica: replica.id, digest: resultDigest(replica.config.crypto, result), ...flag };
  const keys = replica.sessionKeys;
  if (keys === undefined) return replica.sign<ReplyDigest>(reply);
  return encodeMacReply(reply, (bytes) => keys.tag({ kind: 'client', id: client }, bytes));
}

/** A REPLY, signed or, in 'mac' mode, with one MAC for its client (auth.ts). */
export function signReply(replica: Replica, client: number, timestamp: number, result: OperationResult, view = replica.view, tentative = false): Signed<Reply> {
  const reply: Reply = { type: 'reply', view, timestamp, client, replica: replica.id, result, ...(tentative ? { tentative: true as const } : {}) };
  const keys = replica.sessionKeys;
  if (keys === undefined) return replica.sign<Reply>(reply);
  return encodeMacReply(reply, (bytes) => keys.tag({ kind: 'client', id: client }, bytes));
}
