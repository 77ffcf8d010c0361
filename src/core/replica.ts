// A PBFT replica as a pure state machine (OSDI'99 §4.1–4.5): step(input) takes a
// received frame or a clock tick and returns what to send and what happened. It does
// no I/O and reads no clock: time arrives inside every input.
//
// This file is the shell: the replica's state, step() and the dispatch of admitted
// messages to the handlers of each section of the paper, and the outputs. The protocol
// itself lives in one file per section, as free functions of the replica:
//   requests.ts (§4.1), normal-case.ts (§4.2), execution.ts (§4.1, §4.2),
//   checkpointing.ts (§4.3), view-change.ts and new-view-entry.ts (§4.4, §4.5.2),
//   batch-fetch.ts (O by digest, §4.4), state-transfer.ts, retransmission.ts (STATUS,
//   TOCS 2002), recovery.ts (restart without memory), admission.ts (GatewayContext).
// Their state is the fields marked @internal below: read and written by those files
// only, never by drivers, checkers or tests.
import type { CheckpointTracker } from './checkpoints.ts';
import { ClientTable } from './client-table.ts';
import { hasFlaw, replicaQuorums } from './flaws.ts';
import { validateParameters, type ReplicaConfig } from './config.ts';
import { encodeSigned } from './encoding.ts';
import { EquivocationDetector, evidenceLimits, outerStatement, statementsOf, type Statement } from './evidence.ts';
import { sessionKeysOf } from './auth.ts';
import type { SessionKeys } from '../crypto/session-keys.ts';
import { admit, type DropReason, type GatewayContext, type Peer } from './gateway.ts';
import { MessageLog } from './log.ts';
import {
  assertNever, type BatchReply, type Checkpoint, type Commit, type CommitCertificate, type FetchBatch, type Message, type NewView, type PrePrepare,
  type Prepare, type ReadRequest, type RecoveryQuery, type RecoveryReply, type Signed, type SignedRequest, type StateTransfer, type Status, type ViewChange,
} from './messages.ts';
import { BatchStore } from './batch-store.ts';
import { FutureBuffer } from './future-buffer.ts';
import { PreparedCertificates } from './prepared-certificates.ts';
import { RestartGuard } from './restart-guard.ts';
import { restoreFromDisk, resumeAfterRestore, type DiskContents } from './durability.ts';
import { SignGuard } from './sign-guard.ts';
import { ViewChangeTimer } from './view-change-timer.ts';
import { monitorPrimary, PrimaryMonitor } from './primary-monitor.ts';
import { ViewChangeVotes } from './view-change-votes.ts';
import { createPancydb, type Pancydb } from './pancydb.ts';
import { primaryOf, type Quorums } from './quorum.ts';
import type { ReplicaEvent, ReplicaInput, ReplicaOutput } from './replica-io.ts';
import { admitted, redundancy } from './admission.ts';
import { awaitsBatch, onBatch, onFetchBatch, retryFetches } from './batch-fetch.ts';
import { createCheckpointTracker, onCheckpoint } from './checkpointing.ts';
import { onNewView } from './new-view-entry.ts';
import { onCommit, onPrePrepare, onPrepare } from './normal-case.ts';
import { maybeQueryRecovery, onRecoveryQuery } from './recovery.ts';
import { onRead } from './read-only.ts';
import { onRequest } from './requests.ts';
import { maybeSendStatus, onStatus } from './retransmission.ts';
import { onCommitCertificate, onState, wantsState } from './state-transfer.ts';
import { onViewChange, startViewChange } from './view-change.ts';

export type { Execution, ReplicaEvent, ReplicaInput, ReplicaOutput } from './replica-io.ts';

/** A request a backup holds and times (§4.4), latest per client. */
export interface WaitingRequest {
  readonly timestamp: number;
  /** The request itself, when we have it, so a new primary can order it at once. */
  readonly request: SignedRequest | undefined;
  /**
   * Whether its signature is known good: always in 'signed' mode; in 'mac' mode a request
   * taken from a PRE-PREPARE on its MAC alone is not, until a view change checks it (auth.ts).
   */
  readonly signatureChecked: boolean;
}

export class Replica implements GatewayContext {
  readonly config: ReplicaConfig;
  readonly quorums: Quorums;
  view = 0;
  lastExecuted = 0;
  readonly log = new MessageLog();
  readonly store: Pancydb = createPancydb();
  readonly clients = new ClientTable();
  readonly checkpoints: CheckpointTracker;
  /** GatewayContext: session keys in 'mac' mode (auth.ts), derived per peer when first used. */
  readonly sessionKeys: SessionKeys | undefined;

