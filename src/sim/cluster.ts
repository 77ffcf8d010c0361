// The cluster driver: n replicas and a set of clients on a simulated network, driven
// by one seeded event queue. It owns all I/O of a simulated run: it feeds frames and
// ticks into the pure state machines, carries their outputs over the network, and
// hands what happened to the checkers.
import type { Crypto } from '../crypto/crypto.ts';
import { deriveSecretKey } from '../crypto/keys.ts';
import { memoizeVerify } from '../crypto/memo.ts';
import { ReplicaCosts } from './replica-costs.ts';
import { createCrypto, FASTEST_BACKEND, type CryptoBackend } from '../crypto/index.ts';
import { withTiming, type TimedCrypto } from '../crypto/timing.ts';
import type { AuthMode } from '../core/auth.ts';
import { Client, type ClientOutput } from '../core/client.ts';
import { DEFAULT_PARAMETERS, type ProtocolParameters, type ReplicaConfig } from '../core/config.ts';
import { resultDigest } from '../core/digest-replies.ts';
import { NONCE_BYTES } from '../core/encoding.ts';
import type { ProtocolFlaw } from '../core/flaws.ts';
import type { Peer } from '../core/gateway.ts';
import type { Reply, ReplyDigest, Signed } from '../core/messages.ts';
import { Replica, type ReplicaEvent, type ReplicaInput } from '../core/replica.ts';
import type { AdversaryOutput } from '../adversary/adversary.ts';
import { HostedAdversary, type FaultySpec } from '../adversary/host.ts';
import { SafetyChecker } from '../check/safety.ts';
import { SignedTwiceChecker } from '../check/signed-twice.ts';
import { TentativeOutcomes } from '../check/tentative-outcomes.ts';
import type { Violation } from '../check/violation.ts';
import { ByzantineHistory } from './byzantine-history.ts';
import { ClientHistory } from './client-history.ts';
import { describeEvidence, EvidenceLog } from './evidence-log.ts';
import { EventQueue } from './event-queue.ts';
import { Network, type NetworkOptions } from './network.ts';
import { createRng, type Rng } from './rng.ts';
import type { RunRecorder } from './recorder.ts';
import { describeMessage, describeOperation, describeRanges, describeResult, formatTime, peerName, shortDigest } from './trace.ts';
import { createWorkloads, type WorkloadOptions, type Workloads } from './workloads.ts';
import type { ByzantineClients, ByzantineClientOptions } from './byzantine-clients.ts';
import { scheduleByzantineClients } from './byzantine-schedule.ts';
import { AdversaryFactory, createByzantineClients, requestValidity } from './parties.ts';
import { SimulatedDisk } from './simulated-disk.ts';
import { clientOptimizations, replicaOptimizations, type Optimization } from './optimizations.ts';

/** What the driver steps: a replica, or an adversary wrapped around one (src/adversary). */
export interface ReplicaNode {
  step(input: ReplicaInput): readonly AdversaryOutput[];
}

