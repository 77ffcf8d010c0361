// OSDI'99 §5.1's optimizations on real processes: `pancydb testnet --read-only
// --digest-replies --tentative` records them in cluster.json's parameters.optimizations,
// and the replicas and the client take them from there alone (no flag of theirs could
// disagree). With mac authentication, as the TCP bench runs them. A client in this test
// process, built as connect() builds it, shows what went over the wire: its GET left as
// read-only REQUESTs to every replica, and no ordered one (src/core/read-only.ts).
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Client } from '../../src/core/client.ts';
import { sessionKeysOf } from '../../src/core/auth.ts';
import { decodeMessage, MAC_BYTES } from '../../src/core/encoding.ts';
import type { OperationResult } from '../../src/core/operations.ts';
import { createFastestCrypto } from '../../src/crypto/index.ts';
import { authDomainOf, computeClusterId, loadClusterConfig, type ClusterConfig } from '../../src/deploy/cluster-config.ts';
import { clientConfigOf, ConnectedClient } from '../../src/deploy/connect.ts';
import { readKeyFile } from '../../src/deploy/key-file.ts';
import { ClientNetwork } from '../../src/net/client-network.ts';
import { getJson, killAll, run, start, until, type Running } from './processes.ts';

const ALL = 'read-only,digest-replies,tentative';
const HOSTS = ['127.0.0.2', '127.0.0.3', '127.0.0.4', '127.0.0.5'];
const crypto = createFastestCrypto();

const dirs: string[] = [];
afterEach(() => {
  killAll();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'pancydb-optimizations-'));
  dirs.push(dir);
  return dir;
};

interface Cluster {
  readonly out: string;
  readonly file: string;
  readonly config: ClusterConfig;
  readonly replicas: Running[];
  readonly ready: string[];
}

/** `pancydb testnet --auth mac` with `optimizations` (all unless given), and its four replicas, `extra[id]` added to replica id's flags. */
async function startCluster(extra: Readonly<Record<number, readonly string[]>> = {}, optimizations: readonly string[] = ['read-only', 'digest-replies', 'tentative']): Promise<Cluster> {
  const out = join(tempDir(), 'net');
  const made = await run(['testnet', '--out', out, '--hosts', HOSTS.join(','), '--auth', 'mac', ...optimizations.map((name) => `--${name}`), '--clients', '2']);
  expect(made.code, made.stdout).toBe(0);
  expect(made.stdout).toMatch(/^wrote .*cluster\.json: 4 replicas \(f=1\), 2 clients, auth mac, clusterId [0-9a-f]{16}$/m);
  expect(made.stdout).toMatch(new RegExp(`^  optimizations ${optimizations.join(',')}$`, 'm'));
  const file = join(out, 'cluster.json');
  const config = loadClusterConfig(file);
  const replicas = config.replicas.map(({ id }) => start(['replica', '--cluster', file, '--id', String(id), '--data', join(out, 'data', `replica-${id}`), ...(extra[id] ?? [])]));
  const ready = await Promise.all(replicas.map((replica, id) => replica.waitFor(new RegExp(`^replica ${id} ready: `), 20_000)));
  await until(async () => (await Promise.all(config.replicas.map((replica) => getJson(`http://${replica.host}:${replica.metricsPort}/health`)))).every((health) => health?.healthy === true), 20_000, 'every /health');
  return { out, file, config, replicas, ready };
}

const cli = (cluster: Cluster, ...args: string[]) => run(['client', '--cluster', cluster.file, '--timeout', '20', ...args]);
const statuses = (cluster: Cluster) => Promise.all(cluster.config.replicas.map((replica) => getJson(`http://${replica.host}:${replica.metricsPort}/status`)));

/** pancydb_requests_executed_total of one replica, from /metrics. */
async function requestsExecuted(cluster: Cluster, id: number): Promise<number | undefined> {
  const replica = cluster.config.replicas[id]!;
  const text = await (await fetch(`http://${replica.host}:${replica.metricsPort}/metrics`)).text();
  const match = /^pancydb_requests_executed_total(?:\{[^}]*\})? (\d+)$/m.exec(text);
  return match === null ? undefined : Number(match[1]);
}

/** A frame a client sent or received, decoded. */
interface Seen {
  readonly replica: number;
  readonly frame: Uint8Array;
}

