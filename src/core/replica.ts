// A PBFT replica as a pure state machine (OSDI'99 §4.1–4.3): step(input) takes a
// received frame or a clock tick and returns what to send and what happened. It does
// no I/O and reads no clock: time arrives inside every input.
import { bytesEqual } from './bytes.ts';
import { type Certificate, type OwnCheckpoint, type StableCheckpoint, CheckpointTracker, stateDigest } from './checkpoints.ts';
import { ClientTable } from './client-table.ts';
import { commitQuorum, replicaQuorums, hasFlaw, executedOperation } from './flaws.ts';
import { validateParameters, type ReplicaConfig } from './config.ts';
import { attachBatch, encodeBatch, encodeSigned, headerOf } from './encoding.ts';
import { admit, type DropReason, type GatewayContext, type Peer } from './gateway.ts';
import { type LogEntry, MessageLog } from './log.ts';
import {
  assertNever,
  type BatchReply,
  type Checkpoint,
  type Commit,
  type CommitCertificate,
  type FetchBatch,
  type Message,
  type NewView,
  type PrePrepare,
  type PrePrepareHeader,
  type Prepare,
  type RecoveryQuery,
  type RecoveryReply,
  type Signed,
  type SignedRequest,
  type StateTransfer,
  type Status,
  type ViewChange,
} from './messages.ts';
import { BatchStore } from './batch-store.ts';
import { matchesPlan, NULL_DIGEST, planNewView, type NewViewPlan } from './new-view.ts';
import { PreparedCertificates } from './prepared-certificates.ts';
import { recoveryProof, RestartGuard } from './restart-guard.ts';
import { ViewChangeVotes } from './view-change-votes.ts';
import type { OperationResult } from './operations.ts';
import type { Reply } from './messages.ts';
import { FUTURE_BUFFER_BYTES_PER_SENDER } from './limits.ts';
import { createPancydb, type Pancydb } from './pancydb.ts';
import { primaryOf, type Quorums } from './quorum.ts';

export type ReplicaInput =
  | { readonly kind: 'receive'; readonly from: Peer; readonly frame: Uint8Array; readonly nowMs: number }
  | { readonly kind: 'tick'; readonly nowMs: number };

/** One request's fate at execution: its result, or undefined when skipped as already executed. */
export interface Execution {
  readonly request: SignedRequest;
  readonly result: OperationResult | undefined;
}

/** What happened, for checkers and traces; replicas never read these back. */
export type ReplicaEvent =
  | { readonly type: 'committed'; readonly view: number; readonly seq: number; readonly digest: Uint8Array }
  | {
      readonly type: 'executed';
      readonly view: number;
      readonly seq: number;
      readonly digest: Uint8Array;
      readonly executions: readonly Execution[];
    }
  | { readonly type: 'checkpoint'; readonly seq: number; readonly digest: Uint8Array }
  | { readonly type: 'stable-checkpoint'; readonly seq: number; readonly digest: Uint8Array }
  | { readonly type: 'checkpoint-mismatch'; readonly seq: number; readonly own: Uint8Array; readonly certified: Uint8Array }
  /** Sent VIEW-CHANGE for `view` (§4.4); `reason` says why. */
  | { readonly type: 'view-change'; readonly view: number; readonly reason: 'timeout' | 'joined' | 'bad-new-view'; readonly prepared: readonly number[] }
  /** Accepted (or, as primary, sent) NEW-VIEW for `view`. */
  | { readonly type: 'new-view'; readonly view: number; readonly minS: number; readonly maxS: number; readonly nulls: number }
  /** Installed the state of stable checkpoint `seq` from a peer. */
  | { readonly type: 'state-transfer'; readonly seq: number; readonly from: number }
  /**
   * Its own state proved wrong (checkpoint-mismatch), it went back from `fromSeq` to the
   * certified state at `toSeq`, and executes the committed batches above it again.
   */
  | { readonly type: 'state-rollback'; readonly fromSeq: number; readonly toSeq: number }
  /** A replica restarted without memory votes again, from `view` on. */
  | { readonly type: 'voting-resumed'; readonly view: number };

export type ReplicaOutput =
  | { readonly kind: 'send'; readonly to: Peer; readonly signed: Signed }
  /** To every other replica. */
  | { readonly kind: 'broadcast'; readonly signed: Signed }
  | {
      readonly kind: 'drop';
      readonly from: Peer;
      readonly reason: DropReason;
      readonly detail: string;
      readonly messageType?: Message['type'];
    }
  | { readonly kind: 'event'; readonly event: ReplicaEvent };

/** Most sequence numbers retransmitted in answer to one STATUS. */
const RETRANSMIT_SEQS_PER_STATUS = 32;

export class Replica implements GatewayContext {
  readonly config: ReplicaConfig;
  readonly quorums: Quorums;
  view = 0;
  lastExecuted = 0;
  readonly log = new MessageLog();
  readonly store: Pancydb = createPancydb();
  readonly clients = new ClientTable();
  readonly checkpoints: CheckpointTracker;

  /** False from sending VIEW-CHANGE for `view` until its NEW-VIEW is accepted (§4.4). */
  active = true;
  /** NEW-VIEWs this replica accepted: the view changes it went through. */
  viewChangesCompleted = 0;
  stateTransfers = 0;

  /**
   * §4.4: requests this replica holds but has not executed, latest per client. The
   * request itself is kept when we have it, so a new primary can order it at once.
   */
  private readonly waiting = new Map<number, { readonly timestamp: number; readonly request: SignedRequest | undefined }>();
  /** §4.5.2: when the view-change timer fires, if running; and its current length T. */
  private timerDeadlineMs: number | undefined;
  /**
   * The request the timer runs for (§4.4): it stops when that request executes, and starts
   * again for another if one is waiting. Undefined while the timer waits for a NEW-VIEW.
   */
  private timedRequest: { readonly client: number; readonly timestamp: number } | undefined;
  private timeoutMs: number;
  /** Whether a request executed since this view began (resets the timeout to T). */
  private executedInView = true;
  private readonly viewChanges = new ViewChangeVotes();
  private ownViewChange: Signed<ViewChange> | undefined;
  private viewChangeResendAtMs = 0;
  /** The NEW-VIEW that started the current view, resent to replicas still changing views. */
  private newView: Signed<NewView> | undefined;
  private readonly certificates = new PreparedCertificates();
  private readonly batches = new BatchStore();
  /** Batches proven committed by a commit certificate, waiting for their turn to execute. */
  private readonly certified = new Map<number, Signed<PrePrepare>>();
  /** When this replica last sent its state to a peer (state transfer is rate limited). */
  private readonly stateSentAtMs = new Map<number, number>();
  /** When we last answered each replica's STATUS (bounded by n). */
  private readonly statusAnsweredAtMs = new Map<number, number>();
  /** The lastExecuted each replica last reported (bounded by n); see peersAhead. */
  private readonly reportedExecuted = new Map<number, number>();
  /** When we last resent the NEW-VIEW, a batch, or a RECOVERY-REPLY to each replica (bounded by n each). */
  private readonly newViewSentAtMs = new Map<number, number>();
  private readonly batchSentAtMs = new Map<number, number>();
  private readonly recoveryAnswers = new Map<number, { readonly atMs: number; readonly signed: Signed<RecoveryReply> }>();
  /** When we last resent a cached reply to each client (one entry per client, like the client table). */
  private readonly replySentAtMs = new Map<number, number>();
  /** The STATE message for the stable checkpoint, signed once per checkpoint. */
  private stateMessage: Signed<StateTransfer> | undefined;
  /** Set when our checkpoint at this seq disagrees with a stable certificate: our state is wrong. */
  private stateSuspectAt: number | undefined;
  /** This incarnation's RECOVERY-QUERY, signed once; and when it was last sent. */
  private recoveryQuery: Signed<RecoveryQuery> | undefined;
  private recoveryQuerySentAtMs = -Infinity;

