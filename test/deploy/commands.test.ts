// The deployment commands as a user calls them: pancydb testnet, up and client's exit statuses.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { getJson, killAll, run, start } from './processes.ts';

const dirs: string[] = [];
afterEach(() => {
  killAll();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'pancydb-cmd-'));
  dirs.push(dir);
  return dir;
};

describe('pancydb testnet, up and client', () => {
  it('testnet refuses n that is not 3f+1 (exit 2); client: usage error 2, no cluster running 3', async () => {
    const out = join(tempDir(), 'net');
    expect((await run(['testnet', '--out', out, '--n', '5'])).code).toBe(2);
    expect((await run(['testnet', '--out', out, '--n', '7', '--clients', '1'])).code).toBe(0);
    const file = join(out, 'cluster.json');
    expect(JSON.parse(readFileSync(file, 'utf8')).replicas).toHaveLength(7);
    expect(await run(['client', '--cluster', file, 'put', 'onlykey'])).toMatchObject({ code: 2, stdout: expect.stringContaining('put: expects 2 operand(s), got 1') });
    // What the store refuses is refused before connecting, as a usage error (it exited 70, then 3).
    expect(await run(['client', '--cluster', file, 'put', 'k', 'v', '--version-match', String(Number.MAX_SAFE_INTEGER)])).toMatchObject({ code: 2, stdout: expect.stringContaining('versionMatch') });
    expect(await run(['client', '--cluster', file, 'put', 'k', 'v'.repeat(70_000)])).toMatchObject({ code: 2, stdout: expect.stringContaining('its request would be') });
    // A replica must be able to tell whether it ran before: --data is required.
    expect(await run(['replica', '--cluster', file, '--id', '0'])).toMatchObject({ code: 2, stdout: expect.stringContaining('--data') });
    // Nobody listens: the outcome is unknown after the timeout.
    expect(await run(['client', '--cluster', file, '--timeout', '1', 'get', 'a'])).toMatchObject({ code: 3, stdout: expect.stringContaining('the outcome is unknown') });
  });

  it("replica --data: refuses a directory in use, another replica's directory, a directory whose WAL is gone, bad --durability and PANCYDB_CRASH_AT (exit 2)", async () => {
    const out = join(tempDir(), 'net');
    expect((await run(['testnet', '--out', out, '--clients', '1'])).code).toBe(0);
    const file = join(out, 'cluster.json');
    const data = join(out, 'data-0');
    const first = start(['replica', '--cluster', file, '--id', '0', '--data', data]);
    await first.waitFor(/^replica 0 ready: .*durability fsync, started new/, 20_000);
    // A second process on a directory in use is refused before it reads the log.
    expect(await run(['replica', '--cluster', file, '--id', '0', '--data', data])).toMatchObject({ code: 2, stdout: expect.stringContaining(`--data ${data} is in use by process ${first.child.pid}`) });
    // kill -9 leaves the lock behind; every start below takes it over.
    first.child.kill('SIGKILL');
    await first.exited;
    expect(await run(['replica', '--cluster', file, '--id', '1', '--data', data])).toMatchObject({ code: 2, stdout: expect.stringContaining("this directory is replica 0's") });
    expect(await run(['replica', '--cluster', file, '--id', '0', '--data', data, '--durability', 'maybe'])).toMatchObject({ code: 2, stdout: expect.stringContaining('--durability must be fsync or none') });
    expect(await run(['replica', '--cluster', file, '--id', '0', '--data', data, '--durability', 'none', '--amnesia'])).toMatchObject({ code: 2, stdout: expect.stringContaining('--amnesia needs --durability fsync') });
    const crashAt = start(['replica', '--cluster', file, '--id', '0', '--data', data], { env: { PANCYDB_CRASH_AT: 'sometime:3' } });
    expect(await crashAt.exited).toBe(2);
    expect(crashAt.lines.join('\n')).toContain('PANCYDB_CRASH_AT must be POINT:K');
    rmSync(join(data, 'wal'), { recursive: true });
    expect(await run(['replica', '--cluster', file, '--id', '0', '--data', data])).toMatchObject({ code: 2, stdout: expect.stringContaining('wal is gone; start it with --amnesia') });
    const amnesiac = start(['replica', '--cluster', file, '--id', '0', '--data', data, '--amnesia']);
    await amnesiac.waitFor(/^replica 0 ready: .*started without memory/, 20_000);
  });

  it('replica: a port in use (its metrics port, or its peer port) exits 2 naming the address, instead of running on connected to its peers but never ready', async () => {
    const out = join(tempDir(), 'net');
    expect((await run(['testnet', '--out', out, '--clients', '1'])).code).toBe(0);
    const file = join(out, 'cluster.json');
    const { host, port, metricsPort } = JSON.parse(readFileSync(file, 'utf8')).replicas[0];
    // Replica 1 runs, so replica 0's dialer connects as it did in the run that hung.
    const peer = start(['replica', '--cluster', file, '--id', '1', '--data', join(out, 'data-1'), '--durability', 'none']);
    await peer.waitFor(/^replica 1 ready:/, 20_000);
    for (const taken of [metricsPort, port]) {
      const holder = createServer();
      await new Promise<void>((resolve) => holder.listen(taken, host, resolve));
      try {
        const result = await run(['replica', '--cluster', file, '--id', '0', '--data', join(out, `data-0-${taken}`), '--durability', 'none'], 60_000);
        expect(result, result.stdout).toMatchObject({ code: 2, stdout: expect.stringContaining(`replica 0: cannot listen: listen EADDRINUSE: address already in use ${host}:${taken}`) });
      } finally {
        await new Promise<void>((resolve) => holder.close(() => resolve()));
      }
    }
  });

  it('up starts every replica, serves a client, and stops them all on SIGTERM (exit 0)', async () => {
    const out = join(tempDir(), 'net');
    expect((await run(['testnet', '--out', out])).code).toBe(0);
    const up = start(['up', out]);
    await up.waitFor(/^cluster up: 4 replicas/, 20_000);
    const file = join(out, 'cluster.json');
    expect(await run(['client', '--cluster', file, '--timeout', '20', 'put', 'a', '1'])).toEqual({ code: 0, stdout: 'ok version 1 (previous 0) actual ""' });
    const { host, metricsPort } = JSON.parse(readFileSync(file, 'utf8')).replicas[2];
    expect((await getJson(`http://${host}:${metricsPort}/status`))?.lastExecuted).toBeGreaterThanOrEqual(1);
    // Each replica got a data directory under the testnet's, so a restart by hand is recognised.
    expect(readFileSync(join(out, 'data', 'replica-2', 'started'), 'utf8')).toMatch(/^\d{4}-/);
    expect(readFileSync(join(out, 'data', 'replica-2', 'lock'), 'utf8')).toMatch(/^\d+\n$/);
    up.child.kill('SIGTERM');
    expect(await up.exited).toBe(0);
    // A clean stop releases each directory's lock.
    expect(existsSync(join(out, 'data', 'replica-2', 'lock'))).toBe(false);
    expect(up.lines.filter((line) => /^\[r\d\] exited \(status 0\)$/.test(line))).toHaveLength(4);
  });
});
