// A fault-injecting TCP proxy between the replicas of one cluster.
//
// Fault model: network partitions between replicas (OSDI'99 §2: the network may fail to
// deliver, delay or duplicate messages). A cut link is silent, as a real partition is: the
// proxy keeps both TCP connections open and throws away every byte in both directions, so
// neither replica sees a close and its outbound queue keeps "sending" into the void.
// Healing closes the black-holed connections; the dialer (the lower id) reconnects and
// PBFT's own retransmission (STATUS, view change, state transfer) recovers what was lost.
// Clients are on another network: their links are never cut.
//
// How links are identified: the proxy listens on the port cluster.json advertises for each
// replica (so it knows the callee) and reads the dialer's first frame, the handshake HELLO
// (src/net/handshake.ts), for the caller's claimed role and id. The replica itself listens
// elsewhere (listen-remap.mjs) and the proxy forwards there.
//
// It also watches what it carries: every frame a replica sends to another replica is
// decoded and fed to the simulator's signed-twice checker (src/check/signed-twice.ts), so a
// correct replica signing two digests for one (v, n, phase) is caught on the wire.
import { createServer, connect, type Server, type Socket } from 'node:net';
import { SignedTwiceChecker } from '../../../src/check/signed-twice.ts';
import type { Violation } from '../../../src/check/violation.ts';
import { decodeMessage } from '../../../src/core/encoding.ts';
import { FrameReader } from '../../../src/net/framing.ts';
import { decodeHello, HANDSHAKE_FRAME_MAX_BYTES, type Hello } from '../../../src/net/handshake.ts';

export interface Address {
  readonly host: string;
  readonly port: number;
}

/** Frames larger than this are forwarded but not decoded (a STATE of a huge store). */
const OBSERVED_FRAME_MAX_BYTES = 64 * 1024 * 1024;
/** Each side's HELLO and PROOF precede the signed protocol messages. */
const HANDSHAKE_FRAMES = 2;

/** One proxied connection: the dialer's socket and, once it said who it is, the callee's. */
interface Connection {
  readonly downstream: Socket;
  upstream: Socket | undefined;
  /** The callee: the replica whose advertised port was dialed. */
  readonly to: number;
  hello: Hello | undefined;
  blackholed: boolean;
}

export class ChaosProxy {
  private readonly upstreams: (Address | undefined)[];
  private readonly connections = new Set<Connection>();
  /** Cut replica pairs, "low:high". */
  private readonly cutPairs = new Set<string>();
  private readonly signedTwice: SignedTwiceChecker;
  /** signed-twice violations seen on the wire. */
  readonly violations: Violation[] = [];
  /** Replica-to-replica protocol frames decoded (a sanity count: the watch ran). */
  framesObserved = 0;
  /** Frames decoded, by "sender:type" (e.g. "2:view-change"), cut links included. */
  private readonly sentByType = new Map<string, number>();
  private readonly startedAtMs = Date.now();

  private constructor(
    private readonly servers: readonly Server[],
    readonly advertised: readonly Address[],
  ) {
    this.upstreams = advertised.map(() => undefined);
    this.signedTwice = new SignedTwiceChecker((violation) => this.violations.push(violation));
  }

