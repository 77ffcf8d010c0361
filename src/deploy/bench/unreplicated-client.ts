// The client side of the benchmark's baseline (../unreplicated-server.ts): what the PBFT
// client does with f+1 = 1. It authenticates each REQUEST as cluster.json's mode says (t
// from the wall clock, as connect() does): 'signed', with the client's signature; 'mac',
// with the signature and one MAC per replica of the file, the very form a replicated
// client sends (core/client.ts). It sends it over the same ClientNetwork and accepts the
// first REPLY for that t whose signature (or MAC) checks against the server's key. One
// request is outstanding at a time; a lost one is resent after 500 ms, doubling up to 4 s.
import { requestAuthenticator, sessionKeysOf } from '../../core/auth.ts';
import { nextTimestamp, REPLY_FRAME_MAX_BYTES } from '../../core/client.ts';
import { decodeMessage, encodeMacRequest, encodeSigned } from '../../core/encoding.ts';
import type { Reply, Request, Signed, SignedRequest } from '../../core/messages.ts';
import type { Operation, OperationResult } from '../../core/operations.ts';
import type { Crypto, KeyPair } from '../../crypto/crypto.ts';
import type { SessionKeys } from '../../crypto/session-keys.ts';
import { ClientNetwork } from '../../net/client-network.ts';
import { authDomainOf, type ClusterConfig } from '../cluster-config.ts';
import { UNREPLICATED_ID, unreplicatedView } from '../unreplicated-server.ts';

interface Outstanding {
  readonly signed: SignedRequest;
  readonly resolve: (result: OperationResult) => void;
  timeoutMs: number;
  timer: NodeJS.Timeout;
}

export class UnreplicatedClient {
  readonly network: ClientNetwork;
  private readonly serverKey: Uint8Array;
  /** Replicas in cluster.json: a 'mac' request carries one MAC for each. */
  private readonly n: number;
  /** 'mac' mode: this client's session keys (auth.ts); undefined in 'signed' mode. */
  private readonly sessionKeys: SessionKeys | undefined;
  private timestamp = 0;
  private outstanding: Outstanding | undefined;

  constructor(
    cluster: ClusterConfig,
    private readonly id: number,
    private readonly keyPair: KeyPair,
    private readonly crypto: Crypto,
  ) {
    this.serverKey = cluster.replicas[UNREPLICATED_ID]!.publicKey;
    this.n = cluster.parameters.n;
    const replicaKeys = cluster.replicas.map((replica) => replica.publicKey);
    this.sessionKeys =
      cluster.parameters.auth === 'mac' ? sessionKeysOf({ kind: 'client', id }, { crypto, keyPair, replicaKeys, clientKey: () => undefined, authDomain: authDomainOf(cluster) }) : undefined;
    this.network = new ClientNetwork({ config: unreplicatedView(cluster), id, keyPair, crypto });
    this.network.onReceive((_from, frame) => this.receive(frame));
  }

  execute(operation: Operation): Promise<OperationResult> {
    if (this.outstanding !== undefined) throw new Error(`client ${this.id} already has a request outstanding`);
    this.timestamp = nextTimestamp('clock', this.timestamp, Date.now());
    const request: Request = { type: 'request', operation, timestamp: this.timestamp, client: this.id };
    const sign = (bytes: Uint8Array) => this.crypto.sign(this.keyPair, bytes);
    const keys = this.sessionKeys;
    const signed = keys === undefined ? encodeSigned(request, sign) : encodeMacRequest(request, sign, (bytes) => requestAuthenticator(keys, this.n, bytes));
    return new Promise((resolve) => {
      const outstanding: Outstanding = { signed, resolve, timeoutMs: 500, timer: setTimeout(() => this.retransmit(outstanding), 500) };
      this.outstanding = outstanding;
      this.network.send(UNREPLICATED_ID, signed.frame);
    });
  }

  close(): void {
    if (this.outstanding !== undefined) clearTimeout(this.outstanding.timer);
    this.outstanding = undefined;
    this.network.close();
  }

  private retransmit(outstanding: Outstanding): void {
    if (this.outstanding !== outstanding) return;
    outstanding.timeoutMs = Math.min(outstanding.timeoutMs * 2, 4000);
    outstanding.timer = setTimeout(() => this.retransmit(outstanding), outstanding.timeoutMs);
    this.network.send(UNREPLICATED_ID, outstanding.signed.frame);
  }

  private receive(frame: Uint8Array): void {
    const outstanding = this.outstanding;
    if (outstanding === undefined || frame.length > REPLY_FRAME_MAX_BYTES) return;
    let signed: Signed;
    try {
      signed = decodeMessage(frame);
    } catch {
      return;
    }
    if (signed.message.type !== 'reply') return;
    const reply = signed.message as Reply;
    if (reply.client !== this.id || reply.timestamp !== outstanding.signed.message.timestamp || reply.replica !== UNREPLICATED_ID) return;
    if (!this.authentic(signed)) return;
    clearTimeout(outstanding.timer);
    this.outstanding = undefined;
    outstanding.resolve(reply.result);
  }

  /** The reply's signature, or in 'mac' mode its MAC, checks against the server's key. */
  private authentic(reply: Signed): boolean {
    const keys = this.sessionKeys;
    if (keys === undefined) return reply.authenticator === undefined && this.crypto.verify(this.serverKey, reply.signedBytes, reply.signature);
    return reply.authenticator !== undefined && keys.verifyTag({ kind: 'replica', id: UNREPLICATED_ID }, reply.signedBytes, reply.authenticator);
  }
}