  /** Primary only: highest sequence number assigned so far. */
  private lastAssigned = 0;
  /** Primary only: requests waiting for a batch, latest per client, in arrival order. */
  private readonly pending = new Map<number, SignedRequest>();
  /** Primary only: per client, the t it has ordered but not yet executed. */
  private readonly ordered = new Map<number, number>();
  private readonly future = new Map<number, { from: Peer; frame: Uint8Array }[]>();
  private nextStatusAtMs = 0;
  private lastStatusAtMs = -Infinity;
  private outputs: ReplicaOutput[] = [];

  /** Restarted without memory: no PRE-PREPARE, PREPARE, COMMIT or VIEW-CHANGE until safe. */
  private readonly restartGuard: RestartGuard;
  /** min-s of the NEW-VIEW that started the current view: the state it presumes. */
  private viewStartSeq = 0;

  /**
   * `restarted`: this process lost its memory of what it signed (see restart-guard.ts);
   * `recoveryNonce` (16 bytes) is then required, fresh for this incarnation: the driver's
   * randomness, since the core has none of its own.
   */
  constructor(config: ReplicaConfig, options: { readonly restarted?: boolean; readonly recoveryNonce?: Uint8Array } = {}) {

    this.quorums = replicaQuorums(config, validateParameters(config));
    if (!Number.isInteger(config.id) || config.id < 0 || config.id >= config.n) {
      throw new Error(`id must be in 0..${config.n - 1}, got ${config.id}`);
    }
    if (config.replicaKeys.length !== config.n) throw new Error(`replicaKeys must hold n=${config.n} keys`);
    this.config = config;
    this.timeoutMs = config.viewChangeTimeoutMs;
    this.restartGuard = new RestartGuard(options.restarted === true, options.recoveryNonce, this.quorums.strong, this.quorums.weak);
    const votesPerSender = config.logWindow / config.checkpointInterval + 2;
    this.checkpoints = new CheckpointTracker(this.quorums, votesPerSender, this.initialCheckpoint());
  }

  get id(): number {
    return this.config.id;
  }

  /** h: the sequence number of the last stable checkpoint (§4.3). */
  get lowWatermark(): number {
    return this.checkpoints.stable.seq;
  }

  /** H = h + L (§4.3). */
  get highWatermark(): number {
    return this.lowWatermark + this.config.logWindow;
  }

  get isPrimary(): boolean {
    return primaryOf(this.view, this.config.n) === this.id;
  }

  prePrepareDigest(view: number, seq: number): Uint8Array | undefined {
    const entry = this.log.get(seq);
    return entry !== undefined && entry.view === view ? entry.digest : undefined;
  }

  step(input: ReplicaInput): ReplicaOutput[] {
    this.outputs = [];
    if (input.kind === 'tick') this.onTick(input.nowMs);
    else this.onReceive(input.from, input.frame, input.nowMs);
    return this.outputs;
  }

  // --- input --------------------------------------------------------------------

  private onReceive(from: Peer, frame: Uint8Array, nowMs: number): void {
    const admission = admit(this, from, frame);
    switch (admission.verdict) {
      case 'drop':
        this.drop(from, admission.reason, admission.detail, admission.type);
        return;
      case 'future':
        this.buffer(from, frame, admission.signed.message.type);
        return;
      case 'accept':
        this.dispatch(from, admission.signed, nowMs);
        return;
      default:
        assertNever(admission);
    }
  }

  private dispatch(from: Peer, signed: Signed, nowMs: number): void {
    const message = signed.message;
    switch (message.type) {
      case 'request':
        return this.onRequest(from, signed as SignedRequest, nowMs);
      case 'pre-prepare':
        return this.onPrePrepare(signed as Signed<PrePrepare>, nowMs);
      case 'prepare':
        return this.onPrepare(signed as Signed<Prepare>, nowMs);
      case 'commit':
        return this.onCommit(signed as Signed<Commit>, nowMs);
      case 'checkpoint':
        return this.onCheckpoint(from, signed as Signed<Checkpoint>, nowMs);
      case 'status':
        return this.onStatus(signed as Signed<Status>, nowMs);
      case 'view-change':
        return this.onViewChange(signed as Signed<ViewChange>, nowMs);
      case 'new-view':
        return this.onNewView(signed as Signed<NewView>, nowMs);
      case 'fetch-batch':
        return this.onFetchBatch(signed as Signed<FetchBatch>, nowMs);
      case 'batch':
        return this.onBatch(signed as Signed<BatchReply>, nowMs);
      case 'state':
        return this.onState(signed as Signed<StateTransfer>, nowMs);
      case 'commit-certificate':
        return this.onCommitCertificate(signed as Signed<CommitCertificate>, nowMs);
      case 'recovery-query':
        return this.onRecoveryQuery(signed as Signed<RecoveryQuery>, nowMs);
      case 'recovery-reply':
        this.restartGuard.observe(message as RecoveryReply);
        return;
      case 'reply':
        return; // The gateway drops replies; replicas never act on them.
      default:
        assertNever(message);
    }
  }

  private onTick(nowMs: number): void {
    if (this.timerDeadlineMs !== undefined && nowMs >= this.timerDeadlineMs) {
      // §4.4: the primary did not get a waiting request executed in time. §4.5.2: if that
      // happens before a NEW-VIEW arrived, or before anything executed in the new view,
      // the view change failed, and the next one waits twice as long.
      if (!this.active || !this.executedInView) this.doubleTimeout();
      this.startViewChange(this.view + 1, 'timeout', nowMs);
    }
    if (!this.active && this.ownViewChange !== undefined && nowMs >= this.viewChangeResendAtMs) {
      this.viewChangeResendAtMs = nowMs + this.config.viewChangeResendMs;
      this.broadcast(this.ownViewChange);
    }
    this.maybeQueryRecovery(nowMs);
    this.retryFetches(nowMs);
    this.maybeSendStatus(nowMs);
  }

