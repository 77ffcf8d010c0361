// A replica's links: one TCP connection per replica pair and one per connected client.
//
// Dial rule: the lower id dials the higher (replica i dials every j > i and accepts from
// every j < i), so a pair never holds two connections in normal operation. An incoming
// link from a higher id is refused after authentication ("wrong dialer"). If a dialer
// reconnects while the old connection still looks alive here (half-open after a kill -9),
// the newer authenticated link replaces the older one. Clients always dial; a client's
// newest link replaces its older one.
//
// Authenticated links are bounded by cluster.json (one per member), but anyone who can
// reach the port can open links that never finish the handshake, each holding a socket
// (a file descriptor) for the handshake timeout. Incoming links still in their handshake
// are capped; past the cap the oldest is dropped, not the newest, so a flood churns its
// own connections while a member's handshake, a round trip long, still completes.
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import type { Peer } from '../core/gateway.ts';
import type { Crypto, KeyPair } from '../crypto/crypto.ts';
import type { ClusterConfig } from '../deploy/cluster-config.ts';
import { DEFAULT_BACKOFF, Dialer, type BackoffOptions } from './dialer.ts';
import { Link, type LinkHandlers, type Member } from './link.ts';
import { linkOptions, memberName } from './members.ts';
import { OutboundQueue } from './outbound-queue.ts';

export type NetLogEvent =
  | { readonly event: 'peer-connected'; readonly peer: string; readonly direction: 'in' | 'out' }
  | { readonly event: 'peer-disconnected'; readonly peer: string; readonly reason: string }
  | {
      readonly event: 'link-refused';
      readonly peer: string;
      readonly remote: string;
      readonly reason: string;
      /** Refusals left out of the log since the previous line (over REFUSED_LINES_PER_SECOND). */
      readonly suppressed?: number;
    };

export interface ReplicaNetworkOptions {
  readonly config: ClusterConfig;
  readonly id: number;
  readonly keyPair: KeyPair;
  readonly crypto: Crypto;
  readonly onFrame: (from: Peer, frame: Uint8Array) => void;
  readonly log: (event: NetLogEvent) => void;
  /** Called for every frame not sent, with the reason (also counted in `drops`). */
  readonly onDrop?: (reason: string) => void;
  /** Per replica peer; must hold at least one largest replica frame (8 MiB by default). */
  readonly replicaQueueBytes?: number;
  readonly clientQueueBytes?: number;
  /** Incoming links still in their handshake, at most; DEFAULT_HANDSHAKES_IN_PROGRESS_MAX by default. */
  readonly handshakesInProgressMax?: number;
  readonly backoff?: BackoffOptions;
  /** The wall clock, for the refusal log's rate; Date.now by default. */
  readonly nowMs?: () => number;
}

/**
 * link-refused lines per second, at most: anyone who reaches the port can open links that
 * fail their handshake as fast as the network allows, and one line each would let them
 * fill the log's disk. The first refusals of each second still name their reason.
 */
export const REFUSED_LINES_PER_SECOND = 10;

export const DEFAULT_REPLICA_QUEUE_BYTES = 32 * 1024 * 1024;
export const DEFAULT_CLIENT_QUEUE_BYTES = 1024 * 1024;
/** Far above n replicas and a bench's 100 clients connecting at once, far below a process's file descriptors. */
export const DEFAULT_HANDSHAKES_IN_PROGRESS_MAX = 256;

export class ReplicaNetwork {
  private readonly server: Server;
  private readonly replicaQueues: OutboundQueue[];
  private readonly clientQueues = new Map<number, OutboundQueue>();
  private readonly dialers = new Map<number, Dialer>();
  private readonly links = new Set<Link>();
  /** Incoming links not yet authenticated, oldest first (a Set iterates in insertion order). */
  private readonly handshaking = new Set<Link>();
  /** The refusal log's current one-second window. */
  private readonly refusedLog = { windowStartMs: -Infinity, lines: 0, suppressed: 0 };
  /** Frames not sent, by reason. */
  readonly drops = new Map<string, number>();
  private closed = false;

  constructor(private readonly options: ReplicaNetworkOptions) {
    const { config, id } = options;
    const replicaQueueBytes = options.replicaQueueBytes ?? DEFAULT_REPLICA_QUEUE_BYTES;
    this.replicaQueues = config.replicas.map(() => new OutboundQueue(replicaQueueBytes, true));
    this.server = createServer((socket) => this.accept(socket));
    for (const replica of config.replicas) {
      if (replica.id <= id) continue;
      const dialer = new Dialer(replica.host, replica.port, (socket) => this.connect(socket, replica.id), options.backoff ?? DEFAULT_BACKOFF);
      this.dialers.set(replica.id, dialer);
    }
  }

