// The TCP transport: framing, the frame cap, the key-checked handshake, bounded queues,
// and replica and client links over real loopback sockets (ports from pancydb testnet).
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, connect as netConnect, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createNativeCrypto } from '../../src/crypto/native.ts';
import { computeClusterId, type ClusterConfig } from '../../src/deploy/cluster-config.ts';
import { readKeyFile } from '../../src/deploy/key-file.ts';
import { generateTestnet } from '../../src/deploy/testnet.ts';
import { backoffDelayMs } from '../../src/net/dialer.ts';
import { encodeFrame, encodeFrames, FrameReader, FrameTooLargeError } from '../../src/net/framing.ts';
import { Link, type LinkOptions, type Member } from '../../src/net/link.ts';
import { linkOptions } from '../../src/net/members.ts';
import { ClientNetwork } from '../../src/net/client-network.ts';
import { OutboundQueue } from '../../src/net/outbound-queue.ts';
import { ReplicaNetwork } from '../../src/net/replica-network.ts';
import type { KeyPair } from '../../src/crypto/crypto.ts';

const crypto = createNativeCrypto();
let dir: string;
let cluster: ClusterConfig;
const key = (name: string): KeyPair => readKeyFile(join(dir, name), crypto);

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'pancydb-net-'));
  ({ config: cluster } = await generateTestnet({ n: 4, out: dir, hosts: ['127.0.0.1'], clients: 2, crypto }));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Polls `condition` every 10 ms until it holds or `timeoutMs` passes. */
async function until(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met before the deadline');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('framing', () => {
  it('splits a stream cut anywhere into the frames that were written', () => {
    const payloads = [new Uint8Array([1, 2, 3]), new Uint8Array(0), new Uint8Array(300).fill(7)];
    const stream = Buffer.concat(payloads.map(encodeFrame));
    for (const cut of [1, 2, 5, 9, 100, stream.length]) {
      const reader = new FrameReader(1024);
      const frames = [...reader.push(stream.subarray(0, cut)), ...reader.push(stream.subarray(cut))];
      expect(frames.map((frame) => Buffer.from(frame))).toEqual(payloads.map((payload) => Buffer.from(payload)));
    }
  });

  it('writes several frames into one buffer exactly as one frame after the other', () => {
    const payloads = [new Uint8Array([9]), new Uint8Array(0), new Uint8Array(70_000).fill(3)];
    expect(encodeFrames(payloads).equals(Buffer.concat(payloads.map((payload) => encodeFrame(payload))))).toBe(true);
    expect(encodeFrames([]).length).toBe(0);
  });

  it('checks each frame against the cap as it is when that frame is taken (a handshake ending mid-read)', () => {
    // The peer's proof (small) and its first message (large) arrive in one read, as one
    // write sends them. The cap rises once the proof is handled; the message must pass.
    const reader = new FrameReader(1024);
    reader.append(encodeFrames([new Uint8Array(64).fill(1), new Uint8Array(3000).fill(2)]));
    expect(reader.next()).toEqual(new Uint8Array(64).fill(1));
    reader.maxBytes = 1 << 20;
    expect(reader.next()).toEqual(new Uint8Array(3000).fill(2));
    expect(reader.next()).toBeUndefined();
    // With push(), all at the old cap, the second frame is refused: what links did before.
    expect(() => new FrameReader(1024).push(encodeFrames([new Uint8Array(64), new Uint8Array(3000)]))).toThrow(FrameTooLargeError);
  });

  it('refuses a length above the cap before buffering the body', () => {
    const reader = new FrameReader(100);
    const head = Buffer.alloc(4);
    head.writeUInt32BE(101);
    expect(() => reader.push(head)).toThrow(FrameTooLargeError);
    expect(new FrameReader(101).push(encodeFrame(new Uint8Array(101)))).toHaveLength(1);
  });
});