export interface SimulationOptions {
  readonly seed: number;
  readonly n: number;
  readonly durationMs: number;
  readonly workload: WorkloadOptions;
  /** Clients start no new work after this; the rest of the run lets replicas settle. Default: durationMs. */
  readonly workloadDurationMs?: number;
  readonly network: NetworkOptions;
  readonly parameters?: Partial<Omit<ProtocolParameters, 'n'>>;
  /** Default: FASTEST_BACKEND (traces are the same whichever runs). */
  readonly cryptoBackend?: CryptoBackend;
  /** How replicas and clients authenticate messages (src/core/auth.ts); default 'signed'. */
  readonly auth?: AuthMode;
  /** The §5.1 optimizations on in this run (optimizations.ts), for every replica and client alike; default none. */
  readonly optimizations?: readonly Optimization[];
  /** Time every call into the crypto backend (for the benchmark's crypto share). */
  readonly measureCrypto?: boolean;
  /** Receives one line per protocol event (`-V`). */
  readonly trace?: (line: string) => void;
  /** Receives the same moments as data, for the picture (src/picture/sim-recorder.ts); it must not change the run. */
  readonly recorder?: RunRecorder;
  /** Called after every step of a replica, for invariants that must hold at every step. */
  readonly afterReplicaStep?: (replica: Replica, nowMs: number) => void;
  readonly clientTimeoutMs?: { readonly initial: number; readonly max: number };
  readonly tickMs?: number;
  /** Deliberately broken protocol variants (src/core/flaws.ts); tests only, never the CLI. */
  readonly flaws?: ReadonlySet<ProtocolFlaw>;
  /** Byzantine replicas: id -> adversary. Their events never reach the checkers. */
  readonly faulty?: ReadonlyMap<number, FaultySpec>;
  /** Faulty clients with valid keys (src/sim/byzantine-clients.ts); ids follow the correct clients'. */
  readonly byzantineClients?: ByzantineClientOptions;
  /**
   * 'none': disks keep nothing, and a restarted replica starts blank believing it is new,
   * as `pancydb replica --durability none` would. Tests only: it shows the checkers catch
   * the acknowledged writes this loses.
   */
  readonly durability?: 'none';
}

export interface SimulationContext {
  readonly options: SimulationOptions;
  readonly crypto: Crypto;
  /** Present when `measureCrypto` was set: time spent in the backend, behind the memo. */
  readonly cryptoTiming: TimedCrypto | undefined;
  /** Replaced in place when a replica restarts. A faulty replica's entry is the honest replica its adversary wraps. */
  readonly replicas: Replica[];
  /** Ids of the Byzantine replicas, ascending. */
  readonly faulty: readonly number[];
  /** Ids of the correct replicas, ascending: the ones checkers listen to. */
  readonly correct: readonly number[];
  readonly queue: EventQueue;
  readonly checker: SafetyChecker;
  readonly workloads: Workloads;
  readonly drops: Map<string, number>;
  readonly latenciesMs: number[];
  /** Every client operation with call and return times, for linearizability checking. */
  readonly history: ClientHistory;
  readonly messages: { sent: number; delivered: number; lost: number };
  /** Correct clients' read-only requests (§5.1): accepted on that path, or sent down the ordered one. */
  readonly reads: { accepted: number; fellBack: number };
  /** Per replica: messages and bytes sent and received by type, signatures and verifications. */
  readonly costs: ReplicaCosts;
  readonly clients: readonly Client[];
  /** Present when `byzantineClients` was set: what they sent, per kind. */
  readonly byzantineClients?: ByzantineClients;
  /** Evidence of equivocation the correct replicas kept (src/core/evidence.ts), in the order found. */
  readonly evidence: EvidenceLog;
}

const TICK_MS = 10;

