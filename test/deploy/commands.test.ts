// The deployment commands as a user calls them: pancydb testnet, up and client's exit statuses.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
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
    // A replica must be able to tell whether it ran before: --data is required.
    expect(await run(['replica', '--cluster', file, '--id', '0'])).toMatchObject({ code: 2, stdout: expect.stringContaining('--data') });
    // Nobody listens: the outcome is unknown after the timeout.
    expect(await run(['client', '--cluster', file, '--timeout', '1', 'get', 'a'])).toMatchObject({ code: 3, stdout: expect.stringContaining('the outcome is unknown') });
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
    up.child.kill('SIGTERM');
    expect(await up.exited).toBe(0);
    expect(up.lines.filter((line) => /^\[r\d\] exited \(status 0\)$/.test(line))).toHaveLength(4);
  });
});
