// The `pancydb` command line: usage errors exit 2 naming the flag, a passing run ends
// with the PASS line, and JSON output has the documented fields.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.ts';
import { parseSimArgs } from '../../src/cli/sim-options.ts';
import { replayCommand } from '../../src/cli/sim.ts';
import { loadSimCommand, runCommandSeed } from '../../src/cli/sim-seed.ts';

const SCENARIOS = 'test/fixtures/scenarios';

async function run(args: string[]): Promise<{ status: number; out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const status = await main(args, { out: (line) => out.push(line), err: (line) => err.push(line) });
  return { status, out, err };
}

describe('pancydb sim: usage errors exit with status 2 and name the flag', () => {
  it.each([
    [['sim', '-n', '5'], '-n must be 3f+1'],
    [['sim', '-n', 'four'], '-n needs a whole number'],
    [['sim', '-l', '1.5'], '-l needs a probability'],
    [['sim', '-l'], '-l needs a value'],
    [['sim', '--profile', 'huge'], '--profile must be full or ci'],
    [['sim', '--bogus'], 'unknown option --bogus'],
    [['sim', '--crash', 'x'], '--crash needs REPLICA@SECONDS'],
    [['sim', '--crash', '9@1'], '--crash names replica 9'],
    [['sim', '--duration', '-3'], '--duration needs a number > 0 and ≤ 3600 (simulated seconds), got -3'],
    [['sim', '--crypto', 'rot13'], '--crypto must be one of noble, native, sodium'],
    [['sim', '--auth', 'bogus'], '--auth: expected one of signed, mac, got "bogus"'],
    [['sim', '--scenario', 'adversaries/scenarios/crash-restart.json', '--amnesia'], '--crash, --amnesia and --silent make 4 replicas faulty (0, 1, 2, 3'],
    [['sim', '--workload', 'random', '--mix', 'get=x'], '--mix'],
    [['sim', '--silent', '0'], '--silent needs REPLICA@FROM'],
    [['sim', '--silent', '7@1'], '--silent names replica 7'],
    [['sim', '--partition', '5-35:0,1'], '--partition needs FROM-UNTIL:GROUPS'],
    [['sim', '--partition', '5-35:0,1/9'], '--partition names replica 9'],
    [['sim', '--crash', '2@5-3'], 'the restart must come after the crash'],
    [['sim', '--work-until', 'soon'], '--work-until needs a number ≥ 0 and ≤ 3600 (simulated seconds), got soon'],
    [['demo', '--bogus'], 'unknown option --bogus'],
    [['launch'], 'unknown command launch'],
  ])('%j', async (args, message) => {
    const result = await run(args);
    expect(result.status).toBe(2);
    expect(result.err.join('\n')).toContain(message);
    expect(result.out).toEqual([]);
  });
});

describe('pancydb sim: a run', () => {
  it('prints per-seed phase counts and ends with PASS seeds=N failures=0', async () => {
    const result = await run(['sim', '-S', '3', '-R', '2', '--profile', 'ci', '--duration', '3']);
    expect(result.status).toBe(0);
    expect(result.out).toHaveLength(3);
    expect(result.out[0]).toMatch(/^seed 3: \d+ lock, \d+ write, \d+ clear, \d+ unlock;/);
    expect(result.out[1]).toMatch(/^seed 4: /);
    expect(result.out.at(-1)).toBe('PASS seeds=2 failures=0');
  });

  it('--json prints one object per seed with the documented fields', async () => {
    const result = await run(['sim', '-S', '5', '--profile', 'ci', '--duration', '2', '--json']);
    const report = JSON.parse(result.out[0]!);
    for (const field of ['seed', 'n', 'f', 'lock', 'write', 'clear', 'unlock', 'committed', 'viewChanges', 'stateDigests', 'violations']) {
      expect(report).toHaveProperty(field);
    }
    expect(report.seed).toBe(5);
    expect(Object.keys(report.stateDigests)).toEqual(['0', '1', '2', '3']);
  });

  it('-V prints protocol events in the documented shape', async () => {
    const result = await run(['sim', '-S', '1', '--profile', 'ci', '--duration', '1.2', '-V']);
    expect(result.out.some((line) => /^\d+\.\d{3} 0->2 PREPARE v=0 n=\d+ d=[0-9a-f]{6}$/.test(line) || /^\d+\.\d{3} 1->2 PREPARE v=0 n=\d+ d=[0-9a-f]{6}$/.test(line))).toBe(true);
    expect(result.out.some((line) => / EXECUTE v=0 n=1 /.test(line))).toBe(true);
  });

  it('the replay command keeps the flags that shape the run and names the seed', () => {
    const command = parseSimArgs(['-S', '9', '-R', '100', '-n', '7', '-l', '0.2', '--profile', 'ci', '--json']);
    expect(replayCommand(command, 17)).toBe('npx pancydb sim -S 17 -n 7 -l 0.2 --profile ci -V');
  });
});

