// The client side of the benchmark's baseline (../unreplicated-server.ts): what the PBFT
// client does with f+1 = 1. It signs each REQUEST with the client's key (t from the wall
// clock, as connect() does), sends it over the same ClientNetwork, and accepts the first
// REPLY for that t whose signature checks against the server's key. One request is
// outstanding at a time; a lost one is resent after 500 ms, doubling up to 4 s.
import { nextTimestamp, REPLY_FRAME_MAX_BYTES } from '../../core/client.ts';
import { decodeMessage, encodeSigned } from '../../core/encoding.ts';
import type { Reply, Request, Signed, SignedRequest } from '../../core/messages.ts';
import type { Operation, OperationResult } from '../../core/operations.ts';
import type { Crypto, KeyPair } from '../../crypto/crypto.ts';
import { ClientNetwork } from '../../net/client-network.ts';
import type { ClusterConfig } from '../cluster-config.ts';
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
  private timestamp = 0;
  private outstanding: Outstanding | undefined;

  constructor(
    cluster: ClusterConfig,
    private readonly id: number,
    private readonly keyPair: KeyPair,
    private readonly crypto: Crypto,
  ) {
    this.serverKey = cluster.replicas[UNREPLICATED_ID]!.publicKey;
    this.network = new ClientNetwork({ config: unreplicatedView(cluster), id, keyPair, crypto });
    this.network.onReceive((_from, frame) => this.receive(frame));
  }

  execute(operation: Operation): Promise<OperationResult> {
    if (this.outstanding !== undefined) throw new Error(`client ${this.id} already has a request outstanding`);
    this.timestamp = nextTimestamp('clock', this.timestamp, Date.now());
    const request: Request = { type: 'request', operation, timestamp: this.timestamp, client: this.id };
    const signed = encodeSigned(request, (bytes) => this.crypto.sign(this.keyPair, bytes));
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
    if (!this.crypto.verify(this.serverKey, signed.signedBytes, signed.signature)) return;
    clearTimeout(outstanding.timer);
    this.outstanding = undefined;
    outstanding.resolve(reply.result);
  }
}