  /**
   * One listener per replica, on port 0 of that replica's host.
   * @example const proxy = await ChaosProxy.listen(['127.0.0.2', '127.0.0.3', '127.0.0.4', '127.0.0.5']);
   */
  static async listen(hosts: readonly string[]): Promise<ChaosProxy> {
    const servers: Server[] = [];
    const advertised: Address[] = [];
    for (const host of hosts) {
      const server = createServer();
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(0, host, () => resolve());
      });
      servers.push(server);
      advertised.push({ host, port: (server.address() as { port: number }).port });
    }
    const proxy = new ChaosProxy(servers, advertised);
    servers.forEach((server, to) => server.on('connection', (socket) => proxy.accept(socket, to)));
    return proxy;
  }

  /** Where replica `id` really listens (it moves on every restart). */
  setUpstream(id: number, address: Address): void {
    this.upstreams[id] = address;
  }

  /** Cuts every link between replicas in different groups; links inside a group stay. */
  partition(groups: readonly (readonly number[])[]): void {
    for (const [index, group] of groups.entries()) {
      for (const other of groups.slice(index + 1)) for (const a of group) for (const b of other) this.cutPairs.add(pairKey(a, b));
    }
    for (const connection of this.connections) if (this.isCut(connection)) connection.blackholed = true;
  }

  /** Cuts replica `id` off from every other replica. */
  isolate(id: number): void {
    const others = this.advertised.map((_, other) => other).filter((other) => other !== id);
    this.partition([[id], others]);
  }

  /** Every link whole again; black-holed connections are closed so the dialers reconnect. */
  heal(): void {
    this.cutPairs.clear();
    for (const connection of [...this.connections]) if (connection.blackholed) this.drop(connection);
  }

  async close(): Promise<void> {
    for (const connection of [...this.connections]) this.drop(connection);
    await Promise.all(this.servers.map((server) => new Promise<void>((resolve) => server.close(() => resolve()))));
  }

  /**
   * How many frames of `type` replica `sender` has sent to other replicas (each copy of a
   * broadcast counts), seen on the wire, cut links included.
   */
  sent(sender: number, type: string): number {
    return this.sentByType.get(`${sender}:${type}`) ?? 0;
  }

  private isCut(connection: Connection): boolean {
    const hello = connection.hello;
    return hello !== undefined && hello.role === 'replica' && this.cutPairs.has(pairKey(hello.id, connection.to));
  }

  private accept(downstream: Socket, to: number): void {
    const connection: Connection = { downstream, upstream: undefined, to, hello: undefined, blackholed: false };
    this.connections.add(connection);
    downstream.setNoDelay(true);
    downstream.on('error', () => this.drop(connection));
    downstream.on('close', () => this.drop(connection));
    // Until the HELLO is complete, bytes wait here; a dialer sends HELLO as soon as it connects.
    const reader = new FrameReader(HANDSHAKE_FRAME_MAX_BYTES);
    const early: Buffer[] = [];
    const onEarlyData = (chunk: Buffer) => {
      early.push(chunk);
      let frames: Uint8Array[];
      try {
        frames = reader.push(chunk);
      } catch {
        return this.drop(connection);
      }
      if (frames.length === 0) return;
      const hello = decodeHello(frames[0]!);
      if (typeof hello === 'string') return this.drop(connection);
      downstream.off('data', onEarlyData);
      connection.hello = hello;
      this.open(connection, Buffer.concat(early));
    };
    downstream.on('data', onEarlyData);
  }

  /** The caller is known: black-hole it if its pair is cut, else dial the callee and forward. */
  private open(connection: Connection, early: Buffer): void {
    const { downstream, to, hello } = connection;
    const watchFrom = hello!.role === 'replica' ? this.watcher(hello!.id) : undefined;
    const watchTo = hello!.role === 'replica' ? this.watcher(to) : undefined;
    watchFrom?.(early);
    if (this.isCut(connection)) {
      connection.blackholed = true;
      downstream.on('data', (chunk: Buffer) => watchFrom?.(chunk));
      return;
    }
    const target = this.upstreams[to];
    if (target === undefined) return this.drop(connection);
    const upstream = connect({ host: target.host, port: target.port });
    connection.upstream = upstream;
    upstream.setNoDelay(true);
    upstream.on('error', () => this.drop(connection));
    upstream.on('close', () => this.drop(connection));
    upstream.write(early);
    forward(downstream, upstream, connection, watchFrom);
    forward(upstream, downstream, connection, watchTo);
  }

  /** Feeds one direction's bytes, sent by `sender`, to the signed-twice checker. */
  private watcher(sender: number): (chunk: Buffer) => void {
    const reader = new FrameReader(OBSERVED_FRAME_MAX_BYTES);
    let handshakeFramesLeft = HANDSHAKE_FRAMES;
    let broken = false;
    return (chunk) => {
      if (broken) return;
      let frames: Uint8Array[];
      try {
        frames = reader.push(chunk);
      } catch {
        broken = true; // An oversized frame: the stream cannot be followed past it.
        return;
      }
      for (const frame of frames) {
        if (handshakeFramesLeft > 0) {
          handshakeFramesLeft--;
          continue;
        }
        this.observe(sender, frame);
      }
    };
  }

  private observe(sender: number, frame: Uint8Array): void {
    let signed;
    try {
      signed = decodeMessage(frame);
    } catch {
      return; // The receiving replica's gateway drops it with a reason; not ours to judge.
    }
    this.framesObserved++;
    const key = `${sender}:${signed.message.type}`;
    this.sentByType.set(key, (this.sentByType.get(key) ?? 0) + 1);
    this.signedTwice.onSent(sender, signed, Date.now() - this.startedAtMs);
  }

  private drop(connection: Connection): void {
    if (!this.connections.delete(connection)) return;
    const { downstream, upstream } = connection;
    // Not yet through to the callee (it is down, or starting): a reset, so the dialer sees
    // what a refused connection looks like (a socket error it retries quietly), not a close.
    if (upstream?.readyState !== 'open' && !downstream.destroyed) downstream.resetAndDestroy();
    else downstream.destroy();
    upstream?.destroy();
  }
}

function pairKey(a: number, b: number): string {
  return a < b ? `${a}:${b}` : `${b}:${a}`;
}

/** Copies `from` to `to` with backpressure, unless the connection is black-holed; every byte is watched. */
function forward(from: Socket, to: Socket, connection: Connection, watch: ((chunk: Buffer) => void) | undefined): void {
  from.on('data', (chunk: Buffer) => {
    watch?.(chunk);
    if (connection.blackholed) return;
    if (!to.write(chunk)) {
      from.pause();
      to.once('drain', () => from.resume());
    }
  });
}