  /** False from sending VIEW-CHANGE for `view` until its NEW-VIEW is accepted (§4.4). */
  active = true;
  /** NEW-VIEWs this replica accepted: the view changes it went through. */
  viewChangesCompleted = 0;
  stateTransfers = 0;

  // --- requests and execution (§4.1, §4.2): requests.ts, normal-case.ts, execution.ts ---

  /**
   * @internal §4.4: requests this replica holds but has not executed, latest per client.
   * The request itself is kept when we have it, so a new primary can order it at once.
   */
  readonly waiting = new Map<number, WaitingRequest>();
  /** @internal §4.4, §4.5.2: the view-change timer, which runs while a request waits. */
  readonly timer: ViewChangeTimer;
  /** @internal Aardvark's throughput and fairness rules (primary-monitor.ts); undefined when off. */
  readonly primaryMonitor: PrimaryMonitor | undefined;
  /** @internal Primary only: highest sequence number assigned so far. */
  lastAssigned = 0;
  /** @internal Primary only: requests waiting for a batch, latest per client, in arrival order. */
  readonly pending = new Map<number, SignedRequest>();
  /** @internal Primary only: per client, the t it has ordered but not yet executed. */
  readonly ordered = new Map<number, number>();
  /** @internal Prepared certificates, the P of a VIEW-CHANGE (§4.4). */
  readonly certificates = new PreparedCertificates();
  /** @internal Batches by digest, for O and FETCH-BATCH (§4.4). */
  readonly batches = new BatchStore();
  /** @internal Batches proven committed by a commit certificate, waiting for their turn to execute. */
  readonly certified = new Map<number, Signed<PrePrepare>>();
  /** @internal When we last resent a cached reply to each client (one entry per client, like the client table). */
  readonly replySentAtMs = new Map<number, number>();
  /** @internal Per client, the last read-only request answered and when (read-only.ts); one entry per registered client at most. */
  readonly readsAnswered = new Map<number, { readonly timestamp: number; readonly atMs: number }>();
  /**
   * @internal The highest n this replica answered tentatively (tentative.ts); reads wait
   * until lastExecuted reaches it. After a restart from disk, the highest n in the log, since
   * a tentative reply may have left for any batch that prepared before the crash.
   */
  tentativeThrough = 0;
  /** @internal Reads waiting for a tentative batch to commit (read-only.ts), latest per client. */
  readonly deferredReads = new Map<number, Signed<ReadRequest>>();

  // --- view change (§4.4, §4.5.2): view-change.ts, new-view-entry.ts ---------------------

  /** @internal */ readonly viewChanges = new ViewChangeVotes();
  /** @internal */ ownViewChange: Signed<ViewChange> | undefined;
  /** @internal */ viewChangeResendAtMs = 0;
  /** @internal The NEW-VIEW that started the current view, resent to replicas still changing views. */
  newView: Signed<NewView> | undefined;
  /** @internal min-s of the NEW-VIEW that started the current view: the state it presumes. */
  viewStartSeq = 0;

  // --- checkpoints and state transfer (§4.3): checkpointing.ts, state-transfer.ts --------

  /** @internal Set when our checkpoint at this seq disagrees with a stable certificate: our state is wrong. */
  stateSuspectAt: number | undefined;
  /** @internal The STATE message for the stable checkpoint, signed once per checkpoint. */
  stateMessage: Signed<StateTransfer> | undefined;
  /** @internal When this replica last sent its state to a peer (state transfer is rate limited). */
  readonly stateSentAtMs = new Map<number, number>();

  // --- STATUS (TOCS 2002): retransmission.ts, batch-fetch.ts ------------------------------

  /** @internal When we last answered each replica's STATUS (bounded by n). */
  readonly statusAnsweredAtMs = new Map<number, number>();
  /** @internal The lastExecuted each replica last reported (bounded by n); see peersAhead. */
  readonly reportedExecuted = new Map<number, number>();

  /** f+1, for primary-monitor.ts's MonitoredReplica. */
  get weakQuorum(): number {
    return this.quorums.weak;
  }
  /** @internal When we last resent the NEW-VIEW, or a batch, to each replica (bounded by n each). */
  readonly newViewSentAtMs = new Map<number, number>();
  /** @internal */ readonly batchSentAtMs = new Map<number, number>();
  /** @internal */ nextStatusAtMs = 0;
  /** @internal */ lastStatusAtMs = -Infinity;

