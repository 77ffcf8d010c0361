// The cluster the amplification harness floods: four real Replica instances on a
// synchronous in-process network (like test/support/pump.ts), each replica with its own
// counting crypto (src/crypto/counting.ts), brought to a realistic state before any flood:
// batches committed, a replica caught up by state transfer, stable checkpoints, and two
// completed view changes (0 -> 1 -> 2), so that PRE-PREPAREs, VIEW-CHANGEs and a NEW-VIEW
// of the Byzantine replica exist to replay. Everything is deterministic: Ed25519 signs
// deterministically and nothing here reads a clock or a random source, so every build
// produces the same frames byte for byte.
import type { ProtocolParameters, ReplicaConfig } from '../src/core/config.ts';
import { DEFAULT_PARAMETERS } from '../src/core/config.ts';
import { encodeSigned } from '../src/core/encoding.ts';
import type { Peer } from '../src/core/gateway.ts';
import type { Message, Signed, SignedRequest } from '../src/core/messages.ts';
import type { Operation } from '../src/core/operations.ts';
import { Replica, type ReplicaOutput } from '../src/core/replica.ts';
import { countWork, type CountingCrypto } from '../src/crypto/counting.ts';
import type { Crypto, KeyPair } from '../src/crypto/crypto.ts';
import { memoizeVerify } from '../src/crypto/memo.ts';
import { createCrypto, deriveSecretKey } from '../src/crypto/index.ts';

/** The Byzantine replica: primary of view 1, so it holds a NEW-VIEW of its own. */
export const ATTACKER = 1;
/** Client that only the state-transferred replica (3) knows through state transfer. */
export const TRANSFERRED_CLIENT = 4;
/** A Byzantine client with a valid key. */
export const BYZANTINE_CLIENT = 5;
export const CLIENTS = 6;
export const TICK_MS = 10;

export const FLOOD_PARAMETERS: Omit<ProtocolParameters, 'n'> = {
  ...DEFAULT_PARAMETERS,
  checkpointInterval: 10,
  logWindow: 20,
  maxBatch: 4,
  maxInflightBatches: 1,
  statusIntervalMs: 100,
  idleStatusIntervalMs: 1000,
  retransmitAfterMs: 60,
  futureBufferPerSender: 64,
  viewChangeTimeoutMs: 500,
  maxViewChangeTimeoutMs: 4000,
  viewChangeResendMs: 250,
};

/**
 * One backend for every cluster the harness builds, remembering its answers: Ed25519 is
 * deterministic, so a remembered signature or verdict is exactly what the backend would
 * compute again. Each build repeats the same signatures and verifications, and a flood
 * repeats one frame many times; remembering them keeps the harness fast. The counters
 * (one per replica, outside this cache) still count every call a replica makes.
 */
const plainCrypto = rememberSignatures(memoizeVerify(createCrypto('native'), 200_000));

function rememberSignatures(inner: Crypto): Crypto {
  const signatures = new Map<string, Uint8Array>();
  return {
    ...inner,
    keyPair: (secretKey) => inner.keyPair(secretKey),
    verify: (publicKey, message, signature) => inner.verify(publicKey, message, signature),
    sha256: (data) => inner.sha256(data),
    sign(keyPair, message) {
      const key = `${Buffer.from(keyPair.publicKey).toString('hex')}:${Buffer.from(message).toString('base64')}`;
      let signature = signatures.get(key);
      if (signature === undefined) {
        if (signatures.size >= 100_000) signatures.clear();
        signature = inner.sign(keyPair, message);
        signatures.set(key, signature);
      }
      return signature.slice();
    },
  };
}

export interface Traffic {
  messages: number;
  bytes: number;
}

/** What one replica sent, by destination kind, and what its crypto did. */
export interface ReplicaCost {
  readonly signatures: number;
  readonly verifications: number;
  readonly toAttacker: Traffic;
  readonly toCorrect: Traffic;
  readonly toClients: Traffic;
}

interface Envelope {
  readonly from: Peer;
  readonly to: number;
  readonly frame: Uint8Array;
}