describe('bounded send queue', () => {
  it('holds frames while the link is down up to its byte bound, then drops and counts', () => {
    const queue = new OutboundQueue(100, true);
    expect(queue.send(new Uint8Array(40))).toBe(true); // 44 bytes with the prefix
    expect(queue.send(new Uint8Array(40))).toBe(true); // 88
    expect(queue.send(new Uint8Array(40))).toBe(false); // 132 > 100: dropped
    expect(queue.queuedBytes).toBe(88);
    expect([queue.droppedFrames, queue.droppedBytes]).toEqual([1, 44]);
  });

  it('drops replies for a client that is not connected', () => {
    const queue = new OutboundQueue(1 << 20, false);
    expect(queue.send(new Uint8Array(10))).toBe(false);
    expect(queue.droppedFrames).toBe(1);
  });

  it('backoff doubles, is capped, and is jittered within [0.5, 1.5)', () => {
    const options = { baseMs: 100, maxMs: 3000 };
    expect([0, 1, 2, 3].map((attempt) => backoffDelayMs(attempt, options, () => 0.5))).toEqual([100, 200, 400, 800]);
    expect(backoffDelayMs(50, options, () => 0.5)).toBe(3000);
    expect(backoffDelayMs(0, options, () => 0)).toBe(50);
    expect(backoffDelayMs(0, options, () => 0.999)).toBeLessThanOrEqual(150);
  });
});

describe('handshake', () => {
  const servers: Server[] = [];
  const sockets: Socket[] = [];
  afterEach(() => {
    for (const socket of sockets.splice(0)) socket.destroy();
    for (const server of servers.splice(0)) server.close();
  });

  interface Outcome {
    opened: Member | undefined;
    closed: string | undefined;
  }

  /** One link each side over a real socket; returns both sides' outcomes once both settle. */
  async function handshake(accepting: LinkOptions, dialing: LinkOptions): Promise<{ server: Outcome; client: Outcome }> {
    const server: Outcome = { opened: undefined, closed: undefined };
    const client: Outcome = { opened: undefined, closed: undefined };
    const handlers = (outcome: Outcome) => ({
      onOpen: (link: Link) => (outcome.opened = link.peer),
      onFrame: () => {},
      onClose: (_link: Link, reason: string) => (outcome.closed = reason),
    });
    const listener = createServer((socket) => {
      sockets.push(socket);
      new Link(socket, accepting, handlers(server));
    });
    servers.push(listener);
    await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
    const socket = netConnect({ host: '127.0.0.1', port: (listener.address() as { port: number }).port });
    sockets.push(socket);
    new Link(socket, dialing, handlers(client));
    const settled = (outcome: Outcome) => outcome.opened !== undefined || outcome.closed !== undefined;
    await until(() => settled(server) && settled(client));
    return { server, client };
  }

  it('authenticates two replicas holding the keys cluster.json names', async () => {
    const { server, client } = await handshake(linkOptions(cluster, { role: 'replica', id: 1 }, key('replica-1.key'), crypto), {
      ...linkOptions(cluster, { role: 'replica', id: 0 }, key('replica-0.key'), crypto),
      expected: { role: 'replica', id: 1 },
    });
    expect(server.opened).toEqual({ role: 'replica', id: 0 });
    expect(client.opened).toEqual({ role: 'replica', id: 1 });
  });

  it('rejects a peer claiming replica 0 with another key', async () => {
    const { server, client } = await handshake(
      linkOptions(cluster, { role: 'replica', id: 1 }, key('replica-1.key'), crypto),
      linkOptions(cluster, { role: 'replica', id: 0 }, key('replica-2.key'), crypto),
    );
    expect(server.opened).toBeUndefined();
    expect(server.closed).toBe('bad proof: replica 0 does not hold the key cluster.json names for it');
    // The impostor may see the honest side's valid proof first; its link is closed anyway.
    await until(() => client.closed !== undefined);
  });

  it('rejects a peer from another cluster (clusterId mismatch), both ways', async () => {
    const other = structuredClone({ ...cluster }) as ClusterConfig;
    const otherId = computeClusterId({ differs: true });
    const { server, client } = await handshake(linkOptions(cluster, { role: 'replica', id: 1 }, key('replica-1.key'), crypto), {
      ...linkOptions(other, { role: 'replica', id: 0 }, key('replica-0.key'), crypto),
      clusterId: otherId,
    });
    expect(server.closed).toMatch(/^clusterId mismatch/);
    expect(client.closed).toMatch(/^clusterId mismatch/);
    expect(server.opened).toBeUndefined();
  });

  it('rejects a dialed peer that claims to be someone else, and an id not in cluster.json', async () => {
    const wrong = await handshake(linkOptions(cluster, { role: 'replica', id: 2 }, key('replica-2.key'), crypto), {
      ...linkOptions(cluster, { role: 'client', id: 0 }, key('client-0.key'), crypto),
      expected: { role: 'replica', id: 1 },
    });
    expect(wrong.client.closed).toBe('wrong member: dialed replica 1, peer claims replica 2');
    const unknown = await handshake(
      linkOptions(cluster, { role: 'replica', id: 2 }, key('replica-2.key'), crypto),
      linkOptions(cluster, { role: 'client', id: 7 }, key('client-0.key'), crypto),
    );
    expect(unknown.server.closed).toBe('unknown member: client 7 is not in cluster.json');
  });

  it('closes the link on a frame above the cap for the peer role', async () => {
    let closed: string | undefined;
    const listener = createServer((socket) => {
      sockets.push(socket);
      new Link(socket, linkOptions(cluster, { role: 'replica', id: 1 }, key('replica-1.key'), crypto), {
        onOpen: () => {},
        onFrame: () => {},
        onClose: (_link, reason) => (closed = reason),
      });
    });
    servers.push(listener);
    await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
    const socket = netConnect({ host: '127.0.0.1', port: (listener.address() as { port: number }).port });
    sockets.push(socket);
    // Before authentication the cap is the handshake's (1 KiB).
    const head = Buffer.alloc(4);
    head.writeUInt32BE(64 * 1024);
    socket.write(head);
    await until(() => closed !== undefined);
    expect(closed).toBe('frame too large: frame of 65536 bytes, at most 1024');
  });
});