  private maybeSendStatus(nowMs: number): void {
    // A replica whose oldest unexecuted entry waited longer than messages take to
    // arrive asks at once; otherwise a slow heartbeat still lets peers see it fell behind.
    const stalled = this.stalledSinceMs();
    const due = stalled !== undefined && nowMs - stalled >= this.config.retransmitAfterMs
      ? Math.min(this.nextStatusAtMs, this.lastStatusAtMs + this.config.statusIntervalMs)
      : this.nextStatusAtMs;
    if (nowMs < due) return;
    this.lastStatusAtMs = nowMs;
    this.nextStatusAtMs = nowMs + this.config.idleStatusIntervalMs;
    this.broadcast(this.statusMessage());
    if (stalled !== undefined && this.isPrimary && this.active) this.pushPrePrepares(nowMs);
  }

  /**
   * STATUS lets a replica pull what it knows it lacks. A backup that lost a PRE-PREPARE
   * and every PREPARE for it does not know, so a stalled primary pushes the PRE-PREPARE
   * to the backups whose PREPARE it has not seen.
   */
  private pushPrePrepares(nowMs: number): void {
    const last = Math.min(this.lastAssigned, this.lastExecuted + this.config.maxInflightBatches + RETRANSMIT_SEQS_PER_STATUS);
    for (let seq = this.lastExecuted + 1; seq <= last; seq++) {
      const entry = this.log.get(seq);
      if (entry?.prePrepare === undefined || entry.view !== this.view || entry.prepared) continue;
      if (nowMs - entry.createdAtMs < this.config.retransmitAfterMs) continue;
      for (let backup = 0; backup < this.config.n; backup++) {
        if (backup !== this.id && !entry.prepares.has(backup)) this.send({ kind: 'replica', id: backup }, entry.prePrepare);
      }
    }
  }

  private statusMessage(): Signed<Status> {
    // A replica that found its own state wrong claims only its stable checkpoint, so that
    // peers send it their (certified) state.
    const lastExecuted = this.stateSuspectAt === undefined ? this.lastExecuted : this.lowWatermark;
    return this.sign<Status>({ type: 'status', view: this.view, stableSeq: this.lowWatermark, lastExecuted, replica: this.id });
  }

  /**
   * Whether f+1 peers report having executed beyond us, so at least one correct replica
   * has: one Byzantine STATUS claiming a huge lastExecuted must not make us ask ten times
   * as often forever.
   */
  private peersAhead(): boolean {
    let ahead = 0;
    for (const executed of this.reportedExecuted.values()) if (executed > this.lastExecuted) ahead++;
    return ahead >= this.quorums.weak;
  }

  /** When we started waiting for something: an unexecuted entry, or peers known to be ahead. */
  private stalledSinceMs(): number | undefined {
    // Peers are ahead, or we are between views and cannot follow their normal case.
    if (this.peersAhead() || !this.active || this.stateSuspectAt !== undefined) return -Infinity;
    for (let seq = this.lastExecuted + 1; seq <= this.log.highestSeq; seq++) {
      const entry = this.log.get(seq);
      if (entry !== undefined) return entry.createdAtMs;
    }
    return undefined;
  }

  // --- requests (§4.1) --------------------------------------------------------------

  private onRequest(from: Peer, signed: SignedRequest, nowMs: number): void {
    const { client, timestamp } = signed.message;
    const record = this.clients.get(client);
    if (record !== undefined && timestamp < record.timestamp) {
      this.drop(from, 'stale-request', `client ${client} t=${timestamp} < last executed t=${record.timestamp}`, 'request');
      return;
    }
    if (record !== undefined && timestamp === record.timestamp && !hasFlaw(this.config, 'no-client-table-check')) {
      // §4.1: a retransmitted request gets the cached reply again, from its client only
      // (a relayed copy is a replica's business, not the client's) and at most once per
      // status interval: a replayed request buys one reply per interval, not one per copy.
      if (from.kind !== 'client') return;
      if (nowMs - (this.replySentAtMs.get(client) ?? -Infinity) < this.config.statusIntervalMs) return;
      this.replySentAtMs.set(client, nowMs);
      // A reply known only through state transfer is signed once, then cached like any other.
      let reply = record.reply;
      if (reply === undefined) {
        reply = this.signReply(client, record.timestamp, record.result);
        this.clients.set(client, { ...record, reply });
      }
      this.send({ kind: 'client', id: client }, reply);
      return;
    }
    if (!this.isPrimary || !this.active) {
      // §4.1, §4.4: a backup relays a client's request to the primary and starts its timer.
      this.noteWaiting(client, timestamp, nowMs, signed);
      if (from.kind === 'client' && this.active) this.send({ kind: 'replica', id: primaryOf(this.view, this.config.n) }, signed);
      return;
    }
    if ((this.ordered.get(client) ?? 0) >= timestamp) return; // Already ordered; its reply will come.
    const waiting = this.pending.get(client);
    if (waiting !== undefined && waiting.message.timestamp >= timestamp) return;
    this.pending.delete(client);
    this.pending.set(client, signed);
    this.tryPropose(nowMs);
  }

  /** Primary: assigns batches to sequence numbers while the window and pipeline allow (§4.2). */
  private tryPropose(nowMs: number): void {
    const { maxBatch, maxInflightBatches } = this.config;
    this.lastAssigned = Math.max(this.lastAssigned, this.lastExecuted, this.lowWatermark);
    while (
      this.isPrimary &&
      this.mayVote() &&
      this.pending.size > 0 &&
      this.lastAssigned < this.highWatermark &&
      this.lastAssigned - this.lastExecuted < maxInflightBatches
    ) {
      const batch: SignedRequest[] = [];
      for (const [client, request] of this.pending) {
        if (batch.length === maxBatch) break;
        batch.push(request);
        this.pending.delete(client);
        this.ordered.set(client, request.message.timestamp);
      }
      const seq = ++this.lastAssigned;
      const digest = this.config.crypto.sha256(encodeBatch(batch));
      const prePrepare = this.sign<PrePrepare>({ type: 'pre-prepare', view: this.view, seq, digest, replica: this.id, batch });
      const entry = this.log.entryFor(this.view, seq, nowMs);
      entry.prePrepare = prePrepare;
      this.rememberBatch(digest, batch, seq);
      this.broadcast(prePrepare);
      this.checkPrepared(entry, nowMs);
    }
  }

  // --- three-phase protocol (§4.2) ----------------------------------------------------

  private onPrePrepare(signed: Signed<PrePrepare>, nowMs: number): void {
    const { view, seq } = signed.message;
    const entry = this.log.entryFor(view, seq, nowMs);
    if (entry.prePrepare !== undefined && !hasFlaw(this.config, 'pre-prepare-overwritten')) return; // The gateway let it through, so it is the same digest.
    this.acceptPrePrepare(entry, signed, nowMs);
  }

