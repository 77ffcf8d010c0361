// A synchronous in-test network for a handful of real Replica instances: a FIFO queue
// of frames, broadcasts fanned out to every other replica in id order, client-bound
// frames collected, time advanced by explicit ticks. Faults are two small hooks:
// `fate` decides what happens to one frame in flight (deliver, lose, hold), and
// `outbound` sees every frame a replica emits before it reaches the network, so a test
// can silence a replica or let it rewrite (and re-sign) what it sends. Everything is
// recorded: raw outputs, events with the time they happened, drops with their reasons.

import type { KeyPair } from '../../src/crypto/crypto.ts';
import { DEFAULT_PARAMETERS, type ProtocolParameters, type ReplicaConfig } from '../../src/core/config.ts';
import { encodeMacReply, encodeMacRequest, encodeSigned, MAC_BYTES } from '../../src/core/encoding.ts';
import { requestAuthenticator, sessionKeysOf, type AuthMode } from '../../src/core/auth.ts';
import type { DropReason, Peer } from '../../src/core/gateway.ts';
import type { Message, ReadRequest, Reply, ReplyDigest, Request, Signed, SignedRequest } from '../../src/core/messages.ts';
import type { Operation } from '../../src/core/operations.ts';
import { Replica, type ReplicaEvent, type ReplicaOutput } from '../../src/core/replica.ts';
import { createCrypto, deriveSecretKey } from '../../src/crypto/index.ts';

export const crypto = createCrypto('native');

/** Guards the pump against a livelock in the code under test. */
const MAX_STEPS = 10_000;

export interface Envelope {
  readonly from: Peer;
  readonly to: number;
  readonly signed: Signed;
}

export interface ClientBound {
  readonly from: number;
  readonly to: number;
  readonly signed: Signed<Reply>;
}

/** What to do with one frame in flight. */
export type Fate = 'deliver' | 'lose' | 'hold';

/** A frame a replica wants on the network: to one peer, or to every other replica. */
export type Outbound = Extract<ReplicaOutput, { kind: 'send' | 'broadcast' }>;

export interface RecordedDrop {
  /** The replica that dropped the frame. */
  readonly at: number;
  readonly from: Peer;
  readonly reason: DropReason;
  readonly detail: string;
  readonly messageType: Message['type'] | undefined;
  /** Position among everything recorded (drops and events), to compare what came first. */
  readonly order: number;
}

export interface TimedEvent {
  readonly replica: number;
  readonly nowMs: number;
  readonly event: ReplicaEvent;
  /** Position among everything recorded (drops and events), to compare what came first. */
  readonly order: number;
}

export interface PumpOptions {
  readonly n?: number;
  readonly seed?: string;
  readonly clients?: number;
  readonly parameters?: Partial<Omit<ProtocolParameters, 'n'>>;
  /** How many deliveries one `run` may make before it calls it a livelock; 10,000 unless told. */
  readonly maxSteps?: number;
  /** 'signed' unless told (src/core/auth.ts). */
  readonly auth?: AuthMode;
  /** Whether replicas answer read-only requests (src/core/read-only.ts); off unless told. */
  readonly readOnly?: boolean;
  /** Whether only a designated replica sends a result in full (src/core/digest-replies.ts); off unless told. */
  readonly digestReplies?: boolean;
  /** Whether replicas reply once a batch prepared (src/core/tentative.ts); off unless told. */
  readonly tentative?: boolean;
}

/**
 * The parameters these tests assume, spelled out rather than taken from
 * DEFAULT_PARAMETERS, whose tuning may change; the spread supplies any newer ones.
 */
export const TEST_PARAMETERS: Omit<ProtocolParameters, 'n'> = {
  ...DEFAULT_PARAMETERS,
  checkpointInterval: 100,
  logWindow: 200,
  maxBatch: 16,
  maxInflightBatches: 8,
  statusIntervalMs: 100,
  idleStatusIntervalMs: 1000,
  retransmitAfterMs: 60,
  futureBufferPerSender: 64,
  viewChangeTimeoutMs: 1000,
  maxViewChangeTimeoutMs: 16_000,
  viewChangeResendMs: 250,
};

