// The transport under attack: what someone who can open TCP connections to replicas (an
// outsider with no key, or a Byzantine replica with its own) can make a correct link do.
// Real loopback sockets on ports the OS picks; the attacker speaks the wire format by hand.
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, connect as netConnect, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createNativeCrypto } from '../../src/crypto/native.ts';
import type { KeyPair } from '../../src/crypto/crypto.ts';
import type { ClusterConfig } from '../../src/deploy/cluster-config.ts';
import { readKeyFile } from '../../src/deploy/key-file.ts';
import { generateTestnet } from '../../src/deploy/testnet.ts';
import { encodeFrame, FrameReader } from '../../src/net/framing.ts';
import { decodeHello, encodeHello, type Hello } from '../../src/net/handshake.ts';
import { Link, type LinkOptions, type Member } from '../../src/net/link.ts';
import { linkOptions } from '../../src/net/members.ts';
import { ReplicaNetwork } from '../../src/net/replica-network.ts';
import { encodeMacRequest, encodeSigned } from '../../src/core/encoding.ts';
import { CLIENT_FRAME_MAX_BYTES, frameMaxBytes } from '../../src/core/limits.ts';
import { connect, requestTooLarge } from '../../src/deploy/connect.ts';

const crypto = createNativeCrypto();
let dir: string;
let cluster: ClusterConfig;
const key = (name: string): KeyPair => readKeyFile(join(dir, name), crypto);

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'pancydb-net-review-'));
  ({ config: cluster } = await generateTestnet({ n: 4, out: dir, hosts: ['127.0.0.1'], clients: 2, crypto }));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const servers: Server[] = [];
const sockets: Socket[] = [];
afterEach(() => {
  for (const socket of sockets.splice(0)) socket.destroy();
  for (const server of servers.splice(0)) server.close();
});

/** How a correct side's link ended: opened as some member, or closed with a reason. */
type Outcome = { readonly opened: Member } | { readonly closed: string };

/** A correct member's link on one end of `socket`; resolves when it opens or closes. */
function correctLink(socket: Socket, options: LinkOptions): Promise<Outcome> {
  return new Promise((resolve) => {
    new Link(socket, options, {
      onOpen: (link) => resolve({ opened: link.peer }),
      onFrame: () => {},
      onClose: (_link, reason) => resolve({ closed: reason }),
    });
  });
}

