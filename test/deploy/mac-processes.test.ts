// The MAC-authenticator mode on real processes: `pancydb testnet --auth mac` writes the mode
// into cluster.json, and the replicas and the client take it from there alone (no flag of
// theirs could disagree). A request then carries a signature and one MAC per replica, a
// reply one MAC (src/core/auth.ts).
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { computeClusterId, loadClusterConfig } from '../../src/deploy/cluster-config.ts';
import { getJson, killAll, run, start, until } from './processes.ts';

const dirs: string[] = [];
afterEach(() => {
  killAll();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'pancydb-mac-'));
  dirs.push(dir);
  return dir;
};

describe("auth 'mac' on processes", () => {
  it('testnet --auth mac, n=4: the replicas report auth mac, and a PUT then a GET through pancydb client return the value', async () => {
    const out = join(tempDir(), 'net');
    const made = await run(['testnet', '--out', out, '--auth', 'mac', '--clients', '1']);
    expect(made.code, made.stdout).toBe(0);
    expect(made.stdout).toMatch(/^wrote .*cluster\.json: 4 replicas \(f=1\), 1 clients, auth mac, clusterId [0-9a-f]{16}$/m);
    const file = join(out, 'cluster.json');
    const cluster = loadClusterConfig(file);
    expect(cluster.parameters.auth).toBe('mac');
    const replicas = cluster.replicas.map(({ id }) => start(['replica', '--cluster', file, '--id', String(id), '--data', join(out, 'data', `replica-${id}`)]));
    const ready = await Promise.all(replicas.map((replica, id) => replica.waitFor(new RegExp(`^replica ${id} ready: `), 20_000)));
    // The optimizations, appended last to the ready line: none unless testnet named them.
    for (const line of ready) expect(line).toMatch(/, auth mac, durability fsync, started new, optimizations none$/);
    await until(async () => (await Promise.all(cluster.replicas.map((replica) => getJson(`http://${replica.host}:${replica.metricsPort}/health`)))).every((health) => health?.healthy === true), 20_000, 'every /health');

    const client = (...args: string[]) => run(['client', '--cluster', file, '--timeout', '20', ...args]);
    expect(await client('put', 'greeting', 'hello')).toEqual({ code: 0, stdout: 'ok version 1 (previous 0) actual ""' });
    expect(await client('get', 'greeting')).toEqual({ code: 0, stdout: 'ok version 1 value "hello"' });

    const statuses = await Promise.all(cluster.replicas.map((replica) => getJson(`http://${replica.host}:${replica.metricsPort}/status`)));
    expect(statuses.map((status) => status?.auth)).toEqual(['mac', 'mac', 'mac', 'mac']);
    // The client's frames were in the mode's form: no replica dropped one for its form.
    for (const status of statuses) expect(Object.keys(status?.drops ?? {}).filter((reason) => reason.includes('wrong-auth-form')), JSON.stringify(status?.drops)).toEqual([]);
  });

  it('refuses --auth other than signed or mac, and a cluster.json whose parameters.auth is neither, naming the flag and the field (exit 2)', async () => {
    const dir = tempDir();
    expect(await run(['testnet', '--out', join(dir, 'x'), '--auth', 'hmac'])).toMatchObject({ code: 2, stdout: expect.stringContaining('--auth: expected one of signed, mac, got "hmac"') });
    const out = join(dir, 'net');
    expect((await run(['testnet', '--out', out, '--clients', '1'])).code).toBe(0);
    const json = JSON.parse(readFileSync(join(out, 'cluster.json'), 'utf8'));
    json.parameters.auth = 'hmac';
    json.clusterId = computeClusterId(json);
    const bad = join(out, 'bad.json');
    writeFileSync(bad, JSON.stringify(json));
    const expected = `${bad}: parameters.auth: must be "signed" or "mac", got "hmac"`;
    expect(await run(['replica', '--cluster', bad, '--id', '0', '--data', join(out, 'data-0'), '--key', join(out, 'replica-0.key')])).toMatchObject({ code: 2, stdout: expect.stringContaining(expected) });
    expect(await run(['client', '--cluster', bad, '--key', join(out, 'client-0.key'), 'get', 'a'])).toMatchObject({ code: 2, stdout: expect.stringContaining(expected) });
  });
});