export class Pump {
  readonly n: number;
  readonly replicaKeyPairs: readonly KeyPair[];
  readonly clientKeyPairs: readonly KeyPair[];
  readonly replicas: readonly Replica[];
  readonly queue: Envelope[] = [];
  readonly held: Envelope[] = [];
  readonly toClients: ClientBound[] = [];
  readonly events: ReplicaEvent[][];
  readonly timeline: TimedEvent[] = [];
  /** Every output as the replica produced it, before `outbound` saw it. */
  readonly sent: { readonly from: number; readonly output: ReplicaOutput }[] = [];
  readonly drops: RecordedDrop[] = [];
  fate: (envelope: Envelope) => Fate = () => 'deliver';
  /** The frame that goes on the network in place of `output`, or undefined to discard it. */
  outbound: (from: number, output: Outbound) => Signed | undefined = (_from, output) => output.signed;
  /** Checked after every step of every replica. */
  afterStep: (replica: Replica) => void = () => {};
  nowMs = 0;
  readonly auth: AuthMode;
  private recorded = 0;
  private readonly maxSteps: number;

  constructor(options: PumpOptions = {}) {
    this.n = options.n ?? 4;
    this.maxSteps = options.maxSteps ?? MAX_STEPS;
    this.auth = options.auth ?? 'signed';
    const seed = options.seed ?? 'pump';
    this.replicaKeyPairs = Array.from({ length: this.n }, (_, id) => crypto.keyPair(deriveSecretKey(seed, 'replica', id)));
    this.clientKeyPairs = Array.from({ length: options.clients ?? 8 }, (_, id) => crypto.keyPair(deriveSecretKey(seed, 'client', id)));
    const replicaKeys = this.replicaKeyPairs.map((pair) => pair.publicKey);
    this.replicas = this.replicaKeyPairs.map((keyPair, id) => {
      const config: ReplicaConfig = {
        ...TEST_PARAMETERS,
        ...options.parameters,
        n: this.n,
        id,
        keyPair,
        crypto,
        replicaKeys,
        clientKey: (client) => this.clientKeyPairs[client]?.publicKey,
        auth: this.auth,
        readOnlyRequests: options.readOnly === true,
        digestReplies: options.digestReplies === true,
        tentativeExecution: options.tentative === true,
      };
      return new Replica(config);
    });
    this.events = this.replicas.map(() => []);
  }

  replica(id: number): Replica {
    const replica = this.replicas[id];
    if (replica === undefined) throw new Error(`pump: no replica ${id}`);
    return replica;
  }

  /**
   * ⟨REQUEST, o, t, c⟩ signed with client c's key (§4.1); in 'mac' mode with one MAC per
   * replica too. `tamper` breaks the signature and/or the MACs of the listed replicas.
   */
  signRequest(
    client: number,
    timestamp: number,
    operation: Operation = { type: 'put', key: `key${client}`, value: `v${timestamp}` },
    tamper: { readonly badSignature?: boolean; readonly badMacsAt?: readonly number[] } = {},
  ): SignedRequest {
    const keyPair = this.clientKeyPairs[client];
    if (keyPair === undefined) throw new Error(`pump: no client ${client}`);
    const request = { type: 'request' as const, operation, timestamp, client };
    const sign = (bytes: Uint8Array) => {
      const signature = crypto.sign(keyPair, bytes);
      if (tamper.badSignature === true) signature[0]! ^= 1;
      return signature;
    };
    if (this.auth === 'signed') return encodeSigned(request, sign);
    const keys = sessionKeysOf({ kind: 'client', id: client }, { crypto, keyPair, replicaKeys: this.replicaKeyPairs.map((pair) => pair.publicKey), clientKey: () => undefined });
    return encodeMacRequest(request, sign, (bytes) => {
      const authenticator = requestAuthenticator(keys, this.n, bytes);
      for (const replica of tamper.badMacsAt ?? []) authenticator[replica * MAC_BYTES]! ^= 1;
      return authenticator;
    });
  }

  /** Any replica message, signed with the key of replica `signer` (by default the one it names). */
  sign<M extends Exclude<Message, { type: 'request' | 'read' }>>(message: M, signer: number = message.replica): Signed<M> {
    const keyPair = this.replicaKeyPairs[signer];
    if (keyPair === undefined) throw new Error(`pump: no replica ${signer}`);
    return encodeSigned(message, (bytes) => crypto.sign(keyPair, bytes));
  }

  /** A REPLY (or digest REPLY) from `replica` in this pump's mode: signed, or MACed for its client. */
  replyFrom<R extends Reply | ReplyDigest>(replica: number, reply: R): Signed<R> {
    if (this.auth === 'signed') return this.sign<R>(reply, replica);
    const keys = sessionKeysOf({ kind: 'replica', id: replica }, { crypto, keyPair: this.replicaKeyPairs[replica]!, replicaKeys: [], clientKey: (id) => this.clientKeyPairs[id]?.publicKey });
    return encodeMacReply(reply, (bytes) => keys.tag({ kind: 'client', id: reply.client }, bytes));
  }

