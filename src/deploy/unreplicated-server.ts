// The benchmark's baseline: Pancydb NOT replicated, one process executing each client
// REQUEST directly and replying. It speaks the deployment's transport unchanged (the same
// TCP framing, handshake and client links of src/net/, as replica 0 of a cluster.json that
// lists only itself), and does the per-request work a replica cannot skip either: it
// checks the client's signature, keeps the client table (§4.1: a retransmitted t gets the
// cached reply, an older t nothing), and authenticates its REPLY as a replica would. What
// it leaves out is exactly what replication adds: ordering, PRE-PREPARE/PREPARE/COMMIT and
// checkpoints, and the client's wait for f+1 matching replies.
// The authentication mode is cluster.json's (src/core/auth.ts), so that the baseline pays
// what a primary pays in each: 'signed', a signed REQUEST checked and a signed REPLY;
// 'mac', the REQUEST in the form replicated clients send (a signature and one MAC per
// replica of the file's n), whose signature is checked as a primary checks it, and a REPLY
// with one MAC for its client.
import { sessionKeysOf } from '../core/auth.ts';
import { decodeMessage, encodeMacReply, encodeSigned, MAC_BYTES } from '../core/encoding.ts';
import type { Peer } from '../core/gateway.ts';
import type { Reply, Request, Signed } from '../core/messages.ts';
import { createPancydb } from '../core/pancydb.ts';
import type { Crypto, KeyPair } from '../crypto/crypto.ts';
import type { SessionKeys } from '../crypto/session-keys.ts';
import { ReplicaNetwork } from '../net/replica-network.ts';
import { authDomainOf, type ClusterConfig } from './cluster-config.ts';

/** The id the server replies as: replica 0 of its cluster.json. */
export const UNREPLICATED_ID = 0;

/** cluster.json as seen by the unreplicated server and its clients: replica 0 alone. */
export function unreplicatedView(cluster: ClusterConfig): ClusterConfig {
  return { ...cluster, replicas: [cluster.replicas[UNREPLICATED_ID]!] };
}

export interface UnreplicatedServerOptions {
  /** A cluster.json (n ≥ 4 as any); only replica 0's address and the client keys are used. */
  readonly cluster: ClusterConfig;
  /** Replica 0's key pair: the server signs replies with it ('signed'), or derives its MAC keys from it ('mac'). */
  readonly keyPair: KeyPair;
  readonly crypto: Crypto;
}

export class UnreplicatedServer {
  readonly network: ReplicaNetwork;
  private readonly store = createPancydb();
  /** Per client: the last executed t and its signed reply (§4.1's client table). */
  private readonly lastReply = new Map<number, Signed<Reply>>();
  /** Frames ignored, by reason. */
  readonly drops = new Map<string, number>();
  executed = 0;
  /** 'mac' mode: replica 0's session keys (auth.ts); undefined in 'signed' mode. */
  private readonly sessionKeys: SessionKeys | undefined;

  constructor(private readonly options: UnreplicatedServerOptions) {
    const { cluster, crypto, keyPair } = options;
    this.sessionKeys =
      cluster.parameters.auth === 'mac'
        ? sessionKeysOf(
            { kind: 'replica', id: UNREPLICATED_ID },
            { crypto, keyPair, replicaKeys: cluster.replicas.map((replica) => replica.publicKey), clientKey: (client) => cluster.clients[client]?.publicKey, authDomain: authDomainOf(cluster) },
          )
        : undefined;
    this.network = new ReplicaNetwork({
      config: unreplicatedView(options.cluster),
      id: UNREPLICATED_ID,
      keyPair: options.keyPair,
      crypto: options.crypto,
      onFrame: (from, frame) => this.receive(from, frame),
      log: () => {},
    });
  }

  start(): Promise<{ host: string; port: number }> {
    return this.network.start();
  }

  stop(): Promise<void> {
    return this.network.close();
  }

  private drop(reason: string): void {
    this.drops.set(reason, (this.drops.get(reason) ?? 0) + 1);
  }

  private receive(from: Peer, frame: Uint8Array): void {
    if (from.kind !== 'client') return this.drop('not-a-client');
    let signed: Signed;
    try {
      signed = decodeMessage(frame);
    } catch {
      return this.drop('malformed');
    }
    if (signed.message.type !== 'request') return this.drop('not-a-request');
    if (!this.inModeForm(signed)) return this.drop('wrong-auth-form');
    const request = signed.message as Request;
    if (request.client !== from.id) return this.drop('sender-not-signer');
    const publicKey = this.options.cluster.clients[request.client]?.publicKey;
    if (publicKey === undefined || !this.options.crypto.verify(publicKey, signed.signedBytes, signed.signature)) return this.drop('bad-signature');
    const last = this.lastReply.get(request.client);
    if (last !== undefined && request.timestamp <= last.message.timestamp) {
      if (request.timestamp === last.message.timestamp) this.network.send(from, last.frame);
      return this.drop('old-timestamp');
    }
    let result;
    try {
      result = this.store.execute(request.operation);
    } catch {
      return this.drop('bad-operation');
    }
    this.executed++;
    const reply = this.authenticate({ type: 'reply', view: 0, timestamp: request.timestamp, client: request.client, replica: UNREPLICATED_ID, result });
    this.lastReply.set(request.client, reply);
    this.network.send(from, reply.frame);
  }

  /** A REQUEST in its mode's form, as a replica's gateway wants it: in 'mac' mode one MAC per replica of the file. */
  private inModeForm(signed: Signed): boolean {
    if (this.sessionKeys === undefined) return signed.authenticator === undefined;
    return signed.authenticator?.length === this.options.cluster.parameters.n * MAC_BYTES;
  }

  /** Signed, or in 'mac' mode with one MAC for its client, as a replica replies (execution.ts). */
  private authenticate(reply: Reply): Signed<Reply> {
    const keys = this.sessionKeys;
    if (keys === undefined) return encodeSigned<Reply>(reply, (bytes) => this.options.crypto.sign(this.options.keyPair, bytes));
    return encodeMacReply(reply, (bytes) => keys.tag({ kind: 'client', id: reply.client }, bytes));
  }
}