  /** Listens on this replica's host and port from cluster.json, then starts dialing; returns the port bound (the OS's pick for port 0). */
  async start(): Promise<{ host: string; port: number }> {
    const { host, port } = this.options.config.replicas[this.options.id]!;
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => resolve());
    });
    for (const dialer of this.dialers.values()) dialer.start();
    return { host, port: (this.server.address() as AddressInfo).port };
  }

  /** Sends to one peer; a frame that does not fit its queue is dropped and counted. */
  send(to: Peer, frame: Uint8Array): void {
    const queue = to.kind === 'replica' ? this.replicaQueues[to.id] : this.clientQueues.get(to.id);
    if (queue === undefined || (to.kind === 'replica' && to.id === this.options.id)) return this.countDrop(to.kind === 'client' ? 'client-not-connected' : 'no-such-replica');
    if (!queue.send(frame)) this.countDrop(queue.connected || to.kind === 'replica' ? `${to.kind}-queue-full` : 'client-not-connected');
  }

  broadcast(frame: Uint8Array): void {
    for (let id = 0; id < this.replicaQueues.length; id++) if (id !== this.options.id) this.send({ kind: 'replica', id }, frame);
  }

  /** Replica peers with an authenticated link, ascending. */
  connectedReplicas(): number[] {
    return this.replicaQueues.flatMap((queue, id) => (queue.connected ? [id] : []));
  }

  connectedClients(): number {
    return [...this.clientQueues.values()].filter((queue) => queue.connected).length;
  }

  /** Bytes queued per replica peer. */
  replicaQueueBytes(): number[] {
    return this.replicaQueues.map((queue) => queue.queuedBytes);
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const dialer of this.dialers.values()) dialer.stop();
    for (const link of [...this.links]) link.close('shutting down');
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private countDrop(reason: string): void {
    this.drops.set(reason, (this.drops.get(reason) ?? 0) + 1);
    this.options.onDrop?.(reason);
  }

  private accept(socket: Socket): void {
    if (this.closed) return void socket.destroy();
    const max = this.options.handshakesInProgressMax ?? DEFAULT_HANDSHAKES_IN_PROGRESS_MAX;
    if (this.handshaking.size >= max) this.handshaking.values().next().value!.close(`too many handshakes in progress (at most ${max}): the oldest is dropped`);
    const link = new Link(socket, { ...this.baseOptions(), refuse: (peer) => this.refuse(peer) }, this.handlers('in', undefined));
    this.handshaking.add(link);
    this.track(link);
  }

  private connect(socket: Socket, id: number): void {
    if (this.closed) return void socket.destroy();
    const expected: Member = { role: 'replica', id };
    this.track(new Link(socket, { ...this.baseOptions(), expected }, this.handlers('out', this.dialers.get(id))));
  }

  private baseOptions() {
    return linkOptions(this.options.config, { role: 'replica', id: this.options.id }, this.options.keyPair, this.options.crypto);
  }

  /** The dial rule, checked once the peer has proved who it is. */
  private refuse(peer: Member): string | undefined {
    if (peer.role !== 'replica') return undefined;
    if (peer.id === this.options.id) return `replica ${peer.id} is this replica`;
    if (peer.id > this.options.id) return `wrong dialer: replica ${peer.id} must wait for replica ${this.options.id} to dial it (the lower id dials)`;
    return undefined;
  }

  private track(link: Link): void {
    this.links.add(link);
  }

  private handlers(direction: 'in' | 'out', dialer: Dialer | undefined): LinkHandlers {
    return {
      onOpen: (link) => {
        this.handshaking.delete(link);
        dialer?.opened();
        const peer = link.peer;
        const queue = this.queueFor(peer);
        queue.current()?.close('replaced by a newer link');
        queue.attach(link);
        // Client links come and go with every CLI call: counted in /status, not logged.
        if (peer.role === 'replica') this.options.log({ event: 'peer-connected', peer: memberName(peer), direction });
      },
      onFrame: (link, frame) => this.options.onFrame({ kind: link.peer.role, id: link.peer.id }, frame),
      onClose: (link, reason, authenticated) => {
        this.links.delete(link);
        this.handshaking.delete(link);
        if (authenticated) {
          this.queueFor(link.peer).detach(link);
          if (!this.closed && link.peer.role === 'replica') this.options.log({ event: 'peer-disconnected', peer: memberName(link.peer), reason });
        } else if (!this.closed && (direction === 'in' || !reason.startsWith('socket error'))) {
          // Failed dials (connection refused while a peer is down) repeat every backoff; not logged.
          this.logRefused({ event: 'link-refused', peer: dialer === undefined ? 'incoming' : 'outgoing', remote: `${link.socket.remoteAddress}:${link.socket.remotePort}`, reason });
        }
        dialer?.closed();
      },
    };
  }

  private logRefused(event: Extract<NetLogEvent, { event: 'link-refused' }>): void {
    const nowMs = (this.options.nowMs ?? Date.now)();
    const window = this.refusedLog;
    if (nowMs - window.windowStartMs >= 1000) {
      window.windowStartMs = nowMs;
      window.lines = 0;
    }
    if (window.lines >= REFUSED_LINES_PER_SECOND) {
      window.suppressed++;
      return;
    }
    window.lines++;
    const suppressed = window.suppressed;
    window.suppressed = 0;
    this.options.log(suppressed === 0 ? event : { ...event, suppressed });
  }

  private queueFor(peer: Member): OutboundQueue {
    if (peer.role === 'replica') return this.replicaQueues[peer.id]!;
    let queue = this.clientQueues.get(peer.id);
    if (queue === undefined) {
      queue = new OutboundQueue(this.options.clientQueueBytes ?? DEFAULT_CLIENT_QUEUE_BYTES, false);
      this.clientQueues.set(peer.id, queue);
    }
    return queue;
  }
}
