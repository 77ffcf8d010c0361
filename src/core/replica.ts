// A PBFT replica as a pure state machine (OSDI'99 §4.1–4.3): step(input) takes a
// received frame or a clock tick and returns what to send and what happened. It does
// no I/O and reads no clock: time arrives inside every input.
import { bytesEqual } from './bytes.ts';
import { type StableCheckpoint, CheckpointTracker, stateDigest } from './checkpoints.ts';
import { ClientTable } from './client-table.ts';
import { validateParameters, type ReplicaConfig } from './config.ts';
import { encodeBatch, encodeSigned } from './encoding.ts';
import { admit, type DropReason, type GatewayContext, type Peer } from './gateway.ts';
import { type LogEntry, MessageLog } from './log.ts';
import {
  assertNever,
  type Checkpoint,
  type Commit,
  type Message,
  type PrePrepare,
  type Prepare,
  type Signed,
  type SignedRequest,
  type Status,
} from './messages.ts';
import type { OperationResult } from './operations.ts';
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
  | { readonly type: 'checkpoint-mismatch'; readonly seq: number; readonly own: Uint8Array; readonly certified: Uint8Array };

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

  constructor(config: ReplicaConfig) {
    this.quorums = validateParameters(config);
    if (!Number.isInteger(config.id) || config.id < 0 || config.id >= config.n) {
      throw new Error(`id must be in 0..${config.n - 1}, got ${config.id}`);
    }
    if (config.replicaKeys.length !== config.n) throw new Error(`replicaKeys must hold n=${config.n} keys`);
    this.config = config;
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
      case 'reply':
        return; // The gateway drops replies; replicas never act on them.
      default:
        assertNever(message);
    }
  }

  private onTick(nowMs: number): void {
    // A replica whose oldest unexecuted entry waited longer than messages take to
    // arrive asks at once; otherwise a slow heartbeat still lets peers see it fell behind.
    const stalled = this.stalledSinceMs();
    const due = stalled !== undefined && nowMs - stalled >= this.config.retransmitAfterMs
      ? Math.min(this.nextStatusAtMs, this.lastStatusAtMs + this.config.statusIntervalMs)
      : this.nextStatusAtMs;
    if (nowMs < due) return;
    this.lastStatusAtMs = nowMs;
    this.nextStatusAtMs = nowMs + this.config.idleStatusIntervalMs;
    this.broadcast(this.sign({ type: 'status', view: this.view, stableSeq: this.lowWatermark, lastExecuted: this.lastExecuted, replica: this.id }));
  }

  /** When the oldest entry above lastExecuted was created, if there is one. */
  private stalledSinceMs(): number | undefined {
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
    if (record !== undefined && timestamp === record.timestamp) {
      // §4.1: a retransmitted request gets the cached reply again.
      if (record.reply !== undefined) this.send({ kind: 'client', id: client }, record.reply);
      return;
    }
    if (!this.isPrimary) {
      // §4.1: a backup relays a client's request to the primary.
      if (from.kind === 'client') this.send({ kind: 'replica', id: primaryOf(this.view, this.config.n) }, signed);
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
      this.broadcast(prePrepare);
      this.checkPrepared(entry, nowMs);
    }
  }

  // --- three-phase protocol (§4.2) ----------------------------------------------------

  private onPrePrepare(signed: Signed<PrePrepare>, nowMs: number): void {
    const { view, seq, digest } = signed.message;
    const entry = this.log.entryFor(view, seq, nowMs);
    if (entry.prePrepare !== undefined) return; // The gateway let it through, so it is the same digest.
    entry.prePrepare = signed;
    if (!this.isPrimary) {
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
    const commit = this.sign<Commit>({ type: 'commit', view: entry.view, seq: entry.seq, digest: entry.prePrepare.message.digest, replica: this.id });
    entry.sentCommit = commit;
    entry.commits.add(this.id, commit);
    this.broadcast(commit);
    this.checkCommitted(entry, nowMs);
  }

  private checkCommitted(entry: LogEntry, nowMs: number): void {
    if (entry.committed || !entry.prepared || entry.matchingCommits() < this.quorums.strong) return;
    entry.committed = true;
    this.emit({ type: 'committed', view: entry.view, seq: entry.seq, digest: entry.digest! });
    this.executeReady(nowMs);
  }

  // --- execution (§4.1, §4.2) ---------------------------------------------------------

  /** Executes committed batches strictly in sequence order. */
  private executeReady(nowMs: number): void {
    for (let entry = this.log.get(this.lastExecuted + 1); entry?.committed; entry = this.log.get(this.lastExecuted + 1)) {
      this.execute(entry);
      this.lastExecuted = entry.seq;
      if (entry.seq % this.config.checkpointInterval === 0) this.takeCheckpoint(entry.seq, nowMs);
    }
    if (this.isPrimary) this.tryPropose(nowMs);
  }

  private execute(entry: LogEntry): void {
    const prePrepare = entry.prePrepare!;
    const executions: Execution[] = [];
    for (const request of prePrepare.message.batch) {
      executions.push({ request, result: this.executeRequest(request, entry.view) });
    }
    this.emit({ type: 'executed', view: entry.view, seq: entry.seq, digest: prePrepare.message.digest, executions });
  }

  /**
   * Exactly-once: a request whose t is not above the client's last executed t is
   * skipped and uses no version, even if it was ordered twice (§4.1).
   */
  private executeRequest(request: SignedRequest, view: number): OperationResult | undefined {
    const { client, timestamp, operation } = request.message;
    const record = this.clients.get(client);
    if ((this.ordered.get(client) ?? Infinity) <= timestamp) this.ordered.delete(client);
    if (record !== undefined && timestamp <= record.timestamp) return undefined;
    const result = this.store.execute(operation);
    const reply = this.sign({ type: 'reply', view, timestamp, client, replica: this.id, result });
    this.clients.set(client, { timestamp, result, reply });
    this.send({ kind: 'client', id: client }, reply);
    return result;
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
    // Without our own checkpoint at seq we are behind: state transfer brings us there.
    if (certificate === undefined || own === undefined) return;
    if (!bytesEqual(certificate.digest, own.digest)) {
      this.emit({ type: 'checkpoint-mismatch', seq, own: own.digest, certified: certificate.digest });
      return;
    }
    this.checkpoints.makeStable(certificate, own);
    this.log.discardThrough(seq);
    this.emit({ type: 'stable-checkpoint', seq, digest: certificate.digest });
    this.replayFuture(nowMs);
    if (this.isPrimary) this.tryPropose(nowMs);
  }

  // --- retransmission --------------------------------------------------------------------

  /**
   * A peer said how far it got; resend our own messages for what it lacks. Entries we
   * executed are certainly missing there; newer ones only once their messages had time
   * to arrive (status messages of the BFT library, Castro & Liskov, TOCS 2002).
   */
  private onStatus(signed: Signed<Status>, nowMs: number): void {
    const status = signed.message;
    const peer: Peer = { kind: 'replica', id: status.replica };
    for (const checkpoint of this.checkpoints.ownAbove(status.stableSeq)) this.send(peer, checkpoint);
    if (status.view !== this.view) return;
    const first = Math.max(status.lastExecuted, this.lowWatermark) + 1;
    const last = Math.min(this.highWatermark, status.lastExecuted + RETRANSMIT_SEQS_PER_STATUS);
    for (let seq = first; seq <= last; seq++) {
      const entry = this.log.get(seq);
      if (entry === undefined || entry.view !== this.view) continue;
      if (seq > this.lastExecuted && nowMs - entry.createdAtMs < this.config.retransmitAfterMs) continue;
      if (this.isPrimary && entry.prePrepare !== undefined) this.send(peer, entry.prePrepare);
      if (entry.sentPrepare !== undefined) this.send(peer, entry.sentPrepare);
      if (entry.sentCommit !== undefined) this.send(peer, entry.sentCommit);
    }
  }

  // --- messages from the future ---------------------------------------------------------

  private buffer(from: Peer, frame: Uint8Array, type: Message['type']): void {
    const queue = this.future.get(from.id) ?? [];
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

  /** Messages buffered for later, for memory-bound checks. */
  get bufferedCount(): number {
    let total = 0;
    for (const queue of this.future.values()) total += queue.length;
    return total;
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