  /** Logs a PRE-PREPARE (from the primary or from O) and, as a backup, prepares it (§4.2). */
  private acceptPrePrepare(entry: LogEntry, signed: Signed<PrePrepare>, nowMs: number): void {
    const { view, seq, digest, batch } = signed.message;
    // §4.2: a backup accepts at most one digest per (v, n); the gateway and O see to it.
    if (entry.digest !== undefined && !bytesEqual(entry.digest, digest) && !hasFlaw(this.config, 'pre-prepare-overwritten')) throw new Error(`replica ${this.id}: second digest for v=${view} n=${seq}`);
    entry.prePrepare = signed;
    this.rememberBatch(digest, batch, seq);
    for (const request of batch) this.noteWaiting(request.message.client, request.message.timestamp, nowMs, request);
    if (!this.isPrimary && this.mayVote()) {
      const prepare = this.sign<Prepare>({ type: 'prepare', view, seq, digest, replica: this.id });
      entry.sentPrepare = prepare;
      entry.prepares.add(this.id, prepare);
      this.broadcast(prepare);
    }
    this.checkPrepared(entry, nowMs);
  }

  private onPrepare(signed: Signed<Prepare>, nowMs: number): void {
    const entry = this.log.entryFor(signed.message.view, signed.message.seq, nowMs);
    entry.prepares.add(signed.message.replica, signed);
    this.checkPrepared(entry, nowMs);
  }

  private onCommit(signed: Signed<Commit>, nowMs: number): void {
    const entry = this.log.entryFor(signed.message.view, signed.message.seq, nowMs);
    entry.commits.add(signed.message.replica, signed);
    this.checkCommitted(entry, nowMs);
  }

  private checkPrepared(entry: LogEntry, nowMs: number): void {
    if (entry.prepared || entry.prePrepare === undefined) return;
    if (entry.matchingPrepares() < this.quorums.prepares) return;
    entry.prepared = true;
    this.certificates.record(entry, this.quorums.prepares);
    if (!this.mayVote()) return;
    const commit = this.sign<Commit>({ type: 'commit', view: entry.view, seq: entry.seq, digest: entry.prePrepare.message.digest, replica: this.id });
    entry.sentCommit = commit;
    entry.commits.add(this.id, commit);
    this.broadcast(commit);
    this.checkCommitted(entry, nowMs);
  }

  private checkCommitted(entry: LogEntry, nowMs: number): void {
    if (entry.committed || !entry.prepared || entry.matchingCommits() < commitQuorum(this.config, this.quorums)) return;
    entry.committed = true;
    this.emit({ type: 'committed', view: entry.view, seq: entry.seq, digest: entry.digest! });
    this.executeReady(nowMs);
  }

  // --- execution (§4.1, §4.2) ---------------------------------------------------------

  /** Executes committed batches strictly in sequence order. */
  private executeReady(nowMs: number): void {
    let executedAny = false;
    for (let next = this.nextCommitted(); next !== undefined; next = this.nextCommitted()) {
      this.execute(next);
      executedAny = true;
      this.lastExecuted = next.message.seq;
      this.certified.delete(next.message.seq);
      if (next.message.seq % this.config.checkpointInterval === 0) this.takeCheckpoint(next.message.seq, nowMs);
    }
    if (executedAny) this.afterExecution(nowMs);
    if (this.isPrimary && this.active) this.tryPropose(nowMs);
  }

  /** The batch at lastExecuted+1, if committed here or proven committed by a certificate. */
  private nextCommitted(): Signed<PrePrepare> | undefined {
    if (this.stateSuspectAt !== undefined) return undefined;
    const seq = this.lastExecuted + 1;
    const entry = this.log.get(seq);
    if (entry?.committed === true) return entry.prePrepare;
    return this.certified.get(seq);
  }

  private execute(prePrepare: Signed<PrePrepare>): void {
    const { view, seq, digest, batch } = prePrepare.message;
    const executions: Execution[] = [];
    for (const request of batch) executions.push({ request, result: this.executeRequest(request, view) });
    this.emit({ type: 'executed', view, seq, digest, executions });
  }

  /**
   * §4.4: the timer stops when no request is waiting and restarts while others still
   * wait; §4.5.2: executing a request in a new view resets the timeout to T.
   */
  private afterExecution(nowMs: number): void {
    if (!this.executedInView) {
      this.executedInView = true;
      this.timeoutMs = this.config.viewChangeTimeoutMs;
    }
    if (!this.active) return;
    // §4.4: the timer runs for one request. Progress on others must not reset it, or a
    // primary that leaves out one client's requests is never suspected while others run.
    const timed = this.timedRequest;
    if (timed !== undefined && this.timerDeadlineMs !== undefined && this.waiting.get(timed.client)?.timestamp === timed.timestamp) return;
    this.restartRequestTimer(nowMs);
  }

  /** (Re)starts the timer for a waiting request, or stops it if none waits (§4.4). */
  private restartRequestTimer(nowMs: number): void {
    const next = this.isPrimary ? undefined : this.waiting.entries().next().value;
    this.timedRequest = next === undefined ? undefined : { client: next[0], timestamp: next[1].timestamp };
    this.timerDeadlineMs = next === undefined ? undefined : nowMs + this.timeoutMs;
  }

  /**
   * Exactly-once: a request whose t is not above the client's last executed t is
   * skipped and uses no version, even if it was ordered twice (§4.1).
   */
  private executeRequest(request: SignedRequest, view: number): OperationResult | undefined {
    const { client, timestamp, operation } = request.message;
    const record = this.clients.get(client);
    if ((this.ordered.get(client) ?? Infinity) <= timestamp) this.ordered.delete(client);
    if ((this.waiting.get(client)?.timestamp ?? Infinity) <= timestamp) this.waiting.delete(client);
    if (record !== undefined && timestamp <= record.timestamp && !hasFlaw(this.config, 'no-client-table-check')) return undefined;
    const result = this.store.execute(executedOperation(this.config, operation));
    const reply = this.signReply(client, timestamp, result, view);
    this.clients.set(client, { timestamp, result, reply });
    this.send({ kind: 'client', id: client }, reply);
    return result;
  }

  private signReply(client: number, timestamp: number, result: OperationResult, view = this.view): Signed<Reply> {
    return this.sign<Reply>({ type: 'reply', view, timestamp, client, replica: this.id, result });
  }

  /** §4.4: a valid request not yet executed starts the timer, if it is not running. */
  private noteWaiting(client: number, timestamp: number, nowMs: number, request?: SignedRequest): void {
    const record = this.clients.get(client);
    if (record !== undefined && timestamp <= record.timestamp) return;
    const known = this.waiting.get(client);
    if (known !== undefined && (known.timestamp > timestamp || (known.timestamp === timestamp && (known.request !== undefined || request === undefined)))) return;
    this.waiting.set(client, { timestamp, request });
    if (this.active && !this.isPrimary && this.timerDeadlineMs === undefined) {
      this.timerDeadlineMs = nowMs + this.timeoutMs;
      this.timedRequest = { client, timestamp };
    }
  }

  // --- checkpoints (§4.3) ---------------------------------------------------------------

  private takeCheckpoint(seq: number, nowMs: number): void {
    const storeSnapshot = this.store.snapshot();
    const digest = stateDigest(this.config.crypto.sha256, storeSnapshot, this.clients.encode());
    const signed = this.sign<Checkpoint>({ type: 'checkpoint', seq, digest, replica: this.id });
    this.checkpoints.recordOwn({ seq, digest, signed, snapshot: { store: storeSnapshot, clients: this.clients.snapshot() } });
    this.checkpoints.addVote(signed);
    this.emit({ type: 'checkpoint', seq, digest });
    this.broadcast(signed);
    this.tryStabilize(seq, nowMs);
  }

