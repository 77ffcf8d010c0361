// The `pancydb hunt` command line: usage errors exit 2 naming the flag, --help, and a
// small hunt of the protocol as specified that finds nothing and exits 0.
import { mkdtempSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.ts';
import { loadSimCommand, runCommandSeed } from '../../src/cli/sim-seed.ts';
import { drawSchedule, scheduleRunSeed } from '../../src/hunt/draw.ts';
import { loadScenarioText } from '../../src/scenario/load.ts';
import { scenarioRunOptions } from '../../src/scenario/run-options.ts';
import { runSeed } from '../../src/sim/run.ts';

async function huntCommand(args: string[]): Promise<{ status: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const status = await main(['hunt', ...args], { out: (line) => out.push(line), err: (line) => err.push(line) });
  return { status, out: out.join('\n'), err: err.join('\n') };
}

describe('pancydb hunt: the command line', () => {
  it.each([
    [['--budget', '0'], '--budget'],
    [['--budget', 'soon'], '--budget'],
    [['--budget'], '--budget'],
    [['--schedules', '-3'], '--schedules'],
    [['--schedules', '1.5'], '--schedules'],
    [['--workers', '0'], '--workers'],
    [['--workers', '100000'], '--workers'],
    [['-n', '5'], '-n'],
    [['--seed', 'x'], '--seed'],
    [['--seed', '1', '--seed', '2'], '--seed'],
    [['--out', '/no/such/directory/h.json', '--schedules', '1'], '--out'],
    [['--flaw', 'commit-on-2f'], '--flaw'],
    [['--scenario', 'x.json'], '--scenario'],
    [['extra'], 'extra'],
    [['--shard', '2/2', '--out', 'h.json'], '--shard needs I/K'],
    [['--shard', '0/0', '--out', 'h.json'], '--shard needs I/K'],
    [['--shard', 'one/2', '--out', 'h.json'], '--shard needs I/K'],
    [['--shard', '-1/2', '--out', 'h.json'], '--shard needs I/K'],
    [['--shard', '0/2'], '--shard needs --out FILE'],
    [['--schedules', '2', '--shard', '0/3', '--out', 'h.json'], '--shard 0/3: 3 shards need at least 3 schedules'],
    [['--shard', '0/2', '--out', '/no/such/directory/h.json', '--schedules', '2'], '--out'],
  ])('%j is a usage error (exit 2) naming %s, and runs nothing', async (args, flag) => {
    const result = await huntCommand(args);
    expect(result.status).toBe(2);
    expect(result.err).toContain(flag);
    expect(result.err).toContain("Try 'pancydb hunt --help'");
    expect(result.out).toBe('');
  });

  it('--help prints the usage with every option and exits 0', async () => {
    const result = await huntCommand(['--help']);
    expect(result.status).toBe(0);
    for (const option of ['--seed', '--budget', '--schedules', '--workers', '-n 4|7', '--out', '--shard I/K']) expect(result.out).toContain(option);
  });

  it('a hunt of the protocol as specified over 2 schedules finds nothing, exits 0 and writes no file', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'hunt-cli-')), 'found.json');
    const result = await huntCommand(['--seed', '3', '--schedules', '2', '--workers', '1', '-n', '4', '--out', out]);
    expect(result.err).toBe('');
    expect(result.status).toBe(0);
    expect(result.out).toContain('nothing found: 2 schedules');
    expect(existsSync(out)).toBe(false);
  });

  it('--shard 1/2 of 2 schedules on a worker thread runs schedule 1 alone and writes its results, exit 0', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'hunt-cli-shard-')), 'shard-1.json');
    const result = await huntCommand(['--seed', '3', '--schedules', '2', '--workers', '1', '-n', '4', '--shard', '1/2', '--out', out]);
    expect(result.err).toBe('');
    expect(result.status).toBe(0);
    expect(result.out).toContain('shard 1/2: schedules 1\n');
    expect(result.out).toMatch(new RegExp(`shard 1/2: nothing found in 1 schedule \\([\\d.]+ s\\); results in ${out}; `));
    const file = JSON.parse(readFileSync(out, 'utf8')) as { hunt: unknown; shard: { index: number; prefixRun: number }; finding: unknown };
    expect(file.hunt).toEqual({ command: 'pancydb hunt --seed 3 --schedules 2 -n 4', seed: 3, n: 4, budgetS: null, schedules: 2, shards: 2 });
    expect(file.shard).toMatchObject({ index: 1, prefixRun: 1 });
    expect(file.finding).toBeNull();
  });

  it('a drawn schedule written as a file runs under pancydb sim --scenario FILE -S s -R 1 exactly as the hunt runs it', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'hunt-replay-'));
    for (const index of [0, 1]) {
      const scenario = drawSchedule(9, index);
      const seed = scheduleRunSeed(9, index);
      const hunted = runSeed(scenarioRunOptions(await loadScenarioText(JSON.stringify(scenario), 'x.json'), seed)).report;
      const file = join(directory, `s${index}.json`);
      writeFileSync(file, `${JSON.stringify(scenario, null, 2)}\n`);
      const replayed = runCommandSeed(await loadSimCommand(['--scenario', file, '-S', String(seed), '-R', '1']), seed).report;
      // Costs per replica count the crypto backend's memo hits, which the backend decides; everything else must match.
      expect(JSON.stringify({ ...replayed, perReplica: null })).toBe(JSON.stringify({ ...hunted, perReplica: null }));
      expect(hunted.committed).toBeGreaterThan(0);
    }
  });
});