  // --- restart without memory: recovery.ts, restart-guard.ts ------------------------------

  /** @internal Restarted without memory: no PRE-PREPARE, PREPARE, COMMIT or VIEW-CHANGE until safe. */
  readonly restartGuard: RestartGuard;
  /** @internal This incarnation's RECOVERY-QUERY, signed once; and when it was last sent. */
  recoveryQuery: Signed<RecoveryQuery> | undefined;
  /** @internal */ recoveryQuerySentAtMs = -Infinity;
  /** @internal The RECOVERY-REPLY last sent to each replica, and when (bounded by n). */
  readonly recoveryAnswers = new Map<number, { readonly atMs: number; readonly signed: Signed<RecoveryReply> }>();

  // --- durability: durability.ts, sign-guard.ts ------------------------------------------

  /** @internal What this replica signed that binds it, per slot; never a second digest. */
  readonly signGuard = new SignGuard();

  // --- evidence of equivocation: evidence.ts -----------------------------------------------

  /** Conflicting statements of other replicas, both signed: read `evidence.items()`. */
  readonly evidence: EquivocationDetector;
  /** Set when the replica came back from its disk, until its first step resumes it. */
  private restoredFromDisk: boolean;

  private readonly future = new FutureBuffer();
  private outputs: ReplicaOutput[] = [];

  /**
   * `disk`: what the driver read back from this replica's storage; the replica comes back
   * as it was when the records were written (durability.ts). `restarted`: this process
   * lost its memory of what it signed, disk included (see restart-guard.ts);
   * `recoveryNonce` (16 bytes) is then required, fresh for this incarnation: the driver's
   * randomness, since the core has none of its own.
   */
  constructor(config: ReplicaConfig, options: { readonly restarted?: boolean; readonly recoveryNonce?: Uint8Array; readonly disk?: DiskContents } = {}) {

    this.quorums = replicaQuorums(config, validateParameters(config));
    if (!Number.isInteger(config.id) || config.id < 0 || config.id >= config.n) {
      throw new Error(`id must be in 0..${config.n - 1}, got ${config.id}`);
    }
    if (config.replicaKeys.length !== config.n) throw new Error(`replicaKeys must hold n=${config.n} keys`);
    this.config = config;
    const auth = config.auth ?? 'signed';
    if (auth !== 'signed' && auth !== 'mac') throw new Error(`auth must be 'signed' or 'mac', got ${String(auth)}`);
    this.sessionKeys = auth === 'mac' ? sessionKeysOf({ kind: 'replica', id: config.id }, config) : undefined;
    // Never doubled when broken on purpose: a cap of T.
    this.timer = new ViewChangeTimer(config.viewChangeTimeoutMs, hasFlaw(config, 'view-change-timeout-not-doubled') ? config.viewChangeTimeoutMs : config.maxViewChangeTimeoutMs);
    // Windows of T/2; the rates of the last n views, one per primary (NSDI'09 §4.3).
    this.primaryMonitor = config.robustPrimaryPercent === undefined ? undefined : new PrimaryMonitor(config.robustPrimaryPercent, config.viewChangeTimeoutMs / 2, config.n);
    const repliesNeeded = hasFlaw(config, 'restart-estimate-on-2f') ? this.quorums.strong - 1 : this.quorums.strong;
    this.restartGuard = new RestartGuard(options.restarted === true, options.recoveryNonce, repliesNeeded, this.quorums.weak);
    this.checkpoints = createCheckpointTracker(this);
    this.evidence = new EquivocationDetector(config.id, evidenceLimits(config), (signer, signedBytes, signature) => {
      const key = config.replicaKeys[signer];
      return key !== undefined && config.crypto.verify(key, signedBytes, signature);
    });
    if (options.disk !== undefined && options.restarted === true) throw new Error('a replica restarts from its disk or without memory, not both');
    this.restoredFromDisk = options.disk !== undefined;
    if (options.disk !== undefined) {
      restoreFromDisk(this, options.disk);
      this.tentativeThrough = this.log.highestSeq;
    }
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
    if (entry === undefined || entry.view !== view) return undefined;
    // Broken on purpose (flaws.ts): an O entry still fetching its batch does not hold the slot.
    return hasFlaw(this.config, 'o-entry-slot-not-held') ? entry.prePrepare?.message.digest : entry.digest;
  }