  /** Client `signed.message.client` sends its request to replica `to`. */
  request(signed: Signed<Request | ReadRequest>, to = 0): void {
    this.queue.push({ from: { kind: 'client', id: signed.message.client }, to, signed });
  }

  /** Puts a frame in flight as if replica `from` had sent it to replica `to`. */
  inject(from: number, to: number, signed: Signed): void {
    this.queue.push({ from: { kind: 'replica', id: from }, to, signed });
  }

  run(): void {
    for (let steps = 0; this.queue.length > 0; steps++) {
      if (steps > this.maxSteps) throw new Error('pump: too many steps');
      const envelope = this.queue.shift()!;
      const fate = this.fate(envelope);
      if (fate === 'lose') continue;
      if (fate === 'hold') {
        this.held.push(envelope);
        continue;
      }
      const replica = this.replica(envelope.to);
      this.handle(envelope.to, replica.step({ kind: 'receive', from: envelope.from, frame: envelope.signed.frame, nowMs: this.nowMs }));
      this.afterStep(replica);
    }
  }

  /** Puts held frames back in flight; `release` picks which. */
  release(release: (envelope: Envelope) => boolean = () => true): void {
    const keep = this.held.filter((envelope) => !release(envelope));
    this.queue.push(...this.held.filter(release));
    this.held.splice(0, this.held.length, ...keep);
  }

  /** Every replica sees the clock at `nowMs`, in id order; nothing is delivered yet. */
  tickAll(nowMs: number): void {
    if (nowMs < this.nowMs) throw new Error(`pump: time goes forward (${nowMs} < ${this.nowMs})`);
    this.nowMs = nowMs;
    for (const replica of this.replicas) {
      this.handle(replica.id, replica.step({ kind: 'tick', nowMs }));
      this.afterStep(replica);
    }
  }

  /** Ticks every `stepMs` up to and including `untilMs`, delivering everything after each tick. */
  advance(untilMs: number, stepMs = 10): void {
    if (!(stepMs > 0)) throw new Error(`pump: stepMs must be positive, got ${stepMs}`);
    while (this.nowMs < untilMs) {
      this.tickAll(Math.min(this.nowMs + stepMs, untilMs));
      this.run();
    }
  }

  private handle(from: number, outputs: readonly ReplicaOutput[]): void {
    const peer: Peer = { kind: 'replica', id: from };
    for (const output of outputs) {
      this.sent.push({ from, output });
      switch (output.kind) {
        case 'send':
        case 'broadcast': {
          const signed = this.outbound(from, output);
          if (signed === undefined) break;
          if (output.kind === 'broadcast') {
            for (let to = 0; to < this.n; to++) if (to !== from) this.queue.push({ from: peer, to, signed });
          } else if (output.to.kind === 'client') {
            this.toClients.push({ from, to: output.to.id, signed: signed as Signed<Reply> });
          } else {
            this.queue.push({ from: peer, to: output.to.id, signed });
          }
          break;
        }
        case 'event':
          this.events[from]!.push(output.event);
          this.timeline.push({ replica: from, nowMs: this.nowMs, event: output.event, order: this.recorded++ });
          break;
        case 'drop':
          this.drops.push({ at: from, from: output.from, reason: output.reason, detail: output.detail, messageType: output.messageType, order: this.recorded++ });
          break;
      }
    }
  }

  /** Replica `id`'s events of one type, in order. */
  eventsOf<T extends ReplicaEvent['type']>(id: number, type: T): Extract<ReplicaEvent, { type: T }>[] {
    return this.events[id]!.filter((event): event is Extract<ReplicaEvent, { type: T }> => event.type === type);
  }

  /** Events of one type with the time they happened, across replicas. */
  timed<T extends ReplicaEvent['type']>(type: T): { replica: number; nowMs: number; event: Extract<ReplicaEvent, { type: T }>; order: number }[] {
    return this.timeline.flatMap(({ replica, nowMs, event, order }) => (event.type === type ? [{ replica, nowMs, event: event as Extract<ReplicaEvent, { type: T }>, order }] : []));
  }

  /** Frames of one type that replica `from` broadcast, as it produced them. */
  broadcastsBy(from: number, type: Message['type']): Signed[] {
    return this.sent.flatMap(({ from: sender, output }) => (sender === from && output.kind === 'broadcast' && output.signed.message.type === type ? [output.signed] : []));
  }

  dropsAt(id: number): RecordedDrop[] {
    return this.drops.filter(({ at }) => at === id);
  }

  repliesFor(client: number, timestamp: number): ClientBound[] {
    return this.toClients.filter(({ signed }) => signed.message.client === client && signed.message.timestamp === timestamp);
  }
}

export const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');
