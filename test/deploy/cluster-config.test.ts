// cluster.json validation: every mistake exits 2 naming the file and the field.
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UsageError } from '../../src/cli/usage-error.ts';
import { main } from '../../src/cli/main.ts';
import type { Output } from '../../src/cli/sim.ts';
import { TESTNET_HELP } from '../../src/cli/testnet.ts';
import { createNativeCrypto } from '../../src/crypto/native.ts';
import { authDomainOf, clusterJson, computeClusterId, loadClusterConfig, parseClusterConfig } from '../../src/deploy/cluster-config.ts';
import { loadClient, loadReplica } from '../../src/deploy/load-member.ts';
import { generateTestnet } from '../../src/deploy/testnet.ts';

const crypto = createNativeCrypto();
let dir: string;
let good: Record<string, unknown>;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'pancydb-config-'));
  await generateTestnet({ n: 4, out: dir, hosts: ['127.0.0.1'], clients: 2, crypto });
  good = JSON.parse(readFileSync(join(dir, 'cluster.json'), 'utf8')) as Record<string, unknown>;
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A copy of the good file changed by `edit`, with its clusterId recomputed unless `keepId`. */
function variant(edit: (json: any) => void, keepId = false): Record<string, unknown> {
  const json = structuredClone(good) as any;
  edit(json);
  if (!keepId) json.clusterId = computeClusterId(json);
  return json;
}

function errorOf(json: unknown): string {
  try {
    parseClusterConfig(json, 'cluster.json');
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    return (error as Error).message;
  }
  throw new Error('accepted');
}

