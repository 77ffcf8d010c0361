// `pancydb sim --read-only --digest-replies --tentative` and a scenario file's
// "optimizations": the trace header, the summary line, --json and the replay command say
// which are on, the switches add to the file's, and a replay runs exactly the same seed.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.ts';
import { parseSimArgs } from '../../src/cli/sim-options.ts';
import { replayCommand } from '../../src/cli/sim.ts';
import { loadSimCommand } from '../../src/cli/sim-seed.ts';

async function run(args: string[]): Promise<{ status: number; out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const status = await main(args, { out: (line) => out.push(line), err: (line) => err.push(line) });
  return { status, out, err };
}

const ALL = ['--read-only', '--digest-replies', '--tentative'];
const SHORT = ['-S', '1', '--profile', 'ci', '--workload', 'random', '--duration', '2'];

describe('pancydb sim with optimizations: what the output states', () => {
  it('the trace header and the summary line name those on, and how many gets the read path answered', async () => {
    const traced = await run(['sim', ...SHORT, ...ALL, '-V']);
    expect(traced.status).toBe(0);
    expect(traced.out[0]).toBe('sim: n=4 f=1 auth=signed optimizations=read-only,digest-replies,tentative; seeds 1..1');
    expect(traced.out.at(-2)).toMatch(/^seed 1: .*; auth=signed optimizations=read-only,digest-replies,tentative; reads [1-9]\d* read-only, \d+ ordered after all; ok$/);
    // The trace shows each at work: reads to every replica, digest replies, tentative ones.
    expect(traced.out.some((line) => /^\d+\.\d{3} c\d+->\d READ-ONLY REQUEST c=\d+ t=\d+ get k\d$/.test(line))).toBe(true);
    expect(traced.out.some((line) => /^\d+\.\d{3} \d->c\d+ REPLY \(digest, tentative\) v=0 c=\d+ t=\d+ d=[0-9a-f]{6}$/.test(line))).toBe(true);
    expect(traced.out.some((line) => /^\d+\.\d{3} \d->c\d+ REPLY \(tentative\) v=0 c=\d+ t=\d+ /.test(line))).toBe(true);
  });

  it('--json lists them in canonical order, whatever order the switches came in; without them, none', async () => {
    const json = await run(['sim', ...SHORT, '--tentative', '--read-only', '--json']);
    const report = JSON.parse(json.out[0]!);
    expect(report.optimizations).toEqual(['read-only', 'tentative']);
    expect(report.reads.accepted).toBeGreaterThan(0);
    const plain = await run(['sim', ...SHORT, '--json']);
    expect(JSON.parse(plain.out[0]!).optimizations).toEqual([]);
    expect(plain.err.at(-1)).toBe('PASS seeds=1 failures=0');
  });

  it('a lockseq run says that its gets were none: the read path needs a workload with gets', async () => {
    const result = await run(['sim', '-S', '1', '--profile', 'ci', '--duration', '2', '--read-only']);
    expect(result.out[0]).toMatch(/; reads 0 read-only, 0 ordered after all; ok$/);
  });

  it('the replay command keeps the switches as given', () => {
    const command = parseSimArgs(['-S', '9', '-R', '100', '--tentative', '--profile', 'ci', '--read-only', '--json']);
    expect(command.flags.optimizations).toEqual(['read-only', 'tentative']);
    expect(replayCommand(command, 17)).toBe('npx pancydb sim -S 17 --tentative --profile ci --read-only -V');
  });

  it('--robust-primary reaches the run as robustPrimaryPercent (its audition view change shows in --json) and stays in the replay', async () => {
    const json = await run(['sim', '-S', '1', '--profile', 'ci', '--duration', '4', '--robust-primary', '30', '--json']);
    expect(json.status).toBe(0);
    expect(JSON.parse(json.out[0]!).viewChanges).toBeGreaterThan(0);
    const plain = await run(['sim', '-S', '1', '--profile', 'ci', '--duration', '4', '--json']);
    expect(JSON.parse(plain.out[0]!).viewChanges).toBe(0);
    const command = parseSimArgs(['-S', '3', '--robust-primary', '30', '--profile', 'ci']);
    expect(replayCommand(command, 3)).toBe('npx pancydb sim -S 3 --robust-primary 30 --profile ci -V');
  });

  it('a switch with a value is a usage error naming it', async () => {
    const result = await run(['sim', '--read-only=yes']);
    expect(result.status).toBe(2);
    expect(result.err.join('\n')).toContain('unknown option --read-only=yes');
  });
});

describe('a scenario file with "optimizations"', () => {
  const silentPrimary = 'adversaries/scenarios/silent.json';
  const withOptimizations = (optimizations: string[]) => {
    const path = join(mkdtempSync(join(tmpdir(), 'pancydb-optimizations-')), 'silent-primary-fast.json');
    writeFileSync(path, JSON.stringify({ ...JSON.parse(readFileSync(silentPrimary, 'utf8')), optimizations }));
    return path;
  };

  it('switches add to the file\'s, and the header names them all', async () => {
    const path = withOptimizations(['tentative']);
    const command = await loadSimCommand(['--scenario', path, '--digest-replies']);
    expect(command.scenario.optimizations).toEqual(['digest-replies', 'tentative']);
    const result = await run(['sim', '--scenario', path, '-S', '1', '-R', '1', '--duration', '3', '--read-only']);
    expect(result.out[0]).toContain(' n=4 f=1 auth=signed optimizations=read-only,tentative; faulty: 0=silent;');
  });

  it('a failing seed: the report and the replay name every optimization on, and the replay reproduces the report', async () => {
    const path = withOptimizations(['read-only', 'digest-replies']);
    const result = await run(['sim', '--scenario', path, '-S', '3', '-R', '1', '--partition', '1-5:0,1/2,3', '--duration', '5', '--tentative', '--json']);
    expect(result.status).toBe(1);
    const failing = JSON.parse(result.out[0]!);
    expect(failing.optimizations).toEqual(['read-only', 'digest-replies', 'tentative']);
    const replay = result.err.at(-1)!;
    expect(replay).toBe(`replay: npx pancydb sim --scenario ${path} -S 3 -R 1 --partition 1-5:0,1/2,3 --duration 5 --tentative --read-only --digest-replies -V`);
    const again = await run(replay.replace('replay: npx pancydb ', '').replace(/ -V$/, ' --json').split(' '));
    expect(again.out[0]).toBe(JSON.stringify(failing));
  });
});