export function createSimulation(options: SimulationOptions): SimulationContext & { run(): void } {
  const rng = createRng(options.seed);
  const backend = createCrypto(options.cryptoBackend ?? FASTEST_BACKEND);
  const cryptoTiming = options.measureCrypto === true ? withTiming(backend) : undefined;
  const crypto = memoizeVerify(cryptoTiming ?? backend);
  const parameters: ProtocolParameters = { ...DEFAULT_PARAMETERS, ...options.parameters, n: options.n };
  const replicaKeyPairs = Array.from({ length: options.n }, (_, id) => crypto.keyPair(deriveSecretKey(options.seed, 'replica', id)));
  const replicaKeys = replicaKeyPairs.map((pair) => pair.publicKey);
  const workloads = createWorkloads(options.workload, options.workloadDurationMs ?? options.durationMs, rng.fork('workload'));
  const clientKeyPairs = Array.from({ length: options.workload.clients }, (_, id) => crypto.keyPair(deriveSecretKey(options.seed, 'client', id)));
  const byzantineClients = createByzantineClients(options, crypto, replicaKeys, rng);
  const clientKey = (client: number) => clientKeyPairs[client]?.publicKey ?? byzantineClients?.publicKey(client);

  const flaws = options.flaws === undefined ? {} : { flaws: options.flaws };
  // Every replica and client of the run, Byzantine ones included, uses the run's mode.
  const auth = options.auth ?? 'signed';
  // Each replica counts its own crypto work around the shared backend and memo.
  const costs = new ReplicaCosts(options.n, crypto);
  // So do the optimizations: a faulty replica's honest core and every client get the same.
  const optimizations = options.optimizations ?? [];
  const onReplicas = replicaOptimizations(optimizations);
  const configs = replicaKeyPairs.map((keyPair, id): ReplicaConfig => ({ ...parameters, id, keyPair, crypto: costs.cryptoOf(id), replicaKeys, clientKey, auth, ...onReplicas, ...flaws }));
  const faultySpecs = options.faulty ?? new Map<number, FaultySpec>();
  const faulty = [...faultySpecs.keys()].sort((a, b) => a - b);
  for (const id of faulty) if (!Number.isSafeInteger(id) || id < 0 || id >= options.n) throw new Error(`faulty replica ${id} is not one of 0..${options.n - 1}`);
  const adversaries = new AdversaryFactory(faultySpecs, faulty, rng.fork('adversaries'), options.trace, options.recorder);
  const nodes: ReplicaNode[] = configs.map((config) => adversaries.create(config, undefined) ?? new Replica(config));
  const replicas = nodes.map((node) => (node instanceof HostedAdversary ? node.replica : (node as Replica)));
  const timeouts = options.clientTimeoutMs ?? { initial: 150, max: 1200 };
  const clients = clientKeyPairs.map(
    (keyPair, id) => new Client({ id, n: options.n, keyPair, crypto, replicaKeys, auth, initialTimeoutMs: timeouts.initial, maxTimeoutMs: timeouts.max, ...clientOptimizations(optimizations), ...flaws }),
  );
  const correctIds = replicaKeyPairs.map((_, id) => id).filter((id) => !faultySpecs.has(id));
  const checker = new SafetyChecker({ verifyRequest: requestValidity({ auth, crypto, replicaKeyPairs, replicaKeys, clientKey, correct: correctIds }) });
  const context: SimulationContext = {
    options, crypto, cryptoTiming, replicas, clients, checker, workloads, faulty,
    correct: correctIds,
    queue: new EventQueue(),
    drops: new Map(),
    latenciesMs: [],
    history: new ClientHistory(),
    messages: { sent: 0, delivered: 0, lost: 0 },
    reads: { accepted: 0, fellBack: 0 },
    costs,
    evidence: new EvidenceLog(),
    ...(byzantineClients === undefined ? {} : { byzantineClients }),
  };
  const disks = configs.map((config) => new SimulatedDisk(`replica-${config.id}`));
  const driver = new Driver(context, new Network(options.network, rng.fork('network')), nodes, configs, adversaries, disks, rng.fork('storage'));
  return { ...context, run: () => driver.run() };
}

class Driver {
  private readonly replicaPeers: Peer[];
  private readonly clientPeers: Peer[];
  private readonly trace: ((line: string) => void) | undefined;
  private readonly recorder: RunRecorder | undefined;
  private readonly byzantineHistory: ByzantineHistory;
  /** signed-twice (src/check/signed-twice.ts): every vote a correct replica signs, checked as it leaves. */
  private readonly signedTwice = new SignedTwiceChecker((violation) => this.context.checker.report(violation));
  /** Per correct client, t of its read-only request still open (§5.1): the one whose answers reply-integrity collects. */
  private readonly openReads = new Map<number, number>();
  /** Results accepted on tentative replies (§5.1) that the run's end may leave open. */
  private readonly tentative = new TentativeOutcomes();

  constructor(
    private readonly context: SimulationContext,
    private readonly network: Network,
    private readonly nodes: ReplicaNode[],
    private readonly configs: readonly ReplicaConfig[],
    private readonly adversaries: AdversaryFactory,
    /** One simulated disk per replica; a crash loses what was not synced. */
    private readonly disks: readonly SimulatedDisk[],
    private readonly storageRng: Rng,
  ) {
    this.replicaPeers = nodes.map((_, id) => ({ kind: 'replica', id }));
    // Byzantine clients' ids follow the correct clients': replies to them are real links.
    this.clientPeers = [...context.clients.keys(), ...(context.byzantineClients?.ids ?? [])].map((id) => ({ kind: 'client', id }));
    this.trace = context.options.trace;
    this.recorder = context.options.recorder;
    this.byzantineHistory = new ByzantineHistory(context.history, context.clients.length);
  }