  step(input: ReplicaInput): ReplicaOutput[] {
    this.outputs = [];
    if (this.restoredFromDisk) {
      this.restoredFromDisk = false;
      resumeAfterRestore(this, input.nowMs);
    }
    if (input.kind === 'tick') this.onTick(input.nowMs);
    else this.onReceive(input.from, input.frame, input.nowMs);
    return this.outputs;
  }

  // --- input --------------------------------------------------------------------

  private onReceive(from: Peer, frame: Uint8Array, nowMs: number): void {
    const admission = admit(this, from, frame);
    switch (admission.verdict) {
      case 'drop': {
        // What it carries may not all have been checked: only its own statement counts.
        const outer = admission.decoded === undefined ? undefined : outerStatement(admission.decoded.signed);
        if (outer !== undefined) this.observeStatements([outer], admission.decoded!.verified);
        this.drop(from, admission.reason, admission.detail, admission.type);
        return;
      }
      case 'future': {
        const refused = this.future.add(from, frame, this.config.futureBufferPerSender);
        if (refused !== undefined) this.drop(from, refused.reason, refused.detail, admission.signed.message.type);
        return;
      }
      case 'accept':
        this.observeStatements(statementsOf(admission.signed.message, admission.signed), true);
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
        return onRequest(this, from, signed as SignedRequest, nowMs);
      case 'read':
        return onRead(this, from, signed as Signed<ReadRequest>, nowMs);
      case 'pre-prepare':
        return onPrePrepare(this, signed as Signed<PrePrepare>, nowMs);
      case 'prepare':
        return onPrepare(this, signed as Signed<Prepare>, nowMs);
      case 'commit':
        return onCommit(this, signed as Signed<Commit>, nowMs);
      case 'checkpoint':
        return onCheckpoint(this, from, signed as Signed<Checkpoint>, nowMs);
      case 'status':
        return onStatus(this, signed as Signed<Status>, nowMs);
      case 'view-change':
        return onViewChange(this, signed as Signed<ViewChange>, nowMs);
      case 'new-view':
        return onNewView(this, signed as Signed<NewView>, nowMs);
      case 'fetch-batch':
        return onFetchBatch(this, signed as Signed<FetchBatch>, nowMs);
      case 'batch':
        return onBatch(this, signed as Signed<BatchReply>, nowMs);
      case 'state':
        return onState(this, signed as Signed<StateTransfer>, nowMs);
      case 'commit-certificate':
        return onCommitCertificate(this, signed as Signed<CommitCertificate>, nowMs);
      case 'recovery-query':
        return onRecoveryQuery(this, signed as Signed<RecoveryQuery>, nowMs);
      case 'recovery-reply':
        this.restartGuard.observe(message as RecoveryReply);
        return;
      case 'reply':
      case 'reply-digest':
        return; // The gateway drops replies; replicas never act on them.
      default:
        assertNever(message);
    }
  }

  private onTick(nowMs: number): void {
    if (this.timer.expired(nowMs)) {
      // §4.4: the primary did not get a waiting request executed in time. §4.5.2: if that
      // happens before a NEW-VIEW arrived, or before anything executed in the new view,
      // the view change failed, and the next one waits twice as long.
      if (!this.active || !this.timer.executedInView) this.timer.doubleTimeout();
      startViewChange(this, this.view + 1, 'timeout', nowMs);
    }
    if (this.primaryMonitor !== undefined) monitorPrimary(this, this.primaryMonitor, nowMs);
    if (!this.active && this.ownViewChange !== undefined && nowMs >= this.viewChangeResendAtMs) {
      this.viewChangeResendAtMs = nowMs + this.config.viewChangeResendMs;
      this.broadcast(this.ownViewChange);
    }
    maybeQueryRecovery(this, nowMs);
    retryFetches(this, nowMs);
    maybeSendStatus(this, nowMs);
  }

  /** Signed statements for evidence.ts: `verified` by the gateway, or challenges it dropped unchecked. */
  private observeStatements(statements: readonly Statement[], verified: boolean): void {
    for (const statement of statements) {
      const evidence = this.evidence.observe(statement, verified, this.view, this.lowWatermark);
      if (evidence !== undefined) this.emit({ type: 'evidence', evidence });
    }
  }

