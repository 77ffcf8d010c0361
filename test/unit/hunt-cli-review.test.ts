// Review findings on `pancydb hunt` and `pancydb merge`: a hunt shard file cannot make merge
// (or the replay merge prints) run its code nor vouch for its own replay; no printed string
// from a shard file carries a control character; hunt's flags take no other flag as their
// value; --budget is decimal seconds from 1; an exception that is not a usage error exits
// 70, not 1 ("a violation found").
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { HUNT_HELP, parseHuntArgs } from '../../src/cli/hunt.ts';
import { HUNT_SHARD_FORMAT } from '../../src/cli/hunt-shard-file.ts';
import { INTERNAL_ERROR_STATUS, main, SUBCOMMANDS } from '../../src/cli/main.ts';
import { isLine } from '../../src/cli/shard-file.ts';
import { UsageError } from '../../src/cli/usage-error.ts';
import { scheduleRunSeed } from '../../src/hunt/draw.ts';
import { silentPrimaryScenario } from '../support/silent-primary.ts';

async function run(args: string[], subcommands = SUBCOMMANDS): Promise<{ status: number; out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const status = await main(args, { out: (line) => out.push(line), err: (line) => err.push(line) }, subcommands);
  return { status, out, err };
}

/** The silent primary, with the bound it meets (4 s) or one it misses on every run seed here (50 ms). */
const silentPrimary = (completeWithinS: number): Record<string, unknown> => silentPrimaryScenario('silent-primary', completeWithinS);

/** Shards 0 and 1 of `pancydb hunt --seed 5 --schedules 4`: shard 1 found schedule 1 with `scenario`, and says its replay was checked. */
function shardPair(scenario: Record<string, unknown>, lines?: string[]): { zero: string; one: string; directory: string } {
  const directory = mkdtempSync(join(tmpdir(), 'hunt-review-'));
  const hunt = { command: 'pancydb hunt --seed 5 --schedules 4', seed: 5, n: null, budgetS: null, schedules: 4, shards: 2 };
  const runSeed = scheduleRunSeed(5, 1);
  const zero = { format: HUNT_SHARD_FORMAT, hunt, shard: { index: 0, prefixRun: 2, schedulesRun: 2, searchMs: 10 }, finding: null };
  const one = {
    format: HUNT_SHARD_FORMAT,
    hunt,
    shard: { index: 1, prefixRun: 1, schedulesRun: 1, searchMs: 10 },
    finding: {
      index: 1,
      runSeed,
      property: 'liveness',
      lines: lines ?? [`FOUND liveness in schedule 1 (run seed ${runSeed}): a request was late`, '  schedule: n=4, faulty 0=silent, 2 lockseq clients'],
      scenario,
      replayChecked: true,
      scenarioFile: 'found-one.json',
    },
  };
  const paths = { zero: join(directory, 'zero.json'), one: join(directory, 'one.json') };
  writeFileSync(paths.zero, JSON.stringify(zero));
  writeFileSync(paths.one, JSON.stringify(one));
  return { ...paths, directory };
}