  run(): void {
    const { queue, options, checker } = this.context;
    queue.schedule(0, () => this.tick());
    for (const crash of options.network.crashes) {
      queue.schedule(crash.atMs, () => this.disks[crash.replica]!.crash(this.storageRng));
      if (crash.restartAtMs !== undefined) queue.schedule(crash.restartAtMs, () => this.restart(crash.replica, crash.amnesia === true));
    }
    this.context.workloads.list.forEach((workload, client) => this.onWorkloadStep(client, workload.start(0)));
    this.startByzantineClients();
    queue.runUntil(options.durationMs, () => !checker.ok);
    const executedSeq = Math.max(...this.context.correct.map((id) => this.context.replicas[id]!.lastExecuted));
    checker.finish(queue.nowMs, (key) => this.tentative.inFlight(key, executedSeq, (seq) => checker.committedDigest(seq)));
  }

  /**
   * A crashed replica comes back as a new process with the same key: from what its disk
   * kept (core/durability.ts), or, with `amnesia` and for Byzantine replicas, with nothing.
   */
  private restart(id: number, amnesia: boolean): void {
    const config = this.configs[id]!;
    if (!amnesia && !this.adversaries.isFaulty(id) && !this.disks[id]!.amnesiac) {
      const { contents, tornTail } = this.disks[id]!.recover();
      const replica = new Replica(config, { disk: contents });
      this.context.replicas[id] = replica;
      this.nodes[id] = replica;
      this.context.checker.onRestart(id);
      return this.onRestarted(id, `RESTART from its disk: checkpoint n=${replica.lowWatermark}, ${contents.records.length} records${tornTail ? ', torn tail cut' : ''}; view ${replica.view}${replica.active ? '' : ' (changing views)'}`);
    }
    this.disks[id]!.lose();
    // A fresh nonce per incarnation (restart-guard.ts): the run's seed, the replica and the
    // time of the restart name it, so no two incarnations in a run share one.
    const recoveryNonce = this.context.crypto.sha256(new TextEncoder().encode(`restart/${this.context.options.seed}/${id}/${this.nowMs}`)).slice(0, NONCE_BYTES);
    const adversary = this.adversaries.create(config, recoveryNonce);
    const replica = adversary?.replica ?? new Replica(config, { restarted: true, recoveryNonce });
    this.context.replicas[id] = replica;
    this.nodes[id] = adversary ?? replica;
    this.context.checker.onRestart(id);
    this.onRestarted(id, 'RESTART (state lost; no votes until it has caught up in a new view)');
  }

  private onRestarted(id: number, text: string): void {
    this.trace?.(`${formatTime(this.nowMs)} ${id} ${text}`);
    this.recorder?.restarted(id, this.nowMs, text);
  }

  private get nowMs(): number {
    return this.context.queue.nowMs;
  }

  private tick(): void {
    const nowMs = this.nowMs;
    this.nodes.forEach((node, id) => {
      if (!this.network.isCrashed(this.replicaPeers[id]!, nowMs)) this.stepReplica(id, node, { kind: 'tick', nowMs });
    });
    this.context.clients.forEach((client, id) => this.handleClient(id, client.step({ kind: 'tick', nowMs })));
    this.context.queue.schedule(nowMs + (this.context.options.tickMs ?? TICK_MS), () => this.tick());
  }

  // --- replicas -------------------------------------------------------------------

  private stepReplica(id: number, node: ReplicaNode, input: ReplicaInput): void {
    const outputs = node.step(input);
    const faulty = this.adversaries.isFaulty(id);
    if (!faulty) this.context.options.afterReplicaStep?.(this.context.replicas[id]!, input.nowMs);
    for (const output of outputs) this.handleReplicaOutput(id, output, faulty);
  }