describe('cluster.json validation', () => {
  it('accepts what pancydb testnet wrote, and the clusterId hashes the content', () => {
    const config = loadClusterConfig(join(dir, 'cluster.json'));
    expect(config.replicas.map((replica) => replica.id)).toEqual([0, 1, 2, 3]);
    expect(config.clusterId).toBe(computeClusterId(good));
    expect(config.parameters.n).toBe(4);
  });

  it.each([
    ['n not 3f+1', (json: any) => { json.n = 5; }, 'cluster.json: n: must be 3f+1'],
    ['fewer replicas than n', (json: any) => { json.replicas.pop(); }, 'cluster.json: replicas: must list n=4 replicas, got 3'],
    ['duplicate host:port', (json: any) => { json.replicas[2].port = json.replicas[1].port; }, 'cluster.json: replicas.2.port: 127.0.0.1:'],
    ['metrics port clashing with a replica port', (json: any) => { json.replicas[3].metricsPort = json.replicas[0].port; }, 'cluster.json: replicas.3.metricsPort: 127.0.0.1:'],
    ['port out of range', (json: any) => { json.replicas[2].port = 0; }, 'cluster.json: replicas.2.port: must be a whole number ≥ 1 and ≤ 65535, got 0'],
    ['ids out of order', (json: any) => { json.replicas[1].id = 2; }, 'cluster.json: replicas.1.id: must be a whole number ≥ 1 and ≤ 1, got 2'],
    ['a malformed public key', (json: any) => { json.replicas[0].publicKey = 'abc'; }, 'cluster.json: replicas.0.publicKey: must be 64 hex digits'],
    ['an unknown top-level field', (json: any) => { json.extra = 1; }, 'cluster.json: extra: unknown key'],
    ['an unknown replica field', (json: any) => { json.replicas[1].weight = 2; }, 'cluster.json: replicas.1.weight: unknown key'],
    ['an unknown parameter', (json: any) => { json.parameters.turbo = true; }, 'cluster.json: parameters.turbo: unknown key'],
    ['a missing parameter', (json: any) => { delete json.parameters.logWindow; }, 'cluster.json: parameters.logWindow: missing'],
    ['parameters PBFT cannot run', (json: any) => { json.parameters.logWindow = 150; }, 'cluster.json: parameters: logWindow must be a multiple of checkpointInterval'],
    ['two clients with one key', (json: any) => { json.clients[1].publicKey = json.clients[0].publicKey; }, 'cluster.json: clients.1.publicKey: is client 0'],
    ['a wrong format', (json: any) => { json.format = 'v0'; }, 'cluster.json: format: must be "pancydb-cluster/v1"'],
    ['an auth mode that is neither signed nor mac', (json: any) => { json.parameters.auth = 'hmac'; }, 'cluster.json: parameters.auth: must be "signed" or "mac", got "hmac"'],
    ['an auth mode that is not a string', (json: any) => { json.parameters.auth = true; }, 'cluster.json: parameters.auth: must be "signed" or "mac", got true'],
    ['optimizations that are not a list', (json: any) => { json.parameters.optimizations = 'read-only'; }, 'cluster.json: parameters.optimizations: must be a list, got "read-only"'],
    ['an optimization it does not know', (json: any) => { json.parameters.optimizations = ['read-only', 'speculative']; }, 'cluster.json: parameters.optimizations.1: must be "read-only" or "digest-replies" or "tentative", got "speculative"'],
    ['an optimization named twice', (json: any) => { json.parameters.optimizations = ['tentative', 'tentative']; }, 'cluster.json: parameters.optimizations.1: "tentative" is named twice; name each optimization once'],
  ])('refuses %s', (_name, edit, message) => {
    expect(errorOf(variant(edit))).toContain(message);
  });

  it('ports: testnet draws 2n distinct ports below the ephemeral range (which outgoing connections take from), and skips one in use', async () => {
    const ephemeralLow = existsSync('/proc/sys/net/ipv4/ip_local_port_range') ? Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]) : 32_768;
    const ports = (good.replicas as { port: number; metricsPort: number }[]).flatMap((replica) => [replica.port, replica.metricsPort]);
    expect(new Set(ports).size).toBe(8);
    for (const port of ports) {
      expect(port).toBeGreaterThanOrEqual(10_000);
      expect(port).toBeLessThan(Math.min(32_768, ephemeralLow));
    }
    // Hold every fourth port of 10000-32767: about one draw in four lands on a held port
    // and is drawn again; no testnet gets a held port.
    const held: Server[] = [];
    try {
      for (let port = 10_000; port < 32_768; port += 4) {
        const server = createServer();
        const bound = await new Promise<boolean>((resolve) => {
          server.once('error', () => resolve(false));
          server.listen(port, '127.0.0.1', () => resolve(true));
        });
        if (bound) held.push(server);
      }
      const heldPorts = new Set(held.map((server) => (server.address() as AddressInfo).port));
      for (let round = 0; round < 5; round++) {
        const out = join(dir, `held-${round}`);
        const { config } = await generateTestnet({ n: 4, out, hosts: ['127.0.0.1'], clients: 1, crypto });
        const drawn = config.replicas.flatMap((replica) => [replica.port, replica.metricsPort]);
        expect(new Set(drawn).size).toBe(8);
        for (const port of drawn) expect(heldPorts.has(port), `port ${port} is held`).toBe(false);
      }
    } finally {
      await Promise.all(held.map((server) => new Promise<void>((resolve) => server.close(() => resolve()))));
    }
  });

  it("auth: testnet writes 'signed' by default; a file without it (written before the MAC mode) is 'signed'; 'mac' is read back", () => {
    expect((good as any).parameters.auth).toBe('signed');
    expect(parseClusterConfig(good, 'cluster.json').parameters.auth).toBe('signed');
    const old = variant((json) => { delete json.parameters.auth; });
    expect(parseClusterConfig(old, 'cluster.json').parameters.auth).toBe('signed');
    expect(parseClusterConfig(variant((json) => { json.parameters.auth = 'mac'; }), 'cluster.json').parameters.auth).toBe('mac');
  });

  it('the clusterId covers auth: changing only the mode changes the id (and the session keys\' domain), and an edited mode with the old id is refused', () => {
    const signed = parseClusterConfig(good, 'cluster.json');
    const mac = parseClusterConfig(clusterJson({ ...signed, parameters: { ...signed.parameters, auth: 'mac' } }), 'cluster.json');
    expect(mac.parameters.auth).toBe('mac');
    expect(mac.clusterId).not.toBe(signed.clusterId);
    expect(Buffer.from(authDomainOf(mac)).toString('hex')).toBe(mac.clusterId);
    expect(Buffer.from(authDomainOf(mac))).not.toEqual(Buffer.from(authDomainOf(signed)));
    expect(errorOf(variant((json) => { json.parameters.auth = 'mac'; }, true))).toMatch(/^cluster\.json: clusterId: does not match the file's content/);
  });

  it('optimizations: testnet writes [] by default; a file without them (written before they could be chosen) has none and keeps its id; a list is read back in canonical order', async () => {
    expect((good as any).parameters.optimizations).toEqual([]);
    expect(parseClusterConfig(good, 'cluster.json').parameters.optimizations).toEqual([]);
    // As a file written before the field existed: the id was computed without it, and still matches.
    const old = variant((json) => { delete json.parameters.optimizations; });
    expect(Object.hasOwn((old as any).parameters, 'optimizations')).toBe(false);
    expect(parseClusterConfig(old, 'cluster.json').parameters.optimizations).toEqual([]);
    const some = parseClusterConfig(variant((json) => { json.parameters.optimizations = ['tentative', 'read-only']; }), 'cluster.json');
    expect(some.parameters.optimizations).toEqual(['read-only', 'tentative']);
    const out = join(dir, 'all');
    const { config } = await generateTestnet({ n: 4, out, hosts: ['127.0.0.1'], clients: 1, crypto, auth: 'mac', optimizations: ['tentative', 'digest-replies', 'read-only'] });
    expect(JSON.parse(readFileSync(join(out, 'cluster.json'), 'utf8')).parameters.optimizations).toEqual(['read-only', 'digest-replies', 'tentative']);
    expect(loadClusterConfig(join(out, 'cluster.json')).parameters).toMatchObject({ auth: 'mac', optimizations: ['read-only', 'digest-replies', 'tentative'] });
    expect(config.parameters.optimizations).toEqual(['read-only', 'digest-replies', 'tentative']);
  });

  it('the clusterId covers optimizations: turning one on changes the id, and an edited list with the old id is refused', () => {
    const none = parseClusterConfig(good, 'cluster.json');
    const readOnly = parseClusterConfig(clusterJson({ ...none, parameters: { ...none.parameters, optimizations: ['read-only'] } }), 'cluster.json');
    const all = parseClusterConfig(clusterJson({ ...none, parameters: { ...none.parameters, optimizations: ['read-only', 'digest-replies', 'tentative'] } }), 'cluster.json');
    expect(new Set([none.clusterId, readOnly.clusterId, all.clusterId]).size).toBe(3);
    expect(errorOf(variant((json) => { json.parameters.optimizations = ['read-only']; }, true))).toMatch(/^cluster\.json: clusterId: does not match the file's content/);
  });

  it('robustPrimaryPercent: testnet leaves it out by default and it is off; a file without it keeps its id; 30 is read back', () => {
    expect(Object.hasOwn((good as any).parameters, 'robustPrimaryPercent')).toBe(false);
    const off = parseClusterConfig(good, 'cluster.json');
    expect(off.parameters.robustPrimaryPercent).toBeUndefined();
    expect(Object.hasOwn(off.parameters, 'robustPrimaryPercent')).toBe(false);
    // A file written before the field existed: its id was computed without it, and still matches.
    expect(off.clusterId).toBe((good as any).clusterId);
    // Written back without it, the file is the same file: same id.
    expect(clusterJson(off).clusterId).toBe(off.clusterId);
    const robust = parseClusterConfig(variant((json) => { json.parameters.robustPrimaryPercent = 30; }), 'cluster.json');
    expect(robust.parameters.robustPrimaryPercent).toBe(30);
    expect(robust.clusterId).not.toBe(off.clusterId);
    // It survives a round trip, and covers the id: an edited percent with the old id is refused.
    expect(clusterJson(robust)).toMatchObject({ clusterId: robust.clusterId, parameters: { robustPrimaryPercent: 30 } });
    expect(errorOf(variant((json) => { json.parameters.robustPrimaryPercent = 30; }, true))).toMatch(/^cluster\.json: clusterId: does not match the file's content/);
  });

  it.each([
    ['0', 0, '0'],
    ['101', 101, '101'],
    ['2.5', 2.5, '2.5'],
    ['"x"', 'x', '"x"'],
    ['null', null, 'null'],
  ])('refuses robustPrimaryPercent %s, naming parameters.robustPrimaryPercent', (_name, value, shown) => {
    expect(errorOf(variant((json) => { json.parameters.robustPrimaryPercent = value; }))).toBe(
      `cluster.json: parameters.robustPrimaryPercent: must be a whole number ≥ 1 and ≤ 100, got ${shown}`,
    );
  });

  it('refuses a file edited after generation (clusterId mismatch)', () => {
    expect(errorOf(variant((json) => { json.replicas[0].host = '127.0.0.9'; }, true))).toMatch(/^cluster\.json: clusterId: does not match the file's content/);
  });

  it('refuses an unreadable file and bad JSON, naming the file', () => {
    expect(() => loadClusterConfig(join(dir, 'missing.json'))).toThrow(/missing\.json: cannot read the cluster file/);
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, '{');
    expect(() => loadClusterConfig(bad)).toThrow(/bad\.json: not valid JSON/);
  });
});

describe('pancydb testnet --robust-primary', () => {
  /** `pancydb testnet ARGS` in this process: its exit status and what it printed. */
  async function testnet(args: readonly string[]): Promise<{ code: number; text: string }> {
    const lines: string[] = [];
    const output: Output = { out: (line) => void lines.push(line), err: (line) => void lines.push(line) };
    const code = await main(['testnet', ...args], output);
    return { code, text: lines.join('\n') };
  }

  it('writes parameters.robustPrimaryPercent, which the replicas read back; without the flag the field is absent', async () => {
    const out = join(dir, 'robust');
    expect((await testnet(['--out', out, '--clients', '1', '--robust-primary', '30'])).code).toBe(0);
    const file = join(out, 'cluster.json');
    expect(JSON.parse(readFileSync(file, 'utf8')).parameters.robustPrimaryPercent).toBe(30);
    expect(loadClusterConfig(file).parameters.robustPrimaryPercent).toBe(30);
    expect(loadReplica(file, 0, undefined, crypto).cluster.parameters.robustPrimaryPercent).toBe(30);
    const plain = join(dir, 'plain');
    expect((await testnet(['--out', plain, '--clients', '1'])).code).toBe(0);
    expect(Object.hasOwn(JSON.parse(readFileSync(join(plain, 'cluster.json'), 'utf8')).parameters, 'robustPrimaryPercent')).toBe(false);
    expect(TESTNET_HELP).toContain('--robust-primary PERCENT');
  });

  it.each(['0', '101', '2.5', 'x', ''])('refuses --robust-primary %j: exit 2 naming the flag, nothing written', async (value) => {
    const out = join(dir, `bad-robust-${value}`);
    const { code, text } = await testnet(['--out', out, '--robust-primary', value]);
    expect(code).toBe(2);
    expect(text).toContain(`pancydb: --robust-primary: must be a whole number ≥ 1 and ≤ 100, got ${JSON.stringify(value)}`);
    expect(existsSync(join(out, 'cluster.json'))).toBe(false);
  });

  it('a cluster.json with a bad robustPrimaryPercent: pancydb replica and client exit 2 naming the file and the field', async () => {
    const out = join(dir, 'robust-edited');
    expect((await testnet(['--out', out, '--clients', '1', '--robust-primary', '30'])).code).toBe(0);
    const file = join(out, 'cluster.json');
    const json = JSON.parse(readFileSync(file, 'utf8'));
    json.parameters.robustPrimaryPercent = 101;
    json.clusterId = computeClusterId(json);
    writeFileSync(file, JSON.stringify(json));
    const expected = `pancydb: ${file}: parameters.robustPrimaryPercent: must be a whole number ≥ 1 and ≤ 100, got 101`;
    for (const args of [['replica', '--cluster', file, '--id', '0', '--data', join(out, 'data-0')], ['client', '--cluster', file, 'get', 'a']]) {
      const lines: string[] = [];
      const code = await main(args, { out: (line) => void lines.push(line), err: (line) => void lines.push(line) });
      expect({ code, text: lines.join('\n') }).toMatchObject({ code: 2, text: expect.stringContaining(expected) });
    }
  });
});

describe('key files', () => {
  const clusterFile = () => join(dir, 'cluster.json');

  it('loads a replica key that matches cluster.json', () => {
    const { keyPair, cluster } = loadReplica(clusterFile(), 2, undefined, crypto);
    expect(Buffer.from(keyPair.publicKey)).toEqual(Buffer.from(cluster.replicas[2]!.publicKey));
  });

  it('refuses a key file that does not match the public key in cluster.json', () => {
    expect(() => loadReplica(clusterFile(), 1, join(dir, 'replica-0.key'), crypto)).toThrow(/replica-0\.key: does not match .*cluster\.json: replicas\.1\.publicKey/);
  });

  it('refuses an unreadable or malformed key file', () => {
    expect(() => loadReplica(clusterFile(), 1, join(dir, 'nope.key'), crypto)).toThrow(/nope\.key: cannot read the key file/);
    const garbage = join(dir, 'garbage.key');
    writeFileSync(garbage, 'xyz\n');
    expect(() => loadReplica(clusterFile(), 1, garbage, crypto)).toThrow(/garbage\.key: must hold one Ed25519 secret key/);
  });

  it('writes key files with mode 0600', () => {
    expect(statSync(join(dir, 'replica-0.key')).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, 'client-1.key')).mode & 0o777).toBe(0o600);
  });

  it('derives the client id from the key, and refuses a replica key as a client key', () => {
    expect(loadClient(clusterFile(), join(dir, 'client-1.key'), undefined, crypto).id).toBe(1);
    expect(() => loadClient(clusterFile(), join(dir, 'replica-0.key'), undefined, crypto)).toThrow(/replica-0\.key: is not the key of any client/);
  });
});