describe('pancydb merge runs no code from a hunt shard file and believes only its own replay', () => {
  it('an adversary given as a module path is refused (exit 2, naming the file and the field), and the module never runs', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'hunt-review-evil-'));
    const marker = join(directory, 'ran');
    const evil = join(directory, 'evil.mjs');
    writeFileSync(evil, `import { writeFileSync } from 'node:fs'; writeFileSync(${JSON.stringify(marker)}, 'ran'); export default { name: 'evil', create: () => ({ step: () => [] }) };\n`);
    for (const adversary of [evil, './evil.mjs', 'evil.js']) {
      const hostile = shardPair({ ...silentPrimary(4), faulty: { '0': { adversary } } });
      const out = join(directory, 'found.json');
      const result = await run(['merge', '--out', out, hostile.zero, hostile.one]);
      expect(result.status).toBe(2);
      expect(result.err[0]).toContain(`${hostile.one}: not a pancydb hunt --shard results file (finding.scenario.faulty."0".adversary is a path, ${JSON.stringify(adversary)}`);
      expect(result.out).toEqual([]);
      expect(existsSync(out)).toBe(false);
    }
    expect(existsSync(marker)).toBe(false);
    // Nor a name that is not a built-in, nor a scenario that expects a violation (more than f faulty), nor one the schema refuses.
    const cases: [Record<string, unknown>, string][] = [
      [{ ...silentPrimary(4), faulty: { '0': { adversary: 'no-such-adversary' } } }, 'finding.scenario.faulty."0".adversary: not a built-in adversary'],
      [{ ...silentPrimary(4), faulty: { '0': { adversary: 'silent' }, '1': { adversary: 'silent' } }, expect: { violation: true } }, 'finding.scenario.expect.violation'],
      [{ ...silentPrimary(4), workload: { kind: 'lockseq', clients: 0, durationS: 3 } }, 'finding.scenario: workload.clients'],
      [{ name: 'hunt-5-1' }, 'finding.scenario: f: missing'],
    ];
    for (const [scenario, message] of cases) {
      const bad = shardPair(scenario);
      const result = await run(['merge', '--out', join(bad.directory, 'found.json'), bad.zero, bad.one]);
      expect(result.status, message).toBe(2);
      expect(result.err[0]).toContain(bad.one);
      expect(result.err[0]).toContain(message);
      expect(result.out).toEqual([]);
    }
  });

  it('replayChecked: true on a scenario that does not fail: merge runs the replay, prints no replay command, and says the shard claimed otherwise', async () => {
    const { zero, one, directory } = shardPair(silentPrimary(4));
    const out = join(directory, 'found.json');
    const result = await run(['merge', '--out', out, zero, one]);
    expect(result.err).toEqual([]);
    expect(result.status).toBe(1);
    expect(result.out.some((line) => line.includes('checked: it breaks'))).toBe(false);
    expect(result.out.some((line) => line.includes('npx pancydb sim'))).toBe(false);
    expect(result.out).toContain(`wrote ${out}, but its replay did not break liveness again: please report this with the hunt's seed 5`);
    expect(result.out.at(-1)).toBe(`  note: ${one} says its replay broke liveness; run here, it did not (an altered file, or another version of pancydb)`);
  });

  it("a scenario whose replay does fail: checked by merge's own run, and the replay command printed", async () => {
    const { zero, one, directory } = shardPair(silentPrimary(0.05));
    const out = join(directory, 'found.json');
    const result = await run(['merge', '--out', out, zero, one]);
    expect(result.status).toBe(1);
    expect(result.out.slice(-2)).toEqual([`wrote ${out}; replay (checked: it breaks liveness):`, `  npx pancydb sim --scenario ${out} -S ${scheduleRunSeed(5, 1)} -R 1`]);
  });
});

describe('shard-file lines: no character a terminal acts on', () => {
  const honest = 'FOUND liveness in schedule 1 (run seed 9): client 0 op #7 put "g15/v000" — late';

  it.each([
    ['ESC (a cursor move)', '\u001b[1A\u001b[2K'],
    ['tab', '\t'],
    ['NUL', '\u0000'],
    ['backspace', '\b'],
    ['carriage return', '\r'],
    ['line feed', '\n'],
    ['DEL', '\u007f'],
    ['C1 CSI', '\u009b2J'],
    ['C1 NEL', '\u0085'],
    ['line separator', '\u2028'],
    ['paragraph separator', '\u2029'],
  ])('%s is refused by isLine', (_, text) => {
    expect(isLine(`${honest}${text}PASS`)).toBe(false);
  });

  it('honest lines pass: unicode text, quotes, the em dash, the non-breaking space', () => {
    expect(isLine(honest)).toBe(true);
    expect(isLine('seed 1: ok … 1.2 ms\u00a0— ünïcödé ✓')).toBe(true);
  });

  it('a hunt shard whose FOUND line moves the cursor is refused (exit 2, finding.lines)', async () => {
    const runSeed = scheduleRunSeed(5, 1);
    const { zero, one } = shardPair(silentPrimary(0.05), [`FOUND liveness in schedule 1 (run seed ${runSeed}): late\u001b[1A\u001b[2Knothing found`, '  schedule: n=4']);
    const result = await run(['merge', '--out', join(dirname(one), 'found.json'), zero, one]);
    expect(result.status).toBe(2);
    expect(result.err[0]).toContain(`${one}: not a pancydb hunt --shard results file (finding.lines)`);
  });

  it('a sim shard whose header carries an escape sequence is refused (exit 2, sweep.header)', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'sim-review-'));
    const file = join(directory, 'shard.json');
    const report = { seed: 1, violations: [] };
    const shard = {
      format: 'pancydb-shard/v1',
      sweep: { command: 'npx pancydb sim -S 1 -R 1', scenarioSha256: null, firstSeed: 1, seeds: 1, shards: 1, expectsViolation: false, header: 'scenario x\u009b2J' },
      shard: { index: 0, firstSeed: 1, seeds: 1 },
      results: [{ report, lines: ['seed 1: ok'] }],
    };
    writeFileSync(file, JSON.stringify(shard));
    const result = await run(['merge', file]);
    expect(result.status).toBe(2);
    expect(result.err[0]).toContain(`${file}: not a pancydb sim --shard results file (sweep.header)`);
  });
});

