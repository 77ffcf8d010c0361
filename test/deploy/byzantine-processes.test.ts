// Byzantine replicas as real processes: `pancydb replica --adversary NAME` runs the
// simulator's adversary plug-ins over TCP. With f = 1 of n = 4 faulty, the correct
// replicas must still agree (OSDI'99 §4.2) and a silent primary must be replaced (§4.4).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createNativeCrypto } from '../../src/crypto/native.ts';
import { generateTestnet } from '../../src/deploy/testnet.ts';
import type { ClusterConfig } from '../../src/deploy/cluster-config.ts';
import { getJson, killAll, run, start, until, type Running } from './processes.ts';

const HOSTS = ['127.0.0.2', '127.0.0.3', '127.0.0.4', '127.0.0.5'];
let dir: string | undefined;

afterEach(() => {
  killAll();
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

interface Cluster {
  readonly file: string;
  readonly config: ClusterConfig;
  readonly replicas: Running[];
}

/** Four replica processes, `faulty` running `adversaryArgs`; resolves once every one is linked to 2f peers. */
async function startCluster(faulty: number, adversaryArgs: readonly string[]): Promise<Cluster> {
  dir = mkdtempSync(join(tmpdir(), 'pancydb-byzantine-'));
  const { file, config } = await generateTestnet({ n: 4, out: dir, hosts: HOSTS, clients: 4, crypto: createNativeCrypto() });
  const replicas = config.replicas.map((replica) =>
    start(['replica', '--cluster', file, '--id', String(replica.id), '--data', join(dir!, `data-${replica.id}`), ...(replica.id === faulty ? adversaryArgs : [])]),
  );
  await Promise.all(replicas.map((replica, id) => replica.waitFor(new RegExp(`^replica ${id} ready: view 0`), 20_000)));
  const healthy = async () => (await Promise.all(config.replicas.map((replica) => getJson(`http://${replica.host}:${replica.metricsPort}/health`)))).every((health) => health?.healthy === true);
  await until(healthy, 20_000, 'every /health');
  return { file, config, replicas };
}

const client = (cluster: Cluster, ...args: string[]) => run(['client', '--cluster', cluster.file, '--timeout', '20', ...args]);
const status = (cluster: Cluster, id: number) => getJson(`http://${cluster.config.replicas[id]!.host}:${cluster.config.replicas[id]!.metricsPort}/status`);

describe('Byzantine replica processes, n=4, f=1', () => {
  it('an equivocating backup (replica 2): puts and gets return the right values; the correct replicas end in one state', async () => {
    const cluster = await startCluster(2, ['--adversary', 'equivocate', '--adversary-options', '{"role":"backup"}', '--adversary-seed', '7']);
    expect(cluster.replicas[2]!.lines[0]).toBe('replica 2 adversary equivocate, options {"role":"backup"}, seed 7 (repeat with --adversary-seed 7)');
    expect(await client(cluster, 'put', 'a', 'one')).toEqual({ code: 0, stdout: 'ok version 1 (previous 0) actual ""' });
    expect(await client(cluster, 'put', 'b', 'two')).toEqual({ code: 0, stdout: 'ok version 2 (previous 0) actual ""' });
    expect(await client(cluster, 'put', 'a', 'three')).toEqual({ code: 0, stdout: 'ok version 3 (previous 1) actual ""' });
    expect(await client(cluster, 'get', 'a')).toEqual({ code: 0, stdout: 'ok version 3 value "three"' });
    expect(await client(cluster, 'get', 'b')).toEqual({ code: 0, stdout: 'ok version 2 value "two"' });
    // The attack happened: replica 2 told some peers another digest.
    expect(await cluster.replicas[2]!.waitFor(/"event":"adversary-note","adversary":"equivocate".*"line":"votes v=0 n=1 /, 5000)).toBeTruthy();
    // The third commit may arrive a moment after the client's f+1 replies.
    const correct = [0, 1, 3];
    let statuses: (Record<string, any> | undefined)[] = [];
    await until(
      async () => {
        statuses = await Promise.all(correct.map((id) => status(cluster, id)));
        return statuses.every((s) => s !== undefined && s['lastExecuted'] === statuses[0]!['lastExecuted'] && s['stateDigest'] === statuses[0]!['stateDigest']);
      },
      10_000,
      'the correct replicas to agree on lastExecuted and stateDigest',
    );
    expect(statuses[0]!['lastExecuted']).toBeGreaterThanOrEqual(5);
    expect(statuses[0]!['stateDigest']).toMatch(/^[0-9a-f]{64}$/);
    expect((await status(cluster, 2))?.['adversary']).toBe('equivocate');
  });

  it('a silent view-0 primary (--adversary silent, fromS 0): a put succeeds within 20 s after a view change', async () => {
    const cluster = await startCluster(0, ['--adversary', 'silent', '--adversary-options', '{"fromS":0}']);
    expect(cluster.replicas[0]!.lines[0]).toMatch(/^replica 0 adversary silent, options \{"fromS":0\}, seed \d+ \(repeat with --adversary-seed \d+\)$/);
    const startedAt = Date.now();
    expect(await client(cluster, 'put', 'k', 'v1')).toEqual({ code: 0, stdout: 'ok version 1 (previous 0) actual ""' });
    expect(Date.now() - startedAt).toBeLessThan(20_000);
    await cluster.replicas[1]!.waitFor(/"event":"new-view","view":1,"primary":1/, 5000);
    expect((await status(cluster, 1))?.['view']).toBeGreaterThanOrEqual(1);
    expect(await client(cluster, 'get', 'k')).toEqual({ code: 0, stdout: 'ok version 1 value "v1"' });
  });
});
