// `pancydb bench` end to end, with tiny settings: real replica processes and the
// unreplicated servers, one client, half a second of warm-up and a one-second window, in
// both auth modes and both durability modes at once (one run is quicker than one per
// dimension). It checks the table's shape and that every row did work; no timing is
// asserted (a loaded machine may be slow, never wrong).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { killAll, run } from './processes.ts';

const dirs: string[] = [];
afterEach(() => {
  killAll();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** The table rows of the Markdown report, as cells. */
function tableRows(markdown: string): string[][] {
  return markdown
    .split('\n')
    .filter((line) => /^\| (unreplicated|PBFT n=4) \|/.test(line))
    .map((line) => line.split('|').slice(1, -1).map((cell) => cell.trim()));
}

/** Every row did work: positive throughput, p50 and CPU per operation, and no errors. */
function expectWorkDone(rows: readonly string[][]): void {
  for (const cells of rows) {
    expect(Number(cells[6]!.replaceAll(',', '')), cells.join(' | ')).toBeGreaterThan(0); // ops/s
    expect(Number(cells[7]), cells.join(' | ')).toBeGreaterThan(0); // p50 ms
    expect(Number(cells[14]), cells.join(' | ')).toBeGreaterThan(0); // CPU ms/op
    expect(cells[17], cells.join(' | ')).toBe('0'); // errors
  }
}

describe('pancydb bench (TCP, real processes)', () => {
  it('1 client, 0.5 s warm-up, 1 s window, default --auth: per auth mode (mac first) an unreplicated row and a PBFT row per durability mode, each with positive throughput and no errors', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pancydb-bench-test-'));
    dirs.push(dir);
    const out = join(dir, 'tcp-bench.md');
    const { code, stdout } = await run(['bench', '--clients', '1', '--mixed-clients', '', '--warmup', '0.5', '--duration', '1', '--durability', 'fsync,none', '--out', out], 280_000);
    expect(code, stdout).toBe(0);
    const report = readFileSync(out, 'utf8');
    const rows = tableRows(report);
    // system, auth, durability, optimizations, clients, mix: per auth mode its baseline
    // first, then each PBFT cluster, at each client count. The auth, durability and
    // optimizations columns are what the servers' ready lines report; none by default.
    expect(rows.map((cells) => cells.slice(0, 6))).toEqual([
      ['unreplicated', 'mac', 'none', '—', '1', '100% put'],
      ['PBFT n=4', 'mac', 'fsync', 'none', '1', '100% put'],
      ['PBFT n=4', 'mac', 'none', 'none', '1', '100% put'],
      ['unreplicated', 'signed', 'none', '—', '1', '100% put'],
      ['PBFT n=4', 'signed', 'fsync', 'none', '1', '100% put'],
      ['PBFT n=4', 'signed', 'none', 'none', '1', '100% put'],
    ]);
    expectWorkDone(rows);
    for (const auth of ['mac', 'signed']) {
      for (const durability of ['fsync', 'none']) {
        expect(report).toMatch(new RegExp(`^- PBFT n=4, auth ${auth}, durability ${durability}, at 1 client \\(100% put\\) = \\d+\\.\\d\\d× unreplicated \\(auth ${auth}\\) throughput`, 'm'));
      }
      expect(report).toMatch(new RegExp(`^- durable against in-memory, auth ${auth}, at 1 client \\(100% put\\): \\d+% \\([\\d,]+ against [\\d,]+ ops/s\\), against the target of at least 70% \\((met|not met)\\)$`, 'm'));
    }
    for (const system of ['unreplicated', 'PBFT n=4, durability fsync', 'PBFT n=4, durability none']) {
      expect(report).toContain(`- ${system}, at 1 client (100% put): auth mac = `);
    }
    expect(report).toMatch(/^- PBFT n=4, durability fsync, at 1 client \(100% put\): auth mac = \d+\.\d\d× auth signed throughput \([\d,]+ against [\d,]+ ops\/s\)/m);
    expect(report).toContain(`cores`);
    // The same table is printed.
    expect(stdout).toContain(report.split('\n').find((line) => line.startsWith('| PBFT n=4 | '))!);
  });

  it('--auth mac --durability none --optimizations none,all, 1 client of each mix: a PBFT cluster per setting, named in the optimizations column, and a ratio line per row against none', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pancydb-bench-test-'));
    dirs.push(dir);
    const out = join(dir, 'tcp-bench.md');
    const { code, stdout } = await run(['bench', '--auth', 'mac', '--durability', 'none', '--optimizations', 'none,all', '--clients', '1', '--mixed-clients', '1', '--warmup', '0.5', '--duration', '1', '--out', out], 280_000);
    expect(code, stdout).toBe(0);
    const report = readFileSync(out, 'utf8');
    const rows = tableRows(report);
    const all = 'read-only,digest-replies,tentative';
    expect(rows.map((cells) => cells.slice(0, 6))).toEqual([
      ['unreplicated', 'mac', 'none', '—', '1', '100% put'],
      ['PBFT n=4', 'mac', 'none', 'none', '1', '100% put'],
      ['PBFT n=4', 'mac', 'none', all, '1', '100% put'],
      ['unreplicated', 'mac', 'none', '—', '1', '50% get / 50% put'],
      ['PBFT n=4', 'mac', 'none', 'none', '1', '50% get / 50% put'],
      ['PBFT n=4', 'mac', 'none', all, '1', '50% get / 50% put'],
    ]);
    expectWorkDone(rows);
    for (const mix of ['100% put', '50% get / 50% put']) {
      expect(report).toContain(`- PBFT n=4, auth mac, durability none, optimizations ${all}, at 1 client (${mix}) = `);
      expect(report).toMatch(new RegExp(`^- PBFT n=4, auth mac, durability none, at 1 client \\(${mix}\\): optimizations ${all} = \\d+\\.\\d\\d× none throughput \\([\\d,]+ against [\\d,]+ ops/s\\); p50 [\\d.]+ ms = [\\d.]+× \\([\\d.]+ ms\\); p99 [\\d.]+ ms = [\\d.]+× \\([\\d.]+ ms\\); CPU ms/op [\\d.]+ against [\\d.]+$`, 'm'));
    }
    expect(report).toContain("The optimizations column is cluster.json's `parameters.optimizations`");
  });

  it('refuses a --durability other than fsync, none or both, and an --auth other than mac, signed or both, naming the flag (exit 2)', async () => {
    const durability = await run(['bench', '--durability', 'sometimes'], 30_000);
    expect(durability.code).toBe(2);
    expect(durability.stdout).toContain('--durability: must be fsync, none or both (fsync,none), got "sometimes"');
    const auth = await run(['bench', '--auth', 'mac,hmac'], 30_000);
    expect(auth.code).toBe(2);
    expect(auth.stdout).toContain('--auth: must be mac, signed or both (mac,signed), got "mac,hmac"');
    expect((await run(['bench', '--auth', 'mac,mac'], 30_000)).stdout).toContain('--auth: names a mode twice: "mac,mac"');
    const optimizations = await run(['bench', '--optimizations', 'none,fast'], 30_000);
    expect(optimizations.code).toBe(2);
    expect(optimizations.stdout).toContain('--optimizations: each setting must be none, all, or names among read-only, digest-replies, tentative joined by +, got "none,fast"');
    expect((await run(['bench', '--optimizations', 'all,tentative+digest-replies+read-only'], 30_000)).stdout).toContain('--optimizations: names the setting read-only,digest-replies,tentative twice');
  });
});
