// A 4-replica cluster as real processes over TCP, each replica on its own loopback address
// (127.0.0.2 … 127.0.0.5; Linux routes all of 127/8 to lo), driven by `pancydb client`.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createNativeCrypto } from '../../src/crypto/native.ts';
import { generateTestnet } from '../../src/deploy/testnet.ts';
import type { ClusterConfig } from '../../src/deploy/cluster-config.ts';
import { getJson, killAll, run, start, until, type Running } from './processes.ts';

const HOSTS = ['127.0.0.2', '127.0.0.3', '127.0.0.4', '127.0.0.5'];
let dir: string;
let file: string;
let cluster: ClusterConfig;
let replicas: Running[];

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'pancydb-cluster-'));
  ({ file, config: cluster } = await generateTestnet({ n: 4, out: dir, hosts: HOSTS, clients: 4, crypto: createNativeCrypto() }));
  replicas = cluster.replicas.map((replica) => start(['replica', '--cluster', file, '--id', String(replica.id), '--data', join(dir, `data-${replica.id}`)]));
  await Promise.all(replicas.map((replica, id) => replica.waitFor(new RegExp(`^replica ${id} ready: view 0, last executed 0, listening on ${HOSTS[id]!.replaceAll('.', '\\.')}:`), 60_000)));
  // Every replica healthy: linked to 2f = 2 peers.
  await until(async () => (await Promise.all(cluster.replicas.map((replica) => getJson(`http://${replica.host}:${replica.metricsPort}/health`)))).every((health) => health?.healthy === true), 20_000, 'every /health');
});

afterEach(() => {
  killAll();
  rmSync(dir, { recursive: true, force: true });
});

const client = (...args: string[]) => run(['client', '--cluster', file, '--timeout', '20', ...args]);
const status = (id: number) => getJson(`http://${cluster.replicas[id]!.host}:${cluster.replicas[id]!.metricsPort}/status`);

describe('a 4-replica cluster of processes on 127.0.0.2–.5', () => {
  it('put then get; kill -9 a backup and writes still succeed', async () => {
    expect(await client('put', 'greeting', 'hello')).toEqual({ code: 0, stdout: 'ok version 1 (previous 0) actual ""' });
    expect(await client('get', 'greeting')).toEqual({ code: 0, stdout: 'ok version 1 value "hello"' });
    expect(await client('--json', 'cas', 'greeting', 'nope', 'x')).toEqual({ code: 1, stdout: '{"status":"no_match","actual":"hello","previousVersion":1,"version":1}' });
    replicas[3]!.child.kill('SIGKILL');
    await replicas[3]!.exited;
    expect(await client('put', 'greeting', 'again')).toEqual({ code: 0, stdout: 'ok version 2 (previous 1) actual ""' });
    expect(await client('--key', join(dir, 'client-2.key'), 'get', 'greeting')).toEqual({ code: 0, stdout: 'ok version 2 value "again"' });
    const metrics = await (await fetch(`http://${cluster.replicas[0]!.host}:${cluster.replicas[0]!.metricsPort}/metrics`)).text();
    expect(metrics).toMatch(/^pancydb_last_executed\{replica="0"\} [1-9]/m);
  });

  it('kill -9 the primary: a view change happens and writes still succeed', async () => {
    expect((await client('put', 'k', 'v1')).code).toBe(0);
    replicas[0]!.child.kill('SIGKILL');
    await replicas[0]!.exited;
    const startedAt = Date.now();
    expect(await client('put', 'k', 'v2')).toEqual({ code: 0, stdout: 'ok version 2 (previous 1) actual ""' });
    expect(Date.now() - startedAt).toBeLessThan(20_000);
    const view = (await status(1))?.view;
    expect(view).toBeGreaterThanOrEqual(1);
    await replicas[1]!.waitFor(/"event":"new-view","view":1,"primary":1/, 5000);
    expect(await client('get', 'k')).toEqual({ code: 0, stdout: 'ok version 2 value "v2"' });
  });

  it('SIGTERM stops a replica cleanly (exit 0)', async () => {
    replicas[2]!.child.kill('SIGTERM');
    expect(await replicas[2]!.exited).toBe(0);
    expect(replicas[2]!.lines.at(-1)).toMatch(/"event":"stopped","signal":"SIGTERM"/);
  });
});
