// The metrics port is reachable by anyone who can reach the replica: its connections and the
// time each may take to send a request are bounded (src/deploy/replica-node.ts).
import { mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNativeCrypto } from '../../src/crypto/native.ts';
import { loadReplica } from '../../src/deploy/load-member.ts';
import { ReplicaNode } from '../../src/deploy/replica-node.ts';
import { generateTestnet } from '../../src/deploy/testnet.ts';

const crypto = createNativeCrypto();
let dir: string;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'pancydb-metrics-port-'));
  await generateTestnet({ n: 4, out: dir, hosts: ['127.0.0.1'], clients: 1, crypto });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const connections = (server: Server) => new Promise<number>((resolve, reject) => server.getConnections((error, count) => (error ? reject(error) : resolve(count))));

describe('the metrics port', () => {
  it('holds at most 64 connections however many idle ones are opened, and gives a request seconds, not minutes', async () => {
    const { cluster, keyPair } = loadReplica(join(dir, 'cluster.json'), 1, undefined, crypto);
    const node = new ReplicaNode({ cluster, id: 1, keyPair, crypto, restarted: false, log: () => {} });
    await node.start();
    const server = (node as unknown as { http: Server }).http;
    const { host, metricsPort } = cluster.replicas[1]!;
    const sockets: Socket[] = [];
    try {
      // Connections that never send a byte, as a slow-headers client's.
      await Promise.all(Array.from({ length: 100 }, () => new Promise<void>((resolve) => {
        const socket = connect(metricsPort, host, () => resolve());
        socket.on('error', () => resolve());
        socket.on('close', () => resolve());
        sockets.push(socket);
      })));
      // Past the cap the server closes what it accepts: wait (bounded) until the refused ones are closed.
      const deadline = Date.now() + 10_000;
      while (sockets.filter((socket) => !socket.closed).length > 64 && Date.now() < deadline) await new Promise((resolve) => setImmediate(resolve));
      expect(await connections(server)).toBeLessThanOrEqual(64);
      expect(sockets.filter((socket) => !socket.closed).length).toBeLessThanOrEqual(64);
      expect(server.headersTimeout).toBeLessThanOrEqual(5_000);
      expect(server.requestTimeout).toBeLessThanOrEqual(10_000);
    } finally {
      for (const socket of sockets) socket.destroy();
      await node.stop();
    }
  }, 30_000);
});