export class FloodCluster {
  readonly n = 4;
  readonly replicaKeyPairs: readonly KeyPair[];
  readonly clientKeyPairs: readonly KeyPair[];
  readonly cryptos: readonly CountingCrypto[];
  readonly replicas: readonly Replica[];
  nowMs = 0;
  /** Frames between these replicas and anyone are lost, both ways. */
  readonly isolated = new Set<number>();
  /** Everything these replicas send is lost (they still hear). */
  readonly silenced = new Set<number>();
  /** Not stepped at all; frames to them are counted as sent and discarded. */
  readonly stopped = new Set<number>();
  /** Every frame each replica produced, and every frame delivered to it, in order. */
  readonly produced: Signed[][];
  readonly received: Uint8Array[][];
  private readonly traffic: { toAttacker: Traffic; toCorrect: Traffic; toClients: Traffic }[];
  private readonly queue: Envelope[] = [];

  constructor(seed = 'amplification') {
    this.replicaKeyPairs = Array.from({ length: this.n }, (_, id) => plainCrypto.keyPair(deriveSecretKey(seed, 'replica', id)));
    this.clientKeyPairs = Array.from({ length: CLIENTS }, (_, id) => plainCrypto.keyPair(deriveSecretKey(seed, 'client', id)));
    const replicaKeys = this.replicaKeyPairs.map((pair) => pair.publicKey);
    this.cryptos = this.replicaKeyPairs.map(() => countWork(plainCrypto));
    this.replicas = this.replicaKeyPairs.map((keyPair, id) => {
      const config: ReplicaConfig = {
        ...FLOOD_PARAMETERS,
        n: this.n,
        id,
        keyPair,
        crypto: this.cryptos[id]!,
        replicaKeys,
        clientKey: (client) => this.clientKeyPairs[client]?.publicKey,
      };
      return new Replica(config);
    });
    this.produced = this.replicas.map(() => []);
    this.received = this.replicas.map(() => []);
    const none = (): Traffic => ({ messages: 0, bytes: 0 });
    this.traffic = this.replicas.map(() => ({ toAttacker: none(), toCorrect: none(), toClients: none() }));
  }

  replica(id: number): Replica {
    return this.replicas[id]!;
  }

  /** What replica `id` has sent and signed so far. */
  cost(id: number): ReplicaCost {
    const { toAttacker, toCorrect, toClients } = this.traffic[id]!;
    const { signatures, verifications } = this.cryptos[id]!.work;
    return { signatures, verifications, toAttacker: { ...toAttacker }, toCorrect: { ...toCorrect }, toClients: { ...toClients } };
  }

  /** ⟨REQUEST, o, t, c⟩ signed with client c's key. */
  signRequest(client: number, timestamp: number, operation: Operation = { type: 'put', key: `key${client}`, value: `v${timestamp}` }): SignedRequest {
    return encodeSigned({ type: 'request', operation, timestamp, client }, (bytes) => plainCrypto.sign(this.clientKeyPairs[client]!, bytes));
  }

  /** Any replica message signed with replica `signer`'s own key (uncounted: it is the attacker's work). */
  signAs<M extends Exclude<Message, { type: 'request' }>>(signer: number, message: M): Signed<M> {
    return encodeSigned(message, (bytes) => plainCrypto.sign(this.replicaKeyPairs[signer]!, bytes));
  }

  /** A client sends its request to every replica (as a PBFT client does after a timeout, §4.1). */
  submit(client: number, timestamp: number): void {
    const signed = this.signRequest(client, timestamp);
    for (let to = 0; to < this.n; to++) this.deliverFrom({ kind: 'client', id: client }, to, signed.frame);
    this.run();
  }

  /** Puts a frame in flight from `from` to replica `to` and delivers everything that follows. */
  inject(from: Peer, to: number, frame: Uint8Array): void {
    this.deliverFrom(from, to, frame);
    this.run();
  }

  /** Advances the clock in ticks, delivering after each. */
  advance(durationMs: number): void {
    const untilMs = this.nowMs + durationMs;
    while (this.nowMs < untilMs) this.tickAll(Math.min(this.nowMs + TICK_MS, untilMs));
  }