  /** @internal After the window or view moves, buffered messages get another pass through the gateway. */
  replayFuture(nowMs: number): void {
    for (const { from, frame } of this.future.takeAll()) this.onReceive(from, frame, nowMs);
  }

  // --- for the gateway (admission.ts, batch-fetch.ts, state-transfer.ts) ----------------

  /** Whether an O entry of the current view waits for the batch with this digest. */
  awaitsBatch(digest: Uint8Array): boolean {
    return awaitsBatch(this, digest);
  }

  /** Whether a STATE for `seq` would move us forward (the gateway asks before checking its proof). */
  wantsState(seq: number): boolean {
    return wantsState(this, seq);
  }

  /** GatewayContext: the VIEW-CHANGE we hold, when `frame` is a byte-identical resend of it. */
  admitted(message: Message, frame: Uint8Array): Signed | undefined {
    return admitted(this, message, frame);
  }

  /** GatewayContext: why `message` can change nothing here, asked before its signatures are checked. */
  redundancy(message: Message, from: Peer): string | undefined {
    return redundancy(this, message, from);
  }

  // --- for checkers and tests --------------------------------------------------------------

  /**
   * Bytes of protocol messages this replica holds: log, batches, checkpoint votes and
   * proofs, VIEW-CHANGEs, NEW-VIEW, certified batches, buffered future frames, cached
   * answers and the slots and items of evidence.ts. The store and client table are the
   * service's state and are not counted. Walks every structure: for checkers, not for
   * every step.
   */
  retainedBytes(): number {
    let total = this.log.retainedBytes() + this.batches.retainedBytes() + this.checkpoints.retainedBytes() + this.viewChanges.retainedBytes();
    total += (this.newView?.frame.length ?? 0) + (this.ownViewChange?.frame.length ?? 0) + (this.recoveryQuery?.frame.length ?? 0);
    for (const prePrepare of this.certified.values()) total += prePrepare.frame.length;
    total += this.future.retainedBytes() + this.evidence.retainedBytes();
    for (const { signed } of this.recoveryAnswers.values()) total += signed.frame.length;
    return total;
  }

  /** Messages buffered for later, for memory-bound checks. */
  get bufferedCount(): number {
    return this.future.count;
  }

  /** E of restart-guard.ts once fixed, for tests and traces. */
  get recoveryEstimate(): number | undefined {
    return this.restartGuard.estimate;
  }

  /** Whether a client request this replica holds (waiting, pending or ordered) has not executed yet. */
  get holdsUnexecutedRequests(): boolean {
    return this.waiting.size > 0 || this.pending.size > 0 || this.ordered.size > 0;
  }

  /** Whether this replica is still waiting to vote after a restart (for checkers and tests). */
  get recovering(): boolean {
    return this.restartGuard.recovering;
  }

  // --- outputs -------------------------------------------------------------------------------

  /** @internal Every signature of this replica; a second digest for a bound slot throws (sign-guard.ts). */
  sign<M extends Message>(message: M): Signed<M> {
    const signed = encodeSigned(message, (bytes) => this.config.crypto.sign(this.config.keyPair, bytes));
    // A protocol made broken on purpose (flaws.ts) must be caught by the checkers, not here.
    if (this.config.flaws === undefined || this.config.flaws.size === 0) this.signGuard.check(message, signed.signedBytes, this.view, this.lowWatermark);
    return signed;
  }

  /** @internal A WAL record, durable before any later send (durability.ts). */
  persistRecord(record: Uint8Array): void {
    this.outputs.push({ kind: 'persist', record });
  }

  /** @internal A stable checkpoint file (durability.ts). */
  persistCheckpoint(seq: number, bytes: Uint8Array, truncate: boolean): void {
    this.outputs.push({ kind: 'checkpoint', seq, bytes, truncate });
  }

  /** @internal */ send(to: Peer, signed: Signed): void {
    this.outputs.push({ kind: 'send', to, signed });
  }

  /** @internal To every other replica. */
  broadcast(signed: Signed): void {
    this.outputs.push({ kind: 'broadcast', signed });
  }

  /** @internal */ emit(event: ReplicaEvent): void {
    this.outputs.push({ kind: 'event', event });
  }

  /** @internal */ drop(from: Peer, reason: DropReason, detail: string, messageType?: Message['type']): void {
    this.outputs.push(messageType === undefined ? { kind: 'drop', from, reason, detail } : { kind: 'drop', from, reason, detail, messageType });
  }
}