describe('pancydb sim --scenario: a scenario file, with flags that override it', () => {
  const silentPrimary = `${SCENARIOS}/silent-primary.json`;

  it('prints a header, runs the seeds -S/-R choose with the --duration given, and passes', async () => {
    const result = await run(['sim', '--scenario', silentPrimary, '-S', '3', '-R', '2', '--duration', '4']);
    expect(result.status).toBe(0);
    expect(result.out[0]).toBe(
      `scenario silent-primary (${silentPrimary}): n=4 f=1 auth=signed; faulty: 0=silent; expect: safety, and requests from 0 s complete within 4 s; seeds 3..4`,
    );
    expect(result.out[1]).toMatch(/^seed 3: /);
    expect(result.out[2]).toMatch(/^seed 4: /);
    expect(result.out.at(-1)).toBe('PASS seeds=2 failures=0');
  });

  it("runs the file's seeds by default, and flags replace, cut short or add to its fields", async () => {
    const plain = await loadSimCommand(['--scenario', silentPrimary]);
    expect(plain.seeds).toBe(5);
    expect(plain.scenario).toMatchObject({ durationMs: 6000, workloadDurationMs: 3000 });
    const args = ['--scenario', silentPrimary, '--duration', '2', '--clients', '3', '-l', '0.1', '--silent', '1@1', '--batch', '8', '--profile', 'full'];
    const { scenario } = await loadSimCommand(args);
    expect(scenario).toMatchObject({ durationMs: 2000, workloadDurationMs: 2000, parameters: { maxBatch: 8 } });
    expect(scenario.workload).toEqual({ kind: 'lockseq', clients: 3, maxSequenceLength: 100, groups: 100 });
    expect(scenario.network).toMatchObject({ loss: 0.1, silences: [{ replica: 1, fromMs: 1000, untilMs: Infinity }] });
    expect([...scenario.faulty.keys()]).toEqual([0]);
  });

  it('--json prints one report per seed on stdout; the header and the PASS line go to stderr', async () => {
    const result = await run(['sim', '--scenario', silentPrimary, '-S', '2', '-R', '1', '--duration', '3', '--json']);
    expect(result.status).toBe(0);
    expect(result.out).toHaveLength(1);
    const report = JSON.parse(result.out[0]!);
    expect(report).toMatchObject({ seed: 2, n: 4, f: 1, faulty: [0] });
    expect(Object.keys(report.stateDigests)).toEqual(['1', '2', '3']);
    expect(result.err[0]).toMatch(/^scenario silent-primary /);
    expect(result.err.at(-1)).toBe('PASS seeds=1 failures=0');
  });

  it('runCommandSeed, the seam a sweep worker uses, builds the same run as the CLI loop', async () => {
    const args = ['--scenario', silentPrimary, '-S', '2', '-R', '1', '--duration', '3', '--json'];
    const result = await run(['sim', ...args]);
    const { report } = runCommandSeed(await loadSimCommand(args), 2);
    expect(JSON.stringify(report)).toBe(result.out[0]);
  });

  it('a failing seed prints a replay command that reproduces it exactly', async () => {
    // Replica 0 is silent, and a partition leaves no side with 2f+1 replicas: the liveness bound breaks.
    const result = await run(['sim', '--scenario', silentPrimary, '-S', '3', '-R', '2', '--partition', '1-5:0,1/2,3', '--duration', '5', '--json']);
    expect(result.status).toBe(1);
    const failing = result.out.map((line) => JSON.parse(line)).find((report) => report.violations.length > 0);
    expect(failing.violations[0].property).toBe('liveness');
    const replay = result.err.at(-1)!;
    expect(replay).toBe(`replay: npx pancydb sim --scenario ${silentPrimary} -S ${failing.seed} -R 1 --partition 1-5:0,1/2,3 --duration 5 -V`);
    const args = replay.replace('replay: npx pancydb ', '').replace(/ -V$/, ' --json').split(' ');
    const again = await run(args);
    expect(again.out[0]).toBe(JSON.stringify(failing));
  });

  it('a failing seed of a scenario file in mac mode: the header, the report and the replay command say so, and the replay reproduces it', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'pancydb-mac-')), 'silent-primary-mac.json');
    writeFileSync(path, JSON.stringify({ ...JSON.parse(readFileSync(silentPrimary, 'utf8')), auth: 'mac' }));
    const result = await run(['sim', '--scenario', path, '-S', '3', '-R', '1', '--partition', '1-5:0,1/2,3', '--duration', '5', '--json']);
    expect(result.status).toBe(1);
    expect(result.err[0]).toContain('n=4 f=1 auth=mac;');
    const failing = JSON.parse(result.out[0]!);
    expect(failing.auth).toBe('mac');
    const replay = result.err.at(-1)!;
    expect(replay).toBe(`replay: npx pancydb sim --scenario ${path} -S 3 -R 1 --partition 1-5:0,1/2,3 --duration 5 --auth mac -V`);
    const again = await run(replay.replace('replay: npx pancydb ', '').replace(/ -V$/, ' --json').split(' '));
    expect(again.out[0]).toBe(JSON.stringify(failing));
    // --auth on the command line overrides the file, and the replay keeps the flag as given.
    const signed = await run(['sim', '--scenario', path, '-S', '3', '-R', '1', '--partition', '1-5:0,1/2,3', '--duration', '5', '--auth', 'signed', '--json']);
    expect(JSON.parse(signed.out[0]!).auth).toBe('signed');
    expect(signed.err.at(-1)).toBe(`replay: npx pancydb sim --scenario ${path} -S 3 -R 1 --partition 1-5:0,1/2,3 --duration 5 --auth signed -V`);
  });

  it('the replay command quotes a path the shell would split', () => {
    const command = parseSimArgs(['--scenario', 'my scenarios/x.json', '-S', '9', '-R', '100', '-l', '0.2', '--json']);
    expect(replayCommand(command, 17)).toBe("npx pancydb sim --scenario 'my scenarios/x.json' -S 17 -R 1 -l 0.2 -V");
  });

  it('expect violation: passes when some seed finds one (2 of 4 replicas silent stall every request)', async () => {
    const result = await run(['sim', '--scenario', `${SCENARIOS}/two-silent-violation.json`]);
    expect(result.status).toBe(0);
    expect(result.out[0]).toContain('faulty: 0=silent 1=silent; expect: a violation in some seed');
    expect(result.out.some((line) => line.startsWith('  VIOLATION liveness: '))).toBe(true);
    expect(result.out.at(-1)).toBe('PASS seeds=2 violating=2 (expected violation found at seed 1)');
  });

  it('expect violation: fails when no seed finds one, and prints the command that reruns them', async () => {
    const path = `${SCENARIOS}/safe-only-violation.json`;
    const result = await run(['sim', '--scenario', path, '--duration', '2']);
    expect(result.status).toBe(1);
    expect(result.out.slice(-2)).toEqual([
      'FAIL seeds=2 violating=0 (expected a violation, no seed produced one)',
      `rerun: npx pancydb sim --scenario ${path} -S 1 -R 2 --duration 2`,
    ]);
  });

  it.each([
    [['--scenario', `${SCENARIOS}/invalid-json.json`], 'invalid-json.json: invalid JSON'],
    [['--scenario', `${SCENARIOS}/no-such-file.json`], 'no-such-file.json: cannot read the scenario file'],
    [['--scenario', `${SCENARIOS}/unknown-adversary.json`], 'faulty.0.adversary: no built-in adversary "equivocat"'],
    [['--scenario', `${SCENARIOS}/bad-default-export.json`], 'faulty.2.adversary: ./no-create.ts does not default-export'],
    [['--scenario', `${SCENARIOS}/bad-adversary-options.json`], 'faulty.0.options.fromS: must be at least 0'],
    [['--scenario', `${SCENARIOS}/too-many-faulty.json`], 'faulty: 2 faulty replicas'],
    [['--scenario', silentPrimary, '-n', '7'], "-n 7 does not match the scenario's f=1"],
    [['--scenario', silentPrimary, '--crash', '5@1'], '--crash names replica 5, but replicas are 0..3'],
    [['--scenario', silentPrimary, '--mix', 'get=1'], '--mix applies to a random workload only'],
    [['--scenario', silentPrimary, '--workload', 'random'], "--workload random does not match the scenario's workload.kind lockseq"],
    [['--scenario', silentPrimary, '--work-until', '9'], '--work-until 9 is after the end of the run (6 s)'],
  ])('exits 2 for %j', async (args, message) => {
    const result = await run(['sim', ...args]);
    expect(result.status).toBe(2);
    expect(result.err.join('\n')).toContain(message);
    expect(result.out).toEqual([]);
  });

  it('--help documents --scenario', async () => {
    const result = await run(['sim', '--help']);
    expect(result.out.join('\n')).toContain('--scenario FILE');
  });
});