  private onCheckpoint(from: Peer, signed: Signed<Checkpoint>, nowMs: number): void {
    if (this.checkpoints.addVote(signed) === 'full') {
      this.drop(from, 'checkpoint-buffer-full', `replica ${signed.message.replica} n=${signed.message.seq}`, 'checkpoint');
      return;
    }
    this.tryStabilize(signed.message.seq, nowMs);
  }

  private tryStabilize(seq: number, nowMs: number): void {
    if (seq <= this.lowWatermark) return;
    const certificate = this.checkpoints.certificateAt(seq);
    const own = this.checkpoints.ownAt(seq);
    // Without our own checkpoint at seq we are behind: peers send their state when our
    // STATUS shows it (state transfer, below).
    if (certificate === undefined || own === undefined) return;
    if (!bytesEqual(certificate.digest, own.digest)) {
      // 2f+1 replicas, f+1 of them correct, certify another state: ours is wrong. Stop
      // executing on it and fetch the certified state (state transfer) instead of stalling.
      this.emit({ type: 'checkpoint-mismatch', seq, own: own.digest, certified: certificate.digest });
      this.stateSuspectAt ??= seq;
      return;
    }
    this.makeStable(certificate, own, nowMs);
  }

  private makeStable(certificate: Certificate, own: OwnCheckpoint, nowMs: number): void {
    const seq = certificate.seq;
    this.checkpoints.makeStable(certificate, own);
    if (!hasFlaw(this.config, 'log-not-garbage-collected')) this.log.discardThrough(seq);
    this.certificates.discardThrough(seq);
    this.batches.discardThrough(seq);
    for (const certified of this.certified.keys()) if (certified <= seq) this.certified.delete(certified);
    this.emit({ type: 'stable-checkpoint', seq, digest: certificate.digest });
    this.replayFuture(nowMs);
    if (this.isPrimary && this.active) this.tryPropose(nowMs);
  }

  // --- retransmission --------------------------------------------------------------------

  /**
   * A peer said how far it got; resend our own messages for what it lacks. Entries we
   * executed are certainly missing there; newer ones only once their messages had time
   * to arrive (status messages of the BFT library, Castro & Liskov, TOCS 2002).
   */
  private onStatus(signed: Signed<Status>, nowMs: number): void {
    const status = signed.message;
    this.reportedExecuted.set(status.replica, status.lastExecuted);
    // A STATUS carries no freshness, so a Byzantine peer can replay old ones as fast as it
    // likes. Answer each peer at most twice per status interval, the rate an honest stalled
    // replica asks at, so the work a peer can cause us stays bounded by time.
    const answeredAtMs = this.statusAnsweredAtMs.get(status.replica) ?? -Infinity;
    if (nowMs - answeredAtMs < this.config.statusIntervalMs / 2) return;
    this.statusAnsweredAtMs.set(status.replica, nowMs);
    const peer: Peer = { kind: 'replica', id: status.replica };
    for (const checkpoint of this.checkpoints.ownAbove(status.stableSeq)) this.send(peer, checkpoint);
    this.helpChangeViews(peer, status.view, nowMs);
    if (status.lastExecuted < this.lastExecuted) {
      // Tell a lagging peer how far we are, so it keeps asking until it has caught up.
      this.send(peer, this.statusMessage());
    }
    if (status.lastExecuted < this.lowWatermark) this.sendState(peer, nowMs);
    const first = Math.max(status.lastExecuted, this.lowWatermark) + 1;
    const last = Math.min(this.highWatermark, status.lastExecuted + RETRANSMIT_SEQS_PER_STATUS);
    for (let seq = first; seq <= last; seq++) {
      const entry = this.log.get(seq);
      if (entry === undefined) continue;
      if (entry.committed && seq <= this.lastExecuted) {
        // It certainly lacks this batch: one certificate carries all it needs.
        this.sendCommitCertificate(peer, entry);
        continue;
      }
      if (entry.view !== this.view || status.view !== this.view) continue;
      if (nowMs - entry.createdAtMs < this.config.retransmitAfterMs) continue;
      if (this.isPrimary && entry.prePrepare !== undefined) this.send(peer, entry.prePrepare);
      if (entry.sentPrepare !== undefined) this.send(peer, entry.sentPrepare);
      if (entry.sentCommit !== undefined) this.send(peer, entry.sentCommit);
    }
  }

  /** A peer in an older view gets our VIEW-CHANGE and, from the primary, the NEW-VIEW (§4.5.2). */
  private helpChangeViews(peer: Peer, peerView: number, nowMs: number): void {
    if (peerView >= this.view) return;
    if (this.ownViewChange !== undefined && this.ownViewChange.message.newView === this.view) this.send(peer, this.ownViewChange);
    if (this.active && this.newView !== undefined && this.isPrimary) this.resendNewView(peer, nowMs);
  }

  /** The NEW-VIEW again, to one replica, at most once per VIEW-CHANGE resend interval. */
  private resendNewView(peer: Peer, nowMs: number): void {
    if (this.newView === undefined || nowMs - (this.newViewSentAtMs.get(peer.id) ?? -Infinity) < this.config.viewChangeResendMs) return;
    this.newViewSentAtMs.set(peer.id, nowMs);
    this.send(peer, this.newView);
  }

  private sendCommitCertificate(peer: Peer, entry: LogEntry): void {
    if (entry.commitCertificate === undefined) {
      const prePrepare = entry.prePrepare!;
      const digest = prePrepare.message.digest;
      const commits = entry.commits.voters((vote) => bytesEqual(vote.message.digest, digest)).slice(0, this.quorums.strong).map((replica) => entry.commits.get(replica)!);
      entry.commitCertificate = this.sign<CommitCertificate>({ type: 'commit-certificate', prePrepare, commits, replica: this.id });
    }
    this.send(peer, entry.commitCertificate);
  }

  // --- view change (§4.4, §4.5.2) ----------------------------------------------------------

  /** Moves to `newView`, stops normal-case work and multicasts VIEW-CHANGE ⟨v+1, n, C, P, i⟩. */
  private startViewChange(newView: number, reason: 'timeout' | 'joined' | 'bad-new-view', nowMs: number): void {
    if (newView <= this.view && !this.active) return;
    this.view = newView;
    this.active = false;
    this.executedInView = false;
    this.timerDeadlineMs = undefined;
    this.timedRequest = undefined;
    this.pending.clear();
    this.ordered.clear();
    const stable = this.checkpoints.stable;
    const prepared = this.certificates.within(stable.seq, stable.seq + this.config.logWindow);
    this.emit({ type: 'view-change', view: newView, reason, prepared: prepared.map(({ prePrepare }) => prePrepare.message.seq) });
    if (!this.mayVote() || !this.restartGuard.mayAskFor(newView)) {
      // Without memory of its earlier votes it only moves along, waiting for a NEW-VIEW.
      this.ownViewChange = undefined;
      return;
    }
    const viewChange = this.sign<ViewChange>({ type: 'view-change', newView, stableSeq: stable.seq, checkpointProof: stable.proof, prepared, replica: this.id });
    this.ownViewChange = viewChange;
    this.viewChanges.record(viewChange);
    this.viewChangeResendAtMs = nowMs + this.config.viewChangeResendMs;
    this.broadcast(viewChange);
    this.afterViewChangeVote(nowMs);
  }

