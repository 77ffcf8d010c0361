// Real replicas and clients driven into the states the fuzzer attacks: the normal case
// after a few requests, the middle of a view change (NEW-VIEW withheld), and just after a
// state transfer. A small synchronous network (FIFO queue, time advanced by ticks) like
// test/support/pump.ts, but with the verify memo the simulator uses (so the fuzzer can
// check that it stays bounded), a Client on the network, and every frame that went over
// the wire kept as a corpus of genuine frames to mutate.

import { Client } from '../../src/core/client.ts';
import { DEFAULT_PARAMETERS, type ProtocolParameters, type ReplicaConfig } from '../../src/core/config.ts';
import type { Peer } from '../../src/core/gateway.ts';
import type { Message } from '../../src/core/messages.ts';
import type { Operation } from '../../src/core/operations.ts';
import { Replica, type ReplicaOutput } from '../../src/core/replica.ts';
import { createNativeCrypto, deriveSecretKey, memoizeVerify, type KeyPair, type MemoizedCrypto } from '../../src/crypto/index.ts';
import { decodeMessage } from '../../src/core/encoding.ts';

export type WorldState = 'normal' | 'view-change' | 'state-transfer';
export const WORLD_STATES: readonly WorldState[] = ['normal', 'view-change', 'state-transfer'];

/** Small K and L so that checkpoints, garbage collection and state transfer happen within a few dozen requests. */
export const FUZZ_PARAMETERS: Omit<ProtocolParameters, 'n'> = {
  ...DEFAULT_PARAMETERS,
  checkpointInterval: 4,
  logWindow: 8,
  maxBatch: 4,
  maxInflightBatches: 1,
  futureBufferPerSender: 16,
};

export interface CorpusFrame {
  readonly from: Peer;
  readonly frame: Uint8Array;
  readonly type: Message['type'];
}

interface InFlight {
  readonly from: Peer;
  readonly to: Peer;
  readonly frame: Uint8Array;
}

const MAX_DELIVERIES = 50_000;

export class FuzzWorld {
  readonly n = 4;
  readonly replicaKeyPairs: readonly KeyPair[];
  readonly clientKeyPairs: readonly KeyPair[];
  readonly replicas: readonly Replica[];
  readonly clients: readonly Client[];
  readonly crypto: MemoizedCrypto;
  readonly corpus: CorpusFrame[] = [];
  /** Replicas whose sends are lost (a silent primary); and cut off entirely (partitioned). */
  readonly silenced = new Set<number>();
  readonly partitioned = new Set<number>();
  /** Message types lost in flight (recorded in the corpus first). */
  readonly lostTypes = new Set<Message['type']>();
  nowMs = 0;
  private readonly queue: InFlight[] = [];
  private readonly seenTypes = new Map<Message['type'], number>();

  constructor(readonly seed: string, readonly parameters: Omit<ProtocolParameters, 'n'> = FUZZ_PARAMETERS, clients = 2) {
    // One memo shared by every node, as in the simulator (src/sim/cluster.ts).
    this.crypto = memoizeVerify(createNativeCrypto(), 4096);
    const base = createNativeCrypto();
    this.replicaKeyPairs = Array.from({ length: this.n }, (_, id) => base.keyPair(deriveSecretKey(seed, 'replica', id)));
    this.clientKeyPairs = Array.from({ length: clients }, (_, id) => base.keyPair(deriveSecretKey(seed, 'client', id)));
    const replicaKeys = this.replicaKeyPairs.map((pair) => pair.publicKey);
    this.replicas = this.replicaKeyPairs.map((keyPair, id) => {
      const config: ReplicaConfig = { ...parameters, n: this.n, id, keyPair, crypto: this.crypto, replicaKeys, clientKey: (client) => this.clientKeyPairs[client]?.publicKey };
      return new Replica(config);
    });
    this.clients = this.clientKeyPairs.map((keyPair, id) => this.makeClient(id, keyPair));
  }

  /** A client with client `id`'s key, on nobody's network: the fuzzer's target. */
  makeClient(id: number, keyPair: KeyPair = this.clientKeyPairs[id]!): Client {
    const replicaKeys = this.replicaKeyPairs.map((pair) => pair.publicKey);
    return new Client({ id, n: this.n, keyPair, crypto: this.crypto, replicaKeys, initialTimeoutMs: 500, maxTimeoutMs: 4000 });
  }

  /** Public key of the signer a peer claims to be. */
  keyOf(peer: Peer): Uint8Array | undefined {
    return (peer.kind === 'replica' ? this.replicaKeyPairs[peer.id] : this.clientKeyPairs[peer.id])?.publicKey;
  }

  submit(client: number, operation: Operation): void {
    this.handleClient(client, this.clients[client]!.step({ kind: 'submit', operation, nowMs: this.nowMs }));
  }