// Parsed only (a regression must not start a hunt): one case through main for the exit status.
describe('pancydb hunt: a flag takes no other flag as its value', () => {
  it('`hunt --shard 0/1 --out --schedules 4` is a usage error naming --out (it wrote a file named --schedules)', async () => {
    const result = await run(['hunt', '--shard', '0/1', '--out', '--schedules', '4']);
    expect(result.status).toBe(2);
    expect(result.err).toEqual(['pancydb: --out needs a value, got the flag --schedules', "Try 'pancydb hunt --help'."]);
    expect(result.out).toEqual([]);
  });

  it.each([
    [['--out', '-'], '--out needs a value, got the flag -'],
    [['--seed', '--budget', '5'], '--seed needs a value, got the flag --budget'],
    [['--workers', '-n', '4'], '--workers needs a value, got the flag -n'],
    [['--schedules', '2', '--out'], '--out needs a value, and it is the last word'],
    [['--budget'], '--budget needs a value, and it is the last word'],
    // A negative number is left to the flag's own check.
    [['--schedules', '-3'], '--schedules needs a whole number'],
  ])('%j: %s', (args, message) => {
    expect(() => parseHuntArgs(args)).toThrow(UsageError);
    expect(() => parseHuntArgs(args)).toThrow(message);
  });
});

describe('pancydb hunt --budget: decimal seconds, at least 1', () => {
  it.each([['0x10'], [' 5'], ['5 '], ['1e-9'], ['1e3'], ['0.5'], ['0'], ['+5'], ['5.'], ['.5'], ['86401'], ['Infinity'], ['']])('%j is a usage error naming --budget', (text) => {
    expect(() => parseHuntArgs(['--budget', text])).toThrow(UsageError);
    expect(() => parseHuntArgs(['--budget', text])).toThrow(`--budget needs seconds in decimal digits, at least 1 and at most 86400, got ${text}`);
  });

  it.each([
    ['1', 1],
    ['2.5', 2.5],
    ['600', 600],
    ['86400', 86_400],
  ])('%j is %d seconds', (text, seconds) => {
    expect(parseHuntArgs(['--budget', text]).budgetS).toBe(seconds);
  });
});

describe('an internal error exits 70, not 1 (a violation) nor 2 (usage)', () => {
  it("a subcommand that throws (a worker thread dying in the hunt's pool): pancydb: internal error, exit 70", async () => {
    const crash = async (): Promise<number> => {
      throw new Error('worker 1 exited with code 1\nwhile running schedule 3');
    };
    // An argument the real hunt would refuse (exit 2): only the replaced runner sees it.
    const result = await run(['hunt', '--crash-here'], { ...SUBCOMMANDS, hunt: crash });
    expect(INTERNAL_ERROR_STATUS).toBe(70);
    expect(result.status).toBe(70);
    expect(result.err[0]).toBe('pancydb: internal error: worker 1 exited with code 1');
    expect(result.err[1]).toBe('  while running schedule 3');
    expect(result.err.some((line) => /^\s+at /.test(line))).toBe(true);
    expect(result.err.at(-1)).toContain('please report it as a bug in pancydb');
    expect(result.out).toEqual([]);
  });

  it('a thrown non-Error, from any subcommand (sim, merge)', async () => {
    for (const command of ['sim', 'merge']) {
      const result = await run([command, '--crash-here'], { ...SUBCOMMANDS, [command]: () => Promise.reject('no stack') });
      expect(result.status).toBe(70);
      expect(result.err[0]).toBe('pancydb: internal error: no stack');
    }
  });

  it('usage errors still exit 2, and --help documents 70', async () => {
    expect((await run(['hunt', '--bogus'])).status).toBe(2);
    expect(HUNT_HELP).toMatch(/70 internal error/);
    expect((await run(['--help'])).out.join('\n')).toMatch(/70 internal\s+error/);
  });
});

describe('pancydb hunt --help', () => {
  it('says --budget bounds the search only: shrinking and the replay check come after it', () => {
    const text = HUNT_HELP.replace(/\s+/g, ' ');
    expect(text).toContain('It bounds the search only: shrinking a failing schedule and checking its replay come after it, and may take a few minutes more');
  });
});