  private onViewChange(signed: Signed<ViewChange>, nowMs: number): void {
    const { replica, newView } = signed.message;
    // A VIEW-CHANGE for the view we are active in: the sender missed the NEW-VIEW. Only
    // the primary can help, by resending it; answering with our own VIEW-CHANGE would make
    // two active replicas answer each other forever.
    if (newView === this.view && this.active) {
      this.viewChanges.record(signed);
      if (this.isPrimary) this.resendNewView({ kind: 'replica', id: replica }, nowMs);
      return;
    }
    if (!this.viewChanges.record(signed)) return;
    if (this.joinIfSuspected(nowMs)) return;
    if (newView === this.view) this.afterViewChangeVote(nowMs);
  }

  /**
   * §4.5.2: f+1 replicas asking for views above ours include a correct one, so join
   * them, at the smallest view of such a set. Fewer cannot force a view change.
   */
  private joinIfSuspected(nowMs: number): boolean {
    const target = this.viewChanges.joinTarget(this.view, this.id, this.quorums.weak);
    if (target === undefined) return false;
    this.startViewChange(target, 'joined', nowMs);
    return true;
  }

  /** §4.5.2: the timer starts once 2f+1 want this view; the new primary then sends NEW-VIEW. */
  private afterViewChangeVote(nowMs: number): void {
    if (this.active) return;
    const votes = this.viewChanges.forView(this.view);
    if (votes.length < this.quorums.strong) return;
    this.timerDeadlineMs ??= nowMs + this.timeoutMs;
    if (this.isPrimary && this.mayVote() && this.restartGuard.mayAskFor(this.view)) this.sendNewView(votes.slice(0, this.quorums.strong), nowMs);
  }

  /** §4.4: NEW-VIEW ⟨v+1, V, O⟩ with O computed from V. */
  private sendNewView(viewChanges: readonly Signed<ViewChange>[], nowMs: number): void {
    const plan = planNewView(viewChanges.map((signed) => signed.message));
    const prePrepares = plan.digests.map(({ seq, digest }) =>
      headerOf(this.sign<PrePrepare>({ type: 'pre-prepare', view: this.view, seq, digest, replica: this.id, batch: [] })),
    );
    const newView = this.sign<NewView>({ type: 'new-view', newView: this.view, viewChanges, prePrepares, replica: this.id });
    this.broadcast(newView);
    this.enterView(newView, plan, nowMs);
  }

  private onNewView(signed: Signed<NewView>, nowMs: number): void {
    const { newView, viewChanges, prePrepares } = signed.message;
    if (newView === this.view && this.active) return;
    // §4.4: recompute O from V; a primary whose O differs is faulty.
    const plan = planNewView(viewChanges.map((viewChange) => viewChange.message));
    const mismatch = hasFlaw(this.config, 'new-view-o-not-recomputed') ? undefined : matchesPlan(plan, newView, prePrepares);
    // V is 2f+1 valid VIEW-CHANGEs either way (the gateway checked them): keep them, they
    // are what vouches for our view to a restarted peer (restart-guard.ts).
    for (const viewChange of viewChanges) this.viewChanges.record(viewChange);
    if (mismatch !== undefined) {
      this.drop({ kind: 'replica', id: signed.message.replica }, 'bad-new-view', mismatch, 'new-view');
      this.view = Math.max(this.view, newView);
      this.active = false;
      this.doubleTimeout();
      this.startViewChange(newView + 1, 'bad-new-view', nowMs);
      return;
    }
    this.enterView(signed, plan, nowMs);
  }

  /** §4.4: adopt min-s, then run prepare and commit for every entry of O in the new view. */
  private enterView(signed: Signed<NewView>, plan: NewViewPlan, nowMs: number): void {
    const view = signed.message.newView;
    this.view = view;
    this.active = true;
    this.newView = signed;
    this.viewStartSeq = plan.minS;
    this.viewChangesCompleted++;
    this.restartRequestTimer(nowMs);
    this.adoptCheckpoint(plan, nowMs);
    this.log.discardViewsBelow(view);
    for (const header of signed.message.prePrepares) this.installFromNewView(header, nowMs);
    this.lastAssigned = Math.max(plan.maxS, this.lowWatermark, this.lastExecuted);
    if (this.isPrimary) this.adoptWaitingRequests();
    const nulls = plan.digests.filter(({ digest }) => bytesEqual(digest, NULL_DIGEST)).length;
    this.emit({ type: 'new-view', view, minS: plan.minS, maxS: plan.maxS, nulls });
    this.replayFuture(nowMs);
    this.executeReady(nowMs);
  }

  /**
   * A new primary orders the requests it held as a backup, in client order, instead of
   * waiting for clients to retransmit them (while backups' timers run again).
   */
  private adoptWaitingRequests(): void {
    const inO = new Set<string>();
    for (const entry of this.log.ordered()) {
      for (const request of entry.prePrepare?.message.batch ?? []) inO.add(`${request.message.client}:${request.message.timestamp}`);
    }
    const clients = [...this.waiting.keys()].sort((a, b) => a - b);
    for (const client of clients) {
      const { timestamp, request } = this.waiting.get(client)!;
      if (request !== undefined && !inO.has(`${client}:${timestamp}`)) this.pending.set(client, request);
    }
  }

  /** min-s becomes our stable checkpoint if our state there matches; otherwise state transfer follows. */
  private adoptCheckpoint(plan: NewViewPlan, nowMs: number): void {
    if (plan.minS <= this.lowWatermark || plan.checkpointProof.length === 0) return;
    const own = this.checkpoints.ownAt(plan.minS);
    const digest = plan.checkpointProof[0]!.message.digest;
    if (own !== undefined && bytesEqual(own.digest, digest)) {
      this.makeStable({ seq: plan.minS, digest, proof: plan.checkpointProof }, own, nowMs);
    }
  }

  private installFromNewView(header: Signed<PrePrepareHeader>, nowMs: number): void {
    const { seq, digest } = header.message;
    if (seq <= this.lowWatermark) return;
    const entry = this.log.entryFor(this.view, seq, nowMs);
    const batch = this.batches.get(digest);
    if (batch === undefined) {
      // O carries digests only: the entry holds its slot under d while the batch is
      // fetched, and only a batch that hashes to d completes it (§4.4).
      const fetch = this.sign<FetchBatch>({ type: 'fetch-batch', digest, replica: this.id });
      entry.awaited = { header, fetch, fetchedAtMs: nowMs };
      this.broadcast(fetch);
      return;
    }
    this.acceptPrePrepare(entry, attachBatch(header, batch), nowMs);
  }