  tickAll(nowMs: number): void {
    this.nowMs = nowMs;
    for (const replica of this.replicas) {
      if (this.stopped.has(replica.id)) continue;
      this.handle(replica.id, replica.step({ kind: 'tick', nowMs }));
    }
    this.run();
  }

  private deliverFrom(from: Peer, to: number, frame: Uint8Array): void {
    if (from.kind === 'replica' && (this.isolated.has(from.id) || this.silenced.has(from.id))) return;
    if (this.isolated.has(to)) return;
    this.queue.push({ from, to, frame });
  }

  private run(): void {
    for (let steps = 0; this.queue.length > 0; steps++) {
      if (steps > 100_000) throw new Error('flood cluster: too many steps (livelock?)');
      const { from, to, frame } = this.queue.shift()!;
      if (this.stopped.has(to)) continue;
      this.received[to]!.push(frame);
      this.handle(to, this.replica(to).step({ kind: 'receive', from, frame, nowMs: this.nowMs }));
    }
  }

  private handle(id: number, outputs: readonly ReplicaOutput[]): void {
    const from: Peer = { kind: 'replica', id };
    for (const output of outputs) {
      if (output.kind !== 'send' && output.kind !== 'broadcast') continue;
      this.produced[id]!.push(output.signed);
      const destinations = output.kind === 'broadcast' ? this.replicas.map((replica) => replica.id).filter((to) => to !== id).map((to): Peer => ({ kind: 'replica', id: to })) : [output.to];
      for (const to of destinations) {
        this.count(id, to, output.signed.frame.length);
        if (to.kind === 'replica') this.deliverFrom(from, to.id, output.signed.frame);
      }
    }
  }

  private count(id: number, to: Peer, bytes: number): void {
    const traffic = this.traffic[id]!;
    const bucket = to.kind === 'client' ? traffic.toClients : to.id === ATTACKER ? traffic.toAttacker : traffic.toCorrect;
    bucket.messages++;
    bucket.bytes += bytes;
  }
}

/**
 * Brings a fresh cluster to the realistic state described at the top of this file; the
 * attacker (replica 1) is stopped at the end, so from then on only the harness speaks for it.
 */
export function buildRealisticCluster(): FloodCluster {
  const cluster = new FloodCluster();
  let timestamp = 0;
  const commitOne = (client: number) => {
    cluster.submit(client, ++timestamp);
    cluster.advance(40);
  };
  // 1. Replica 3 is cut off while 25 batches commit and checkpoints 10 and 20 become stable.
  cluster.isolated.add(3);
  for (let index = 1; index <= 25; index++) commitOne(index === 3 ? TRANSFERRED_CLIENT : index % 4);
  // 2. It comes back and catches up by state transfer (h = 20) and commit certificates.
  cluster.isolated.delete(3);
  cluster.advance(2500);
  // 3. View change 0 -> 1: the primary goes silent while a request waits.
  cluster.silenced.add(0);
  cluster.submit(0, ++timestamp);
  cluster.advance(1500);
  cluster.silenced.delete(0);
  cluster.advance(2500);
  for (let index = 0; index < 6; index++) commitOne(index % 4);
  // 4. View change 1 -> 2: replica 1, primary of view 1, goes silent; it joins the change.
  cluster.silenced.add(ATTACKER);
  cluster.submit(1, ++timestamp);
  cluster.advance(1500);
  cluster.silenced.delete(ATTACKER);
  cluster.advance(2500);
  for (let index = 0; index < 5; index++) commitOne(index % 4);
  cluster.submit(BYZANTINE_CLIENT, ++timestamp);
  cluster.advance(2000);
  cluster.stopped.add(ATTACKER);
  return cluster;
}

/** The state every build must reach; a harness whose build went elsewhere measures nothing useful. */
export function describeState(cluster: FloodCluster): string {
  return cluster.replicas
    .map((replica) => `${replica.id}: v=${replica.view}${replica.active ? '' : ' (changing)'} h=${replica.lowWatermark} executed=${replica.lastExecuted} transfers=${replica.stateTransfers}`)
    .join('; ');
}