/**
 * Client `id` as connect() builds it (clientConfigOf: n, auth and optimizations from
 * cluster.json), over a ClientNetwork whose frames both ways are recorded.
 */
function tappedClient(cluster: Cluster, id: number): { client: ConnectedClient; sent: Seen[]; received: Seen[] } {
  const keyPair = readKeyFile(join(cluster.out, `client-${id}.key`), crypto);
  const config = clientConfigOf(cluster.config, keyPair, { clientId: id, crypto });
  const network = new ClientNetwork({ config: cluster.config, id, keyPair, crypto });
  const sent: Seen[] = [];
  const received: Seen[] = [];
  const send = network.send.bind(network);
  network.send = (replica, frame) => {
    sent.push({ replica, frame });
    send(replica, frame);
  };
  const onReceive = network.onReceive.bind(network);
  network.onReceive = (handler) =>
    onReceive((replica, frame) => {
      received.push({ replica, frame });
      handler(replica, frame);
    });
  const clock = {
    nowMs: () => Date.now(),
    every: (intervalMs: number, tick: () => void) => {
      const timer = setInterval(tick, intervalMs);
      return () => clearInterval(timer);
    },
  };
  return { client: new ConnectedClient(new Client(config), network, clock), sent, received };
}

describe("OSDI'99 §5.1 optimizations on processes (auth mac)", () => {
  it(`testnet --read-only --digest-replies --tentative, n=4: ready lines and /status name them; a PUT, then a GET that goes out as read-only REQUESTs to all 4 replicas and executes nothing`, async () => {
    const cluster = await startCluster();
    expect(cluster.config.parameters).toMatchObject({ auth: 'mac', optimizations: ['read-only', 'digest-replies', 'tentative'] });
    for (const line of cluster.ready) expect(line).toMatch(new RegExp(`, auth mac, durability fsync, started new, optimizations ${ALL}$`));

    expect(await cli(cluster, 'put', 'greeting', 'hello')).toEqual({ code: 0, stdout: 'ok version 1 (previous 0) actual ""' });
    // Tentative execution: the client may have its answer before the batch committed.
    await until(async () => (await statuses(cluster)).every((status) => status?.lastExecuted === 1), 10_000, 'every replica to execute the PUT');

    const { client, sent } = tappedClient(cluster, 1);
    try {
      // Its links first, as pancydb client does: a read whose 200 ms timer runs out during
      // the handshakes falls back to the ordered path, correctly, and this test is about
      // the read-only path (two CI runs on a busy machine saw the fallback).
      expect(await client.network.untilConnected(4, 20_000)).toBe(true);
      const result: OperationResult = await client.get('greeting');
      expect(result).toEqual({ status: 'ok', version: 1, value: 'hello' });
    } finally {
      client.close();
    }
    // The read-only path (read-only.ts): one 'read' to each replica; a timeout would have
    // added an ordered 'request' (the fallback).
    const frames = sent.map(({ replica, frame }) => ({ replica, type: decodeMessage(frame).message.type }));
    expect(frames.filter((frame) => frame.type === 'read').map((frame) => frame.replica).sort()).toEqual([0, 1, 2, 3]);
    expect(frames.filter((frame) => frame.type !== 'read')).toEqual([]);
    // The same from the CLI, which takes the optimizations from the file too.
    expect(await cli(cluster, 'get', 'greeting')).toEqual({ code: 0, stdout: 'ok version 1 value "hello"' });

    // Nothing was ordered for either GET: every replica executed the PUT alone.
    const after = await statuses(cluster);
    expect(after.map((status) => status?.lastExecuted)).toEqual([1, 1, 1, 1]);
    expect(await Promise.all([0, 1, 2, 3].map((id) => requestsExecuted(cluster, id)))).toEqual([1, 1, 1, 1]);
    for (const status of after) {
      expect(status?.auth).toBe('mac');
      expect(status?.optimizations).toEqual(['read-only', 'digest-replies', 'tentative']);
      // No replica refused the client's frames for their form or type.
      expect(Object.keys(status?.drops ?? {}).filter((reason) => /wrong-auth-form|unexpected-type|not-read-only/.test(reason)), JSON.stringify(status?.drops)).toEqual([]);
    }
  });

  // Every reply replica 2 owes is forged: a wrong result, or a digest of none. With digest
  // replies on it sends a result in full only as the designee, (c + t) mod n, 1 request in
  // n (digest-replies.ts), so the run without them is the one sure to forge full replies.
  // The process hosts the adversary with cluster.json's auth and optimizations, as the
  // simulator does.
  it.each([
    ['every optimization (mostly digest replies)', ['read-only', 'digest-replies', 'tentative']],
    ['read-only and tentative (full replies only)', ['read-only', 'tentative']],
  ])('a Byzantine replica process (forge-replies, replica 2) in mac mode with %s: each reply it forges carries one valid MAC for the client, as the simulator\'s do, and the client still gets the right values', async (_name, optimizations) => {
    const adversary = ['--adversary', 'forge-replies', '--adversary-options', '{"impersonate":false,"replayOld":false,"breakSignatures":false}', '--adversary-seed', '3'];
    const cluster = await startCluster({ 2: adversary }, optimizations);
    expect(cluster.ready[2]).toMatch(new RegExp(`, auth mac, durability fsync, started new, optimizations ${optimizations.join(',')}$`));
    const { client, received } = tappedClient(cluster, 1);
    try {
      expect(await client.put('a', 'one')).toEqual({ status: 'ok', actual: '', previousVersion: 0, version: 1 });
      expect(await client.get('a')).toEqual({ status: 'ok', version: 1, value: 'one' });
      expect(await client.put('a', 'two')).toEqual({ status: 'ok', actual: '', previousVersion: 1, version: 2 });
      expect(await client.get('a')).toEqual({ status: 'ok', version: 2, value: 'two' });
    } finally {
      client.close();
    }
    await cluster.replicas[2]!.waitFor(/"event":"adversary-note","adversary":"forge-replies".*"line":"REPLY c1 t=\d+: wrong-result"/, 5000);
    // What replica 2 sent this client: MAC form (one 16-byte MAC, src/core/auth.ts), and the
    // MAC is the one its session key with this client makes, so the client weighed each
    // forgery on its content, not dropped it for its form.
    const keyPair = readKeyFile(join(cluster.out, 'client-1.key'), crypto);
    const keys = sessionKeysOf({ kind: 'client', id: 1 }, { crypto, keyPair, replicaKeys: cluster.config.replicas.map((replica) => replica.publicKey), clientKey: () => undefined, authDomain: authDomainOf(cluster.config) });
    const fromFaulty = received.filter(({ replica }) => replica === 2).map(({ frame }) => decodeMessage(frame));
    expect(fromFaulty.length).toBeGreaterThan(0);
    for (const signed of fromFaulty) {
      expect(optimizations.includes('digest-replies') ? ['reply', 'reply-digest'] : ['reply']).toContain(signed.message.type);
      expect(signed.authenticator?.length).toBe(MAC_BYTES);
      expect(keys.verifyTag({ kind: 'replica', id: 2 }, signed.signedBytes, signed.authenticator!)).toBe(true);
    }
  });

  it('refuses a cluster.json whose parameters.optimizations names an unknown one, in replica and client alike, naming the file and the field (exit 2)', async () => {
    const out = join(tempDir(), 'net');
    expect((await run(['testnet', '--out', out, '--clients', '1'])).code).toBe(0);
    const json = JSON.parse(readFileSync(join(out, 'cluster.json'), 'utf8'));
    expect(json.parameters.optimizations).toEqual([]);
    json.parameters.optimizations = ['read-only', 'batching'];
    json.clusterId = computeClusterId(json);
    const bad = join(out, 'bad.json');
    writeFileSync(bad, JSON.stringify(json));
    const expected = `${bad}: parameters.optimizations.1: must be "read-only" or "digest-replies" or "tentative", got "batching"`;
    expect(await run(['replica', '--cluster', bad, '--id', '0', '--data', join(out, 'data-0'), '--key', join(out, 'replica-0.key')])).toMatchObject({ code: 2, stdout: expect.stringContaining(expected) });
    expect(await run(['client', '--cluster', bad, '--key', join(out, 'client-0.key'), 'get', 'a'])).toMatchObject({ code: 2, stdout: expect.stringContaining(expected) });
  });
});