/** A correct member accepting on an OS-picked port; `accepted` settles with its first link. */
async function listen(options: LinkOptions): Promise<{ port: number; accepted: Promise<Outcome> }> {
  let settle!: (outcome: Outcome) => void;
  const accepted = new Promise<Outcome>((resolve) => (settle = resolve));
  const server = createServer((socket) => {
    sockets.push(socket);
    void correctLink(socket, options).then(settle);
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { port: (server.address() as { port: number }).port, accepted };
}

/** The attacker's end of a connection: raw frames, no Link, no key. */
class RawEnd {
  private readonly reader = new FrameReader(1 << 20);
  private readonly frames: Uint8Array[] = [];
  private waiting: ((frame: Uint8Array) => void) | undefined;

  constructor(readonly socket: Socket) {
    sockets.push(socket);
    socket.on('error', () => {});
    socket.on('data', (chunk: Buffer) => {
      for (const frame of this.reader.push(chunk)) this.frames.push(frame);
      this.deliver();
    });
  }

  static dial(port: number): RawEnd {
    return new RawEnd(netConnect({ host: '127.0.0.1', port }));
  }

  next(): Promise<Uint8Array> {
    return new Promise((resolve) => {
      this.waiting = resolve;
      this.deliver();
    });
  }

  async hello(): Promise<Hello> {
    const hello = decodeHello(await this.next());
    if (typeof hello === 'string') throw new Error(hello);
    return hello;
  }

  send(payload: Uint8Array): void {
    this.socket.write(encodeFrame(payload));
  }

  private deliver(): void {
    const waiting = this.waiting;
    if (waiting === undefined || this.frames.length === 0) return;
    this.waiting = undefined;
    waiting(this.frames.shift()!);
  }
}

const replicaOptions = (id: number): LinkOptions => ({
  ...linkOptions(cluster, { role: 'replica', id }, key(`replica-${id}.key`), crypto),
  // ReplicaNetwork's dial rule: an incoming replica link must come from a lower id.
  refuse: (peer) => (peer.role === 'replica' && peer.id >= id ? `wrong dialer: replica ${peer.id}` : undefined),
});

/** Replica 1's network on a port the OS picks, its peers not running (their dials back off for a minute); closed after each test. */
const networks: ReplicaNetwork[] = [];
afterEach(async () => {
  await Promise.all(networks.splice(0).map((network) => network.close()));
});
async function replicaOneOnFreePort(options: Partial<ConstructorParameters<typeof ReplicaNetwork>[0]>): Promise<number> {
  const config: ClusterConfig = { ...cluster, replicas: cluster.replicas.map((replica) => (replica.id === 1 ? { ...replica, port: 0 } : replica)) };
  const network = new ReplicaNetwork({ config, id: 1, keyPair: key('replica-1.key'), crypto, onFrame: () => {}, log: () => {}, backoff: { baseMs: 60_000, maxMs: 60_000 }, ...options });
  networks.push(network);
  return (await network.start()).port;
}

describe('handshake relay', () => {
  it('an outsider with no key cannot pass as replica 0 to replica 1 by relaying replica 0\'s own proof', async () => {
    const one = await listen(replicaOptions(1));
    const zero = await listen(replicaOptions(0));
    // 1. Connect to replica 1 and learn its nonce (its HELLO comes first, unasked).
    const toOne = RawEnd.dial(one.port);
    const helloOne = await toOne.hello();
    // 2. Connect to replica 0 claiming to be replica 1 with replica 1's nonce: replica 0
    //    answers with its HELLO and then its PROOF, signed over replica 1's nonce.
    const toZero = RawEnd.dial(zero.port);
    toZero.send(encodeHello({ clusterId: helloOne.clusterId, role: 'replica', id: 1, nonce: helloOne.nonce }));
    const helloZero = await toZero.hello();
    const proofZero = await toZero.next();
    // 3. Claim to be replica 0 to replica 1 with replica 0's nonce, and hand over its proof.
    toOne.send(encodeHello({ clusterId: helloOne.clusterId, role: 'replica', id: 0, nonce: helloZero.nonce }));
    toOne.send(proofZero);
    const outcome = await one.accepted;
    expect(outcome).toEqual({ closed: 'bad proof: replica 0 does not hold the key cluster.json names for it' });
  });

  it('a Byzantine replica that a client dials cannot pass as that client to another replica', async () => {
    // Replica 3 is Byzantine; client 0 dials it (clients always dial) and signs a proof
    // over whatever nonce replica 3 sends it: replica 1's, fetched by claiming client 0 there.
    const one = await listen(replicaOptions(1));
    const toOne = RawEnd.dial(one.port);
    const helloOne = await toOne.hello();
    const byzantine = createServer((socket) => {
      const fromClient = new RawEnd(socket);
      void (async () => {
        const helloClient = await fromClient.hello();
        fromClient.send(encodeHello({ clusterId: helloOne.clusterId, role: 'replica', id: 3, nonce: helloOne.nonce }));
        const proofClient = await fromClient.next();
        toOne.send(encodeHello({ clusterId: helloOne.clusterId, role: 'client', id: 0, nonce: helloClient.nonce }));
        toOne.send(proofClient);
      })();
    });
    servers.push(byzantine);
    await new Promise<void>((resolve) => byzantine.listen(0, '127.0.0.1', resolve));
    const clientSocket = netConnect({ host: '127.0.0.1', port: (byzantine.address() as { port: number }).port });
    sockets.push(clientSocket);
    void correctLink(clientSocket, {
      ...linkOptions(cluster, { role: 'client', id: 0 }, key('client-0.key'), crypto),
      expected: { role: 'replica', id: 3 },
    });
    const outcome = await one.accepted;
    expect(outcome).toEqual({ closed: 'bad proof: client 0 does not hold the key cluster.json names for it' });
  });

  it('a correct dialer and acceptor still authenticate each other', async () => {
    const one = await listen(replicaOptions(1));
    const socket = netConnect({ host: '127.0.0.1', port: one.port });
    sockets.push(socket);
    const dialer = correctLink(socket, { ...linkOptions(cluster, { role: 'replica', id: 0 }, key('replica-0.key'), crypto), expected: { role: 'replica', id: 1 } });
    expect(await one.accepted).toEqual({ opened: { role: 'replica', id: 0 } });
    expect(await dialer).toEqual({ opened: { role: 'replica', id: 1 } });
  });
});

describe('handshakes in progress', () => {
  it('a flood of connections that never finish their handshake holds at most the cap, oldest dropped first, and a member still gets in', async () => {
    let refused!: (reason: string) => void;
    const firstRefusal = new Promise<string>((resolve) => (refused = resolve));
    const port = await replicaOneOnFreePort({
      log: (event) => {
        if (event.event === 'link-refused') refused(event.reason);
      },
      handshakesInProgressMax: 3,
    });
    // Three silent connections, each accepted (its HELLO read) before the next is opened.
    const silent: RawEnd[] = [];
    for (let i = 0; i < 3; i++) {
      silent.push(RawEnd.dial(port));
      await silent[i]!.hello();
    }
    const firstClosed = new Promise<void>((resolve) => silent[0]!.socket.once('close', () => resolve()));
    const socket = netConnect({ host: '127.0.0.1', port });
    sockets.push(socket);
    const member = correctLink(socket, { ...linkOptions(cluster, { role: 'client', id: 0 }, key('client-0.key'), crypto), expected: { role: 'replica', id: 1 } });
    expect(await firstRefusal).toBe('too many handshakes in progress (at most 3): the oldest is dropped');
    await firstClosed;
    expect(silent.slice(1).map((end) => end.socket.destroyed)).toEqual([false, false]);
    expect(await member).toEqual({ opened: { role: 'replica', id: 1 } });
  }, 15_000);
});

describe('connect(): a request larger than replicas accept', () => {
  it('is refused at once, naming the operation, instead of being retransmitted unanswered forever', async () => {
    // No replica runs: a request that fits would wait (and be retransmitted); one too large
    // for any replica must not, since every replica would close the link it came on.
    const client = connect(cluster, key('client-0.key'), { crypto });
    try {
      const tooLarge = client.put('k', 'x'.repeat(CLIENT_FRAME_MAX_BYTES));
      await expect(tooLarge).rejects.toThrow(/^operation: its request would be \d+ bytes, and replicas accept at most 65536 from a client/);
    } finally {
      client.close();
    }
  }, 15_000);

  it('draws the line exactly at the cap a replica link puts on client frames, in both auth modes', () => {
    const cap = frameMaxBytes('client', cluster.parameters);
    for (const auth of ['signed', 'mac'] as const) {
      const config = { id: 0, n: 4, auth };
      const frameBytes = (value: string) => {
        const request = { type: 'request', operation: { type: 'put', key: 'k', value }, timestamp: Number.MAX_SAFE_INTEGER, client: 0 } as const;
        const signature = () => new Uint8Array(64);
        return (auth === 'mac' ? encodeMacRequest(request, signature, () => new Uint8Array(16 * 4)) : encodeSigned(request, signature)).frame.length;
      };
      // Between 60,000 and 70,000 characters the value's length prefix keeps its width: one more character, one more byte.
      const longest = 'x'.repeat(60_000 + cap - frameBytes('x'.repeat(60_000)));
      expect(frameBytes(longest)).toBe(cap);
      expect(requestTooLarge(config, { type: 'put', key: 'k', value: longest })).toBeUndefined();
      expect(requestTooLarge(config, { type: 'put', key: 'k', value: `${longest}x` })).toBe(`operation: its request would be ${cap + 1} bytes, and replicas accept at most ${cap} from a client (shorten the key or value)`);
    }
  });
});

describe('frame reader: a stream sent a byte at a time', () => {
  // Each socket read is its own buffer (and ArrayBuffer): 20,000 one-byte reads cost about
  // 21 MB of memory in Node 20, so holding reads one by one made a capped frame cost
  // about a thousand times its bytes.
  it('holds a frame arriving in one-byte reads in a few pieces, not one object per read', () => {
    const payload = new Uint8Array(100_000).map((_, i) => i % 251);
    const stream = encodeFrame(payload);
    const reader = new FrameReader(1 << 20);
    const held = () => (reader as unknown as { chunks: Buffer[] }).chunks.length;
    let frames: Uint8Array[] = [];
    let mostHeld = 0;
    for (let i = 0; i < stream.length; i++) {
      frames = [...frames, ...reader.push(stream.subarray(i, i + 1))];
      mostHeld = Math.max(mostHeld, held());
    }
    expect(frames).toHaveLength(1);
    expect(Buffer.from(frames[0]!).equals(Buffer.from(payload))).toBe(true);
    expect(mostHeld).toBeLessThanOrEqual(10);
  });

  it('returns the frames written whatever mix of small and large reads carries them', () => {
    const payloads = [5, 0, 70_000, 3, 20_000, 1, 4096, 4095].map((length, k) => new Uint8Array(length).fill(k + 1));
    const stream = Buffer.concat(payloads.map((payload) => encodeFrame(payload)));
    const reads = [1, 2, 3, 4095, 4096, 5000, 1, 70_000, 7, 16_384, 3000];
    const reader = new FrameReader(1 << 20);
    const frames: Uint8Array[] = [];
    for (let offset = 0, k = 0; offset < stream.length; offset += reads[k % reads.length]!, k++) {
      frames.push(...reader.push(stream.subarray(offset, offset + reads[k % reads.length]!)));
    }
    expect(frames.map((frame) => Buffer.from(frame).toString('hex'))).toEqual(payloads.map((payload) => Buffer.from(payload).toString('hex')));
  });
});

describe('refused links in the log', () => {
  it('a flood of failed handshakes costs at most 10 log lines a second, the next line counting those left out', async () => {
    const refused: { reason: string; suppressed?: number }[] = [];
    let nowMs = 0;
    const port = await replicaOneOnFreePort({
      log: (event) => {
        if (event.event === 'link-refused') refused.push(event);
      },
      nowMs: () => nowMs,
    });
    /** `count` connections, each sending a HELLO that is not JSON (refused at once); resolves when all are closed. */
    const flood = (count: number) =>
      Promise.all(
        Array.from({ length: count }, () => {
          const end = RawEnd.dial(port);
          end.send(new TextEncoder().encode('not a hello'));
          return new Promise<void>((resolve) => end.socket.once('close', () => resolve()));
        }),
      );
    await flood(40);
    expect(refused).toHaveLength(10);
    expect(refused.every((event) => event.reason === 'malformed HELLO: not JSON' && event.suppressed === undefined)).toBe(true);
    nowMs += 1000;
    await flood(1);
    expect(refused.slice(10)).toEqual([expect.objectContaining({ reason: 'malformed HELLO: not JSON', suppressed: 30 })]);
  }, 15_000);
});