  /** persist, then sync before the first send that follows (replica-io.ts); a checkpoint at once. */
  private persist(id: number, output: Extract<AdversaryOutput, { kind: 'persist' | 'checkpoint' }>): void {
    const disk = this.disks[id]!;
    if (this.context.options.durability === 'none') return;
    if (output.kind === 'persist') disk.append(output.record);
    else disk.writeCheckpoint(output.bytes, output.truncate);
  }

  private handleReplicaOutput(id: number, output: AdversaryOutput, faulty: boolean): void {
    const from = this.replicaPeers[id]!;
    if (output.kind === 'send' || output.kind === 'broadcast') {
      this.disks[id]!.syncBeforeSend();
      if (!faulty) this.signedTwice.onSent(id, output.signed, this.nowMs);
      if (!faulty && output.kind === 'send' && output.to.kind === 'client') this.onReplyToClient(id, output.signed);
    }
    switch (output.kind) {
      case 'persist':
      case 'checkpoint':
        return this.persist(id, output);
      case 'send':
        return this.transmitLater(from, output.to, output.signed, 'delayMs' in output ? output.delayMs : undefined);
      case 'broadcast': {
        const delayMs = 'delayMs' in output ? output.delayMs : undefined;
        for (const to of this.replicaPeers) if (to.id !== id) this.transmitLater(from, to, output.signed, delayMs);
        return;
      }
      case 'drop': {
        // What a faulty replica's honest core rejects says nothing about the protocol.
        if (faulty) return;
        const key = output.reason;
        this.countDrop(key);
        this.recorder?.dropped(this.replicaPeers[id]!, output.reason, output.detail);
        this.trace?.(`${formatTime(this.nowMs)} ${id} DROP ${output.messageType?.toUpperCase() ?? '?'} from ${peerName(output.from)}: ${output.reason} (${output.detail})`);
        return;
      }
      case 'event':
        this.recorder?.replicaEvent(id, output.event, this.nowMs, faulty);
        if (faulty) {
          this.trace?.(`${formatTime(this.nowMs)} ${id} (faulty) ${output.event.type.toUpperCase()}${'seq' in output.event ? ` n=${output.event.seq}` : ''}`);
          return;
        }
        return this.onReplicaEvent(id, output.event);
    }
  }

  private onReplicaEvent(id: number, event: ReplicaEvent): void {
    const { checker } = this.context;
    const nowMs = this.nowMs;
    switch (event.type) {
      case 'committed':
        checker.onCommitted(id, event.seq, event.digest, nowMs);
        break;
      case 'executed':
        checker.onExecuted(id, event.seq, event.digest, event.executions, nowMs);
        this.tentative.onExecuted(event.executions);
        if (this.context.byzantineClients !== undefined) this.byzantineHistory.executed(event.executions, this.nowMs);
        this.trace?.(`${formatTime(nowMs)} ${id} EXECUTE v=${event.view} n=${event.seq} d=${shortDigest(event.digest)} requests=${event.executions.length}`);
        return;
      case 'checkpoint':
        checker.onCheckpoint(id, event.seq, event.digest, nowMs);
        break;
      case 'stable-checkpoint':
      case 'checkpoint-mismatch':
        break;
      case 'view-change':
        this.trace?.(`${formatTime(nowMs)} ${id} START-VIEW-CHANGE v=${event.view} (${event.reason}) P=[${describeRanges(event.prepared.map((seq) => ({ seq })))}]`);
        return;
      case 'new-view':
        this.trace?.(`${formatTime(nowMs)} ${id} ENTER-VIEW v=${event.view} min-s=${event.minS} max-s=${event.maxS} nulls=${event.nulls}`);
        return;
      case 'state-transfer':
        this.trace?.(`${formatTime(nowMs)} ${id} STATE-TRANSFER n=${event.seq} from ${event.from}`);
        return;
      case 'state-rollback':
        // Like a restart, for exactly-once: it will execute again, at the same seqs, what it
        // executed on its wrong state.
        checker.onRestart(id);
        this.trace?.(`${formatTime(nowMs)} ${id} STATE-ROLLBACK n=${event.fromSeq} -> ${event.toSeq}`);
        return;
      case 'voting-resumed':
        this.disks[id]!.amnesiac = false;
        this.trace?.(`${formatTime(nowMs)} ${id} VOTING-RESUMED v=${event.view}`);
        return;
      case 'evidence':
        if (this.context.evidence.record(id, event.evidence, nowMs)) this.trace?.(`${formatTime(nowMs)} ${id} ${describeEvidence(event.evidence)}`);
        return;
    }
    const digest = 'digest' in event ? ` d=${shortDigest(event.digest)}` : '';
    this.trace?.(`${formatTime(nowMs)} ${id} ${event.type.toUpperCase()} n=${event.seq}${digest}`);
  }

