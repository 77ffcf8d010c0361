// A client's links: it dials every replica (clients always dial) and keeps each link alive
// with the same backoff as replicas. Implements the ClientTransport of the promise client,
// so PancydbClient runs over TCP unchanged. Requests for a replica whose link is not up
// yet wait in a small byte-bounded queue; the PBFT client retransmits anyway (§4.1).
import type { Socket } from 'node:net';
import type { ClientTransport } from '../client/pancydb-client.ts';
import type { Crypto, KeyPair } from '../crypto/crypto.ts';
import type { ClusterConfig } from '../deploy/cluster-config.ts';
import { DEFAULT_BACKOFF, Dialer, type BackoffOptions } from './dialer.ts';
import { Link } from './link.ts';
import { linkOptions } from './members.ts';
import { OutboundQueue } from './outbound-queue.ts';

export interface ClientNetworkOptions {
  readonly config: ClusterConfig;
  readonly id: number;
  readonly keyPair: KeyPair;
  readonly crypto: Crypto;
  readonly queueBytes?: number;
  readonly backoff?: BackoffOptions;
  /** Links refused or lost, for a verbose client. */
  readonly log?: (line: string) => void;
}

export class ClientNetwork implements ClientTransport {
  private readonly queues: OutboundQueue[];
  private readonly dialers: Dialer[];
  private readonly links = new Set<Link>();
  private handler: ((from: number, frame: Uint8Array) => void) | undefined;
  private closed = false;
  /** Callers of untilConnected, each waiting for a number of links. */
  private readonly waiting = new Set<{ readonly count: number; readonly resolve: (connected: boolean) => void }>();
  /** Frames dropped because a replica's queue was full. */
  dropped = 0;

  constructor(private readonly options: ClientNetworkOptions) {
    const { config } = options;
    this.queues = config.replicas.map(() => new OutboundQueue(options.queueBytes ?? 1024 * 1024, true));
    this.dialers = config.replicas.map((replica) => new Dialer(replica.host, replica.port, (socket) => this.connect(socket, replica.id), options.backoff ?? DEFAULT_BACKOFF));
    for (const dialer of this.dialers) dialer.start();
  }

  send(to: number, frame: Uint8Array): void {
    const queue = this.queues[to];
    if (queue === undefined || !queue.send(frame)) this.dropped++;
  }

  onReceive(handler: (from: number, frame: Uint8Array) => void): void {
    this.handler = handler;
  }

  /** Replicas with an authenticated link, ascending. */
  connectedReplicas(): number[] {
    return this.queues.flatMap((queue, id) => (queue.connected ? [id] : []));
  }

  /**
   * Resolves true once `count` replicas have authenticated links, or false after
   * `timeoutMs` (or on close). A caller that must not start a timer before its frames can
   * leave waits here first: a read-only request (§5.1) falls back to the ordered path if
   * 2f+1 answers take longer than the client's timeout, link set-up included.
   */
  untilConnected(count: number, timeoutMs: number): Promise<boolean> {
    if (this.connectedReplicas().length >= count) return Promise.resolve(true);
    if (this.closed) return Promise.resolve(false);
    return new Promise((resolve) => {
      const waiter = {
        count,
        resolve: (connected: boolean) => {
          clearTimeout(timer);
          this.waiting.delete(waiter);
          resolve(connected);
        },
      };
      const timer = setTimeout(() => waiter.resolve(false), timeoutMs);
      this.waiting.add(waiter);
    });
  }

  close(): void {
    this.closed = true;
    for (const waiter of [...this.waiting]) waiter.resolve(false);
    for (const dialer of this.dialers) dialer.stop();
    for (const link of [...this.links]) link.close('client closed');
  }

  private connect(socket: Socket, id: number): void {
    if (this.closed) return void socket.destroy();
    const dialer = this.dialers[id]!;
    const options = { ...linkOptions(this.options.config, { role: 'client', id: this.options.id }, this.options.keyPair, this.options.crypto), expected: { role: 'replica', id } as const };
    const link = new Link(socket, options, {
      onOpen: (opened) => {
        dialer.opened();
        this.queues[id]!.attach(opened);
        const connected = this.connectedReplicas().length;
        for (const waiter of [...this.waiting]) if (connected >= waiter.count) waiter.resolve(true);
      },
      onFrame: (_link, frame) => this.handler?.(id, frame),
      onClose: (closedLink, reason, authenticated) => {
        this.links.delete(closedLink);
        this.queues[id]!.detach(closedLink);
        if (!this.closed && (authenticated || !reason.startsWith('socket error'))) this.options.log?.(`replica ${id}: ${reason}`);
        dialer.closed();
      },
    });
    this.links.add(link);
  }
}