  /** Ticks every node each `stepMs` up to `untilMs`, delivering everything after each tick. */
  advance(untilMs: number, stepMs = 20): void {
    while (this.nowMs < untilMs) {
      this.nowMs = Math.min(this.nowMs + stepMs, untilMs);
      for (const replica of this.replicas) this.handleReplica(replica.id, replica.step({ kind: 'tick', nowMs: this.nowMs }));
      this.clients.forEach((client, id) => this.handleClient(id, client.step({ kind: 'tick', nowMs: this.nowMs })));
      this.deliver();
    }
  }

  /** Runs `count` requests, each client in turn, waiting for each to complete (or `budgetMs`). */
  runRequests(count: number, budgetMs = 400): void {
    for (let index = 0; index < count; index++) {
      const client = index % this.clients.length;
      if (this.clients[client]!.busy) continue;
      this.submit(client, { type: 'put', key: `k${index % 7}`, value: `v${index}` });
      const deadlineMs = this.nowMs + budgetMs;
      this.deliver();
      while (this.clients[client]!.busy && this.nowMs < deadlineMs) this.advance(this.nowMs + 20);
    }
  }

  typesSeen(): ReadonlyMap<Message['type'], number> {
    return this.seenTypes;
  }

  private deliver(): void {
    for (let deliveries = 0; this.queue.length > 0; deliveries++) {
      if (deliveries > MAX_DELIVERIES) throw new Error('fuzz world: livelock');
      const { from, to, frame } = this.queue.shift()!;
      if (to.kind === 'client') {
        const client = this.clients[to.id];
        if (client !== undefined) this.handleClient(to.id, client.step({ kind: 'receive', from, frame, nowMs: this.nowMs }));
      } else {
        this.handleReplica(to.id, this.replicas[to.id]!.step({ kind: 'receive', from, frame, nowMs: this.nowMs }));
      }
    }
  }

  private send(from: Peer, to: Peer, frame: Uint8Array): void {
    const type = decodeMessage(frame).message.type;
    this.seenTypes.set(type, (this.seenTypes.get(type) ?? 0) + 1);
    // Keep a bounded, varied corpus: the first 40 frames of each type, then one in ten.
    const count = this.seenTypes.get(type)!;
    if (count <= 40 || count % 10 === 0) this.corpus.push({ from, frame, type });
    if (from.kind === 'replica' && (this.silenced.has(from.id) || this.partitioned.has(from.id))) return;
    if (to.kind === 'replica' && this.partitioned.has(to.id)) return;
    if (this.lostTypes.has(type)) return;
    this.queue.push({ from, to, frame });
  }

  private handleReplica(id: number, outputs: readonly ReplicaOutput[]): void {
    const from: Peer = { kind: 'replica', id };
    for (const output of outputs) {
      if (output.kind === 'send') this.send(from, output.to, output.signed.frame);
      else if (output.kind === 'broadcast') for (let to = 0; to < this.n; to++) if (to !== id) this.send(from, { kind: 'replica', id: to }, output.signed.frame);
    }
  }

  private handleClient(id: number, outputs: ReturnType<Client['step']>): void {
    const from: Peer = { kind: 'client', id };
    for (const output of outputs) {
      if (output.kind === 'send') this.send(from, { kind: 'replica', id: output.to }, output.signed.frame);
      else if (output.kind === 'broadcast') for (let to = 0; to < this.n; to++) this.send(from, { kind: 'replica', id: to }, output.signed.frame);
    }
  }
}

/**
 * A world in `state`, built by running the protocol: 'normal' after a dozen requests;
 * 'view-change' with primary 0 silent and every NEW-VIEW lost, so the backups have sent
 * VIEW-CHANGE and (all but the new primary) wait for a NEW-VIEW; 'state-transfer' with replica 3 cut off for 24
 * requests (three checkpoints past its log) and then healed until it fetched a STATE.
 */
export function buildWorld(state: WorldState, seed: string): FuzzWorld {
  const world = new FuzzWorld(seed);
  world.runRequests(12);
  if (state === 'view-change') {
    world.silenced.add(0);
    world.lostTypes.add('new-view');
    world.submit(0, { type: 'put', key: 'vc', value: 'x' });
    world.advance(world.nowMs + 2 * world.parameters.viewChangeTimeoutMs + 500);
    // The new primary enters its view as it sends NEW-VIEW; the others, who never get it, wait.
    const waiting = world.replicas.filter((replica) => !replica.active).length;
    if (waiting < 2 || (world.typesSeen().get('new-view') ?? 0) === 0) throw new Error('fuzz world: backups are not waiting in a view change');
  } else if (state === 'state-transfer') {
    world.partitioned.add(3);
    world.runRequests(24);
    world.partitioned.delete(3);
    const behind = world.replicas[3]!.lastExecuted;
    world.advance(world.nowMs + 3000);
    world.runRequests(4);
    if ((world.typesSeen().get('state') ?? 0) === 0 || world.replicas[3]!.lastExecuted <= behind) throw new Error('fuzz world: no state transfer happened');
  }
  return world;
}