describe('replica network', () => {
  const networks: ReplicaNetwork[] = [];
  afterEach(async () => {
    await Promise.all(networks.splice(0).map((network) => network.close()));
  });

  it('connects every pair once (the lower id dials), delivers frames with the authenticated sender, and reconnects after a peer restarts', async () => {
    const received: string[] = [];
    const connected: string[] = [];
    const start = async (id: number) => {
      const network = new ReplicaNetwork({
        config: cluster,
        id,
        keyPair: key(`replica-${id}.key`),
        crypto,
        onFrame: (from, frame) => received.push(`${from.kind} ${from.id} -> ${id}: ${Buffer.from(frame).toString()}`),
        log: (line) => {
          if (line.event === 'peer-connected') connected.push(`${id} ${String(line.direction)} ${String(line.peer)}`);
        },
        backoff: { baseMs: 20, maxMs: 200 },
      });
      networks.push(network);
      await network.start();
      return network;
    };
    const all: ReplicaNetwork[] = [];
    for (const id of [3, 2, 1, 0]) all.unshift(await start(id));
    await until(() => all.every((network) => network.connectedReplicas().length === 3));
    // One link per pair, dialled by the lower id: each replica i has i incoming links and 3-i outgoing ones.
    for (let id = 0; id < 4; id++) {
      expect(connected.filter((entry) => entry.startsWith(`${id} in `))).toHaveLength(id);
      expect(connected.filter((entry) => entry.startsWith(`${id} out `))).toHaveLength(3 - id);
    }
    all[0]!.broadcast(new TextEncoder().encode('hi'));
    await until(() => received.length === 3);
    expect(received.sort()).toEqual(['replica 0 -> 1: hi', 'replica 0 -> 2: hi', 'replica 0 -> 3: hi']);
    // Replica 3 goes away and comes back: replica 0 redials it without being told.
    const old = all[3]!;
    networks.splice(networks.indexOf(old), 1);
    await old.close();
    await until(() => !all[0]!.connectedReplicas().includes(3));
    all[0]!.send({ kind: 'replica', id: 3 }, new TextEncoder().encode('held'));
    await start(3);
    await until(() => received.includes('replica 0 -> 3: held'));
  });

  it('a client waits for links: untilConnected resolves true once that many replicas are linked, false after its timeout or on close', async () => {
    for (const id of [0, 1, 2]) {
      const network = new ReplicaNetwork({ config: cluster, id, keyPair: key(`replica-${id}.key`), crypto, onFrame: () => {}, log: () => {}, backoff: { baseMs: 20, maxMs: 200 } });
      networks.push(network);
      await network.start();
    }
    const client = new ClientNetwork({ config: cluster, id: 0, keyPair: key('client-0.key'), crypto, backoff: { baseMs: 20, maxMs: 200 } });
    try {
      expect(client.connectedReplicas()).toEqual([]);
      expect(await client.untilConnected(3, 20_000)).toBe(true);
      expect(client.connectedReplicas()).toEqual([0, 1, 2]);
      // Replica 3 is not running: the wait for all four ends at its timeout.
      const startedAt = Date.now();
      expect(await client.untilConnected(4, 300)).toBe(false);
      expect(Date.now() - startedAt).toBeGreaterThanOrEqual(290);
      const pending = client.untilConnected(4, 60_000);
      client.close();
      expect(await pending).toBe(false);
    } finally {
      client.close();
    }
  });

  it('frames sent in one turn leave together at its end, in order, and count against the queue until then', async () => {
    const received: string[] = [];
    const make = (id: number) =>
      new ReplicaNetwork({
        config: cluster,
        id,
        keyPair: key(`replica-${id}.key`),
        crypto,
        onFrame: (from, frame) => received.push(`${from.id}: ${Buffer.from(frame).toString()}`),
        log: () => {},
        backoff: { baseMs: 20, maxMs: 200 },
      });
    const [zero, one] = [make(0), make(1)];
    networks.push(zero, one);
    await Promise.all([one.start(), zero.start()]);
    await until(() => zero.connectedReplicas().includes(1) && one.connectedReplicas().includes(0));
    const words = ['prepare', 'commit', 'checkpoint', 'status'];
    for (const word of words) zero.send({ kind: 'replica', id: 1 }, new TextEncoder().encode(word));
    // Not yet handed to the socket: the bound still sees every byte (4-byte prefix each).
    expect(zero.replicaQueueBytes()[1]).toBe(words.reduce((sum, word) => sum + 4 + word.length, 0));
    await until(() => received.length === words.length);
    expect(received).toEqual(words.map((word) => `0: ${word}`));
    await until(() => zero.replicaQueueBytes()[1] === 0);
  });

  it('counts a frame that does not fit the byte-bounded queue of a peer that is down', async () => {
    const network = new ReplicaNetwork({ config: cluster, id: 0, keyPair: key('replica-0.key'), crypto, onFrame: () => {}, log: () => {}, replicaQueueBytes: 1000 });
    networks.push(network);
    network.send({ kind: 'replica', id: 1 }, new Uint8Array(900));
    network.send({ kind: 'replica', id: 1 }, new Uint8Array(900));
    network.send({ kind: 'client', id: 0 }, new Uint8Array(10));
    expect(network.replicaQueueBytes()[1]).toBe(904);
    expect(Object.fromEntries(network.drops)).toEqual({ 'replica-queue-full': 1, 'client-not-connected': 1 });
  });
});