  /**
   * A correct replica's answer to an open read-only request: reply-integrity compares the
   * result a client accepts for it with these, as no execution ever records one (§5.1).
   */
  private onReplyToClient(replica: number, signed: Signed): void {
    const message = signed.message;
    if (message.type !== 'reply' && message.type !== 'reply-digest') return;
    const reply = message as Reply | ReplyDigest;
    this.tentative.onReply(this.context.replicas[replica]!, reply);
    if (this.openReads.get(reply.client) !== reply.timestamp) return;
    const digest = reply.type === 'reply' ? resultDigest(this.context.crypto, reply.result) : reply.digest;
    this.context.checker.onReadAnswered(reply.client, reply.timestamp, digest);
  }

  /** The client gave up on its read and orders the get under a new t (client.ts, fallBack). */
  private closeRead(client: number): void {
    const timestamp = this.openReads.get(client);
    if (timestamp === undefined) return;
    this.openReads.delete(client);
    this.context.reads.fellBack++;
    this.context.checker.forgetRead(client, timestamp);
  }

  // --- clients ------------------------------------------------------------------------

  private handleClient(client: number, outputs: readonly ClientOutput[]): void {
    const from = this.clientPeers[client]!;
    for (const output of outputs) {
      switch (output.kind) {
        case 'send':
          if (output.signed.message.type === 'request') this.closeRead(client);
          this.transmit(from, this.replicaPeers[output.to]!, output.signed);
          break;
        case 'broadcast':
          if (output.signed.message.type === 'read') this.openReads.set(client, output.signed.message.timestamp);
          for (const to of this.replicaPeers) this.transmit(from, to, output.signed);
          break;
        case 'result': {
          const nowMs = this.nowMs;
          this.context.latenciesMs.push(nowMs - output.submittedAtMs);
          this.context.history.complete(client, output.result, nowMs);
          this.onResult(client, output, nowMs);
          this.trace?.(`${formatTime(nowMs)} c${client} ACCEPT t=${output.timestamp} ${describeOperation(output.operation)} -> ${describeResult(output.result)}`);
          this.context.workloads.record(output.operation, output.result);
          this.onWorkloadStep(client, this.context.workloads.list[client]!.onResult(nowMs, output.result));
          break;
        }
        case 'drop':
          this.countDrop(`client:${output.reason}`);
          this.recorder?.dropped(from, output.reason, output.detail);
          this.trace?.(`${formatTime(this.nowMs)} c${client} DROP from ${peerName(output.from)}: ${output.reason} (${output.detail})`);
          break;
      }
    }
  }

  /** reply-integrity for what the client accepted: against the answers to its read, or against executions. */
  private onResult(client: number, output: Extract<ClientOutput, { kind: 'result' }>, nowMs: number): void {
    const { checker, crypto } = this.context;
    if (this.openReads.get(client) !== output.timestamp) return checker.onClientAccepted(client, output.timestamp, output.result, output.replicas, nowMs);
    this.openReads.delete(client);
    this.context.reads.accepted++;
    checker.onReadAccepted(client, output.timestamp, resultDigest(crypto, output.result), output.replicas, nowMs);
  }