  /** A lost FETCH-BATCH or BATCH must not cost a view change: ask again until it arrives. */
  private retryFetches(nowMs: number): void {
    if (!this.active) return;
    for (const entry of this.log.awaitingBatches()) {
      const awaited = entry.awaited!;
      if (entry.view !== this.view || nowMs - awaited.fetchedAtMs < this.config.statusIntervalMs) continue;
      awaited.fetchedAtMs = nowMs;
      this.broadcast(awaited.fetch);
    }
  }

  /** Whether an O entry of the current view waits for the batch with this digest. */
  awaitsBatch(digest: Uint8Array): boolean {
    return this.log.awaitingBatches().some((entry) => entry.view === this.view && bytesEqual(entry.digest!, digest));
  }

  /** One BATCH per peer per status interval, signed once per batch: a replayed FETCH-BATCH costs nothing more. */
  private onFetchBatch(signed: Signed<FetchBatch>, nowMs: number): void {
    const { digest, replica } = signed.message;
    if (nowMs - (this.batchSentAtMs.get(replica) ?? -Infinity) < this.config.statusIntervalMs / 2) return;
    const reply = this.batches.reply(digest, (batch) => this.sign<BatchReply>({ type: 'batch', digest, batch, replica: this.id }));
    if (reply === undefined) return;
    this.batchSentAtMs.set(replica, nowMs);
    this.send({ kind: 'replica', id: replica }, reply);
  }

  private onBatch(signed: Signed<BatchReply>, nowMs: number): void {
    const { digest, batch } = signed.message;
    for (const entry of this.log.awaitingBatches()) {
      if (entry.view !== this.view || !this.active || !bytesEqual(entry.digest!, digest)) continue;
      this.rememberBatch(digest, batch, entry.seq);
      this.acceptPrePrepare(entry, attachBatch(entry.awaited!.header, batch), nowMs);
    }
    this.executeReady(nowMs);
  }

  private rememberBatch(digest: Uint8Array, batch: readonly SignedRequest[], seq: number): void {
    this.batches.remember(digest, batch, seq);
  }

  // --- state transfer and commit certificates ----------------------------------------------

  /** A peer below our stable checkpoint gets the state there, with its 2f+1 proof. */
  private sendState(peer: Peer, nowMs: number): void {
    const stable = this.checkpoints.stable;
    if (stable.proof.length === 0 || nowMs - (this.stateSentAtMs.get(peer.id) ?? -Infinity) < this.config.viewChangeResendMs * 4) return;
    this.stateSentAtMs.set(peer.id, nowMs);
    if (this.stateMessage?.message.seq !== stable.seq) {
      const clients = [...stable.snapshot.clients.entries()].sort(([a], [b]) => a - b).map(([client, record]) => [client, record.timestamp, record.result] as const);
      this.stateMessage = this.sign<StateTransfer>({ type: 'state', seq: stable.seq, proof: stable.proof, store: stable.snapshot.store, clients, replica: this.id });
    }
    this.send(peer, this.stateMessage);
  }

  /** Whether a STATE for `seq` would move us forward (the gateway asks before checking its proof). */
  wantsState(seq: number): boolean {
    // A replica whose state proved wrong at s takes any certified state from s on, even
    // below what it executed: pipelining usually carries it past s before 2f+1 CHECKPOINTs
    // for s arrive, and waiting for a later checkpoint would wait forever in an idle system.
    return seq > this.lastExecuted || (this.stateSuspectAt !== undefined && seq >= this.stateSuspectAt);
  }

  /** Installs a certified state above ours (the gateway checked the digest against the proof). */
  private onState(signed: Signed<StateTransfer>, nowMs: number): void {
    const { seq, proof, store, clients, replica } = signed.message;
    if (!this.wantsState(seq)) return;
    if (seq < this.lastExecuted) this.emit({ type: 'state-rollback', fromSeq: this.lastExecuted, toSeq: seq });
    this.stateSuspectAt = undefined;
    this.store.restore(store);
    this.clients.restoreRows(clients);
    this.lastExecuted = seq;
    for (const [client, { timestamp }] of [...this.waiting]) if ((this.clients.get(client)?.timestamp ?? 0) >= timestamp) this.waiting.delete(client);
    // §4.4: no request waiting, no timer (executeReady below restarts it if some still wait).
    if (this.waiting.size === 0 && this.active) {
      this.timerDeadlineMs = undefined;
      this.timedRequest = undefined;
    }
    const digest = proof[0]!.message.digest;
    const own = this.sign<Checkpoint>({ type: 'checkpoint', seq, digest, replica: this.id });
    const snapshot = { store: this.store.snapshot(), clients: this.clients.snapshot() };
    this.checkpoints.recordOwn({ seq, digest, snapshot, signed: own });
    this.stateTransfers++;
    this.emit({ type: 'state-transfer', seq, from: replica });
    this.makeStable({ seq, digest, proof }, { seq, digest, snapshot, signed: own }, nowMs);
    this.executeReady(nowMs);
  }

  /** A proven-committed batch we missed: execute it in its turn (§4.2). */
  private onCommitCertificate(signed: Signed<CommitCertificate>, nowMs: number): void {
    const prePrepare = signed.message.prePrepare;
    const seq = prePrepare.message.seq;
    if (seq <= this.lastExecuted || seq > this.highWatermark) return;
    this.certified.set(seq, prePrepare);
    this.rememberBatch(prePrepare.message.digest, prePrepare.message.batch, seq);
    this.executeReady(nowMs);
  }

  // --- messages from the future ---------------------------------------------------------

  private buffer(from: Peer, frame: Uint8Array, type: Message['type']): void {
    const queue = this.future.get(from.id) ?? [];
    if (queue.some((buffered) => bytesEqual(buffered.frame, frame))) {
      this.drop(from, 'redundant', 'already buffered', type);
      return;
    }
    const bufferedBytes = queue.reduce((total, buffered) => total + buffered.frame.length, 0);
    if (queue.length > 0 && bufferedBytes + frame.length > FUTURE_BUFFER_BYTES_PER_SENDER) {
      this.drop(from, 'future-buffer-full', `${bufferedBytes} bytes buffered from replica ${from.id}`, type);
      return;
    }
    if (queue.length >= this.config.futureBufferPerSender) {
      this.drop(from, 'future-buffer-full', `${queue.length} buffered from replica ${from.id}`, type);
      return;
    }
    queue.push({ from, frame });
    this.future.set(from.id, queue);
  }

  /** After the window or view moves, buffered messages get another pass through the gateway. */
  private replayFuture(nowMs: number): void {
    const buffered = [...this.future.keys()].sort((a, b) => a - b).flatMap((sender) => this.future.get(sender)!);
    this.future.clear();
    for (const { from, frame } of buffered) this.onReceive(from, frame, nowMs);
  }