  private onWorkloadStep(client: number, step: ReturnType<Workloads['list'][number]['start']>): void {
    if (step.kind === 'stop') return;
    this.context.queue.schedule(this.nowMs + step.afterMs, () => {
      const nowMs = this.nowMs;
      this.context.history.call(client, step.operation, nowMs);
      this.handleClient(client, this.context.clients[client]!.step({ kind: 'submit', operation: step.operation, nowMs }));
    });
  }

  // --- network ---------------------------------------------------------------------------

  private countDrop(reason: string): void {
    this.context.drops.set(reason, (this.context.drops.get(reason) ?? 0) + 1);
  }

  /** An adversary may hold a message back; the network sees it only when it is let go. */
  private transmitLater(from: Peer, to: Peer, signed: Signed, delayMs: number | undefined): void {
    // An adversary may name a peer that does not exist; the network has no such link.
    const peers = to.kind === 'replica' ? this.replicaPeers : this.clientPeers;
    if (!Number.isSafeInteger(to.id) || to.id < 0 || to.id >= peers.length) {
      this.countDrop('no-such-peer');
      return;
    }
    if (delayMs === undefined || !(delayMs > 0)) return this.transmit(from, to, signed);
    this.context.queue.schedule(this.nowMs + delayMs, () => this.transmit(from, to, signed));
  }

  private transmit(from: Peer, to: Peer, signed: Signed): void {
    const { messages, queue } = this.context;
    messages.sent++;
    const fate = this.network.transmit(from, to, this.nowMs);
    const handles = this.recorder?.transmitted(from, to, signed.message, this.nowMs, fate);
    // A silenced or crashed replica sends nothing; a frame lost on the link was still sent.
    const unsent = 'lost' in fate && (fate.lost === 'silent' || fate.lost === 'crashed');
    if (from.kind === 'replica' && !unsent) this.context.costs.sent(from.id, signed.message.type, signed.frame.length);
    if ('lost' in fate) {
      messages.lost++;
      this.trace?.(`${formatTime(this.nowMs)} ${peerName(from)}->${peerName(to)} ${describeMessage(signed.message)} LOST (${fate.lost})`);
      return;
    }
    fate.delivered.forEach((atMs, copy) => queue.schedule(atMs, () => this.deliver(from, to, signed, handles?.[copy])));
  }

  private deliver(from: Peer, to: Peer, signed: Signed, handle: number | undefined): void {
    const nowMs = this.nowMs;
    const crashed = this.network.isCrashed(to, nowMs);
    this.recorder?.arrived(handle, nowMs, !crashed);
    if (crashed) return;
    this.context.messages.delivered++;
    if (to.kind === 'replica') this.context.costs.received(to.id, signed.message.type, signed.frame.length);
    this.trace?.(`${formatTime(nowMs)} ${peerName(from)}->${peerName(to)} ${describeMessage(signed.message)}`);
    if (to.kind === 'replica') this.stepReplica(to.id, this.nodes[to.id]!, { kind: 'receive', from, frame: signed.frame, nowMs });
    // Replies to a Byzantine client are only counted: nothing checks what a faulty client accepts.
    else if (to.id >= this.context.clients.length) this.context.byzantineClients!.replies++;
    else this.handleClient(to.id, this.context.clients[to.id]!.step({ kind: 'receive', from, frame: signed.frame, nowMs }));
    this.recorder?.arrived(undefined, nowMs, false);
  }

  // --- Byzantine clients ------------------------------------------------------------------

  /** What a Byzantine client sends goes on the network like any client's (byzantine-schedule.ts says when). */
  private startByzantineClients(): void {
    const byzantine = this.context.byzantineClients;
    if (byzantine === undefined) return;
    scheduleByzantineClients(byzantine, this.context.queue, (client, { to, signed }) => {
      const from: Peer = { kind: 'client', id: client };
      if (signed.message.type === 'request') this.byzantineHistory.sent(client, signed.message.timestamp, this.nowMs);
      if (to === 'all') for (const peer of this.replicaPeers) this.transmit(from, peer, signed);
      else this.transmit(from, this.replicaPeers[to]!, signed);
    });
  }
}

export type { Violation, Rng };