  /**
   * Bytes of protocol messages this replica holds: log, batches, checkpoint votes and
   * proofs, VIEW-CHANGEs, NEW-VIEW, certified batches, buffered future frames and cached
   * answers. The store and client table are the service's state and are not counted.
   * Walks every structure: for checkers, not for every step.
   */
  retainedBytes(): number {
    let total = this.log.retainedBytes() + this.batches.retainedBytes() + this.checkpoints.retainedBytes() + this.viewChanges.retainedBytes();
    total += (this.newView?.frame.length ?? 0) + (this.ownViewChange?.frame.length ?? 0) + (this.recoveryQuery?.frame.length ?? 0);
    for (const prePrepare of this.certified.values()) total += prePrepare.frame.length;
    for (const queue of this.future.values()) for (const { frame } of queue) total += frame.length;
    for (const { signed } of this.recoveryAnswers.values()) total += signed.frame.length;
    return total;
  }

  /** Messages buffered for later, for memory-bound checks. */
  get bufferedCount(): number {
    let total = 0;
    for (const queue of this.future.values()) total += queue.length;
    return total;
  }

  private doubleTimeout(): void {
    this.timeoutMs = Math.min(this.timeoutMs * 2, this.config.maxViewChangeTimeoutMs);
  }

  // --- restart without memory ----------------------------------------------------------------

  /**
   * A replica restarted without memory asks for its peers' views until 2f+1 answered, and
   * keeps asking while it waits for a NEW-VIEW it cannot vote for: the primary answers
   * with the NEW-VIEW, which a replica that sent no VIEW-CHANGE would otherwise not get.
   */
  private maybeQueryRecovery(nowMs: number): void {
    if (!this.restartGuard.recovering || (!this.restartGuard.estimating && this.active)) return;
    if (nowMs - this.recoveryQuerySentAtMs < this.config.viewChangeResendMs) return;
    this.recoveryQuerySentAtMs = nowMs;
    this.recoveryQuery ??= this.sign<RecoveryQuery>({ type: 'recovery-query', nonce: this.restartGuard.nonce!, replica: this.id });
    this.broadcast(this.recoveryQuery);
  }

  /**
   * Our view for a restarted peer, with the VIEW-CHANGEs that vouch for it. A replica that
   * is itself recovering does not answer: its view says nothing about the past. At most one
   * answer per peer per resend interval, signed again only when the view or nonce changed.
   */
  private onRecoveryQuery(signed: Signed<RecoveryQuery>, nowMs: number): void {
    const { nonce, replica } = signed.message;
    const peer: Peer = { kind: 'replica', id: replica };
    if (this.active && this.isPrimary) this.resendNewView(peer, nowMs);
    if (this.restartGuard.recovering) return;
    const last = this.recoveryAnswers.get(replica);
    if (last !== undefined && nowMs - last.atMs < this.config.viewChangeResendMs / 2) return;
    let answer = last?.signed;
    if (answer === undefined || answer.message.view !== this.view || answer.message.stableSeq !== this.lowWatermark || !bytesEqual(answer.message.nonce, nonce)) {
      const proof = recoveryProof(this.viewChanges.all(), this.quorums.weak);
      const stable = this.checkpoints.stable;
      answer = this.sign<RecoveryReply>({ type: 'recovery-reply', nonce, view: this.view, stableSeq: stable.seq, checkpointProof: stable.proof, proof, replica: this.id });
    }
    this.recoveryAnswers.set(replica, { atMs: nowMs, signed: answer });
    this.send(peer, answer);
  }

  /** GatewayContext: the VIEW-CHANGE we hold, when `frame` is a byte-identical resend of it. */
  admitted(message: Message, frame: Uint8Array): Signed | undefined {
    if (message.type !== 'view-change') return undefined;
    const held = this.viewChanges.latestFrom(message.replica);
    return held !== undefined && bytesEqual(held.frame, frame) ? held : undefined;
  }

  /** GatewayContext: why `message` can change nothing here, asked before its signatures are checked. */
  redundancy(message: Message): string | undefined {
    switch (message.type) {
      case 'view-change': {
        const held = this.viewChanges.latestView(message.replica);
        if (held === undefined || held < message.newView) return undefined;
        if (held > message.newView) return `replica ${message.replica} already asked for view ${held}`;
        // A resent VIEW-CHANGE for the view we are active in asks for the NEW-VIEW (rate
        // limited in resendNewView); any other repeat adds nothing.
        return message.newView === this.view && this.active && this.isPrimary ? undefined : `VIEW-CHANGE for view ${message.newView} already held`;
      }
      case 'new-view':
        return message.newView === this.view && this.active ? `already active in view ${message.newView}` : undefined;
      case 'batch':
        return this.awaitsBatch(message.digest) ? undefined : 'no O entry waits for this batch';
      case 'state':
        return this.wantsState(message.seq) ? undefined : `state for n=${message.seq}, executed ${this.lastExecuted}`;
      case 'commit-certificate': {
        const seq = message.prePrepare.message.seq;
        if (seq <= this.lastExecuted || seq > this.highWatermark) return `n=${seq} outside (${this.lastExecuted}, ${this.highWatermark}]`;
        return this.certified.has(seq) ? `n=${seq} already certified` : undefined;
      }
      case 'recovery-reply':
        return this.restartGuard.wants(message) ? undefined : 'not waiting for this RECOVERY-REPLY';
      default:
        return undefined;
    }
  }

  /** E of restart-guard.ts once fixed, for tests and traces. */
  get recoveryEstimate(): number | undefined {
    return this.restartGuard.estimate;
  }

  /** Whether this replica may sign votes (see restart-guard.ts). */
  private mayVote(): boolean {
    if (!this.restartGuard.recovering) return true;
    if (!this.restartGuard.mayVote(this.active, this.view, this.lastExecuted >= this.viewStartSeq, this.lowWatermark, this.config.logWindow)) return false;
    this.emit({ type: 'voting-resumed', view: this.view });
    return true;
  }

  /** Whether this replica is still waiting to vote after a restart (for checkers and tests). */
  get recovering(): boolean {
    return this.restartGuard.recovering;
  }

  // --- helpers ------------------------------------------------------------------------------

  private initialCheckpoint(): StableCheckpoint {
    const store = this.store.snapshot();
    const digest = stateDigest(this.config.crypto.sha256, store, this.clients.encode());
    return { seq: 0, digest, proof: [], snapshot: { store, clients: this.clients.snapshot() }, own: undefined };
  }

  private sign<M extends Message>(message: M): Signed<M> {
    return encodeSigned(message, (bytes) => this.config.crypto.sign(this.config.keyPair, bytes));
  }

  private send(to: Peer, signed: Signed): void {
    this.outputs.push({ kind: 'send', to, signed });
  }

  private broadcast(signed: Signed): void {
    this.outputs.push({ kind: 'broadcast', signed });
  }

  private emit(event: ReplicaEvent): void {
    this.outputs.push({ kind: 'event', event });
  }

  private drop(from: Peer, reason: DropReason, detail: string, messageType?: Message['type']): void {
    this.outputs.push(messageType === undefined ? { kind: 'drop', from, reason, detail } : { kind: 'drop', from, reason, detail, messageType });
  }
}
