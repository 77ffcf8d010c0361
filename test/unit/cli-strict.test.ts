// `pancydb sim` is as strict as a scenario file: every nonsense flag or field is a usage
// error (exit 2) naming the flag or the field, before any seed runs; a broken adversary
// is reported in one line naming it and its replica; --json keeps stdout pure JSON.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.ts';

const SCENARIOS = 'test/fixtures/scenarios';
const STRICT = 'test/fixtures/strict';
const silentPrimary = `${SCENARIOS}/silent-primary.json`;

async function run(args: string[]): Promise<{ status: number; out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const status = await main(args, { out: (line) => out.push(line), err: (line) => err.push(line) });
  return { status, out, err };
}

/** A scenario file in a fresh directory, from the minimal valid one plus `changes`. */
function scenarioFile(changes: Record<string, unknown>): string {
  const path = join(mkdtempSync(join(tmpdir(), 'pancydb-strict-')), 'x.json');
  writeFileSync(path, JSON.stringify({ name: 'x', f: 1, workload: { kind: 'lockseq', clients: 2, durationS: 1 }, ...changes }));
  return path;
}

async function expectUsageError(args: string[], message: string): Promise<void> {
  const result = await run(['sim', ...args]);
  expect(result.err.join('\n')).toContain(message);
  expect(result.status).toBe(2);
  expect(result.out).toEqual([]);
}

describe('pancydb sim: more than f faulty replicas is a usage error unless a violation is expected', () => {
  it.each([
    [['--crash', '0@1', '--crash', '1@1'], '--crash and --silent make 2 replicas faulty (0, 1), but f=1 tolerates at most 1'],
    [['--crash', '0@1-2', '--amnesia', '--silent', '1@1-3'], '--crash, --amnesia and --silent make 2 replicas faulty (0, 1)'],
    [['-n', '7', '--silent', '0@1', '--silent', '1@1', '--crash', '2@1-2', '--amnesia'], '--crash, --amnesia and --silent make 3 replicas faulty (0, 1, 2), but f=2'],
    [['--scenario', silentPrimary, '--silent', '1@1'], "make 2 replicas faulty (0, 1 with the scenario's faulty 0), but f=1"],
    [['--scenario', silentPrimary, '--crash', '2@1-2', '--amnesia'], "make 2 replicas faulty (0, 2 with the scenario's faulty 0)"],
    [['--amnesia'], '--amnesia needs a --crash with a restart'],
    [['--crash', '1@2-4', '--crash', '1@3-5'], '--crash: replica 1 crashes at 3 s while it is down (from 2 s until 4 s)'],
    [['--crash', '1@2', '--crash', '1@3-5'], '--crash: replica 1 crashes at 3 s while it is down (from 2 s for good)'],
  ])('%j', (args, message) => expectUsageError(args, message));

  it('a replica that restarts from its disk is correct: all four may crash and restart', async () => {
    const result = await run(['sim', '--profile', 'ci', '--duration', '3', '--crash', '0@0.5-1', '--crash', '1@0.5-1', '--crash', '2@0.6-1.1', '--crash', '3@0.6-1.2']);
    expect(result.out.join('\n')).toMatch(/PASS seeds=1 failures=0/);
    expect(result.status).toBe(0);
  });

  it('counts a replica once, however many flags name it', async () => {
    const result = await run(['sim', '--profile', 'ci', '--duration', '1', '--crash', '0@0.5', '--silent', '0@0.2']);
    expect(result.status).toBe(0);
  });

  it('a scenario expecting a violation may go beyond f with flags too', async () => {
    const result = await run(['sim', '--scenario', `${SCENARIOS}/two-silent-violation.json`, '-R', '1', '--crash', '2@0.5']);
    expect(result.err).toEqual([]);
    expect(result.status).toBe(0);
  });
});

describe('pancydb sim: fault windows must make sense', () => {
  it.each([
    [['--silent', '0@5-3'], '--silent 0@5-3: UNTIL must come after FROM'],
    [['--silent', '0@5-5'], '--silent 0@5-5: UNTIL must come after FROM'],
    [['--partition', '35-5:0,1/2,3'], '--partition 35-5:0,1/2,3: UNTIL must come after FROM'],
    [['--partition', '5-35:0,1/1,2'], '--partition 5-35:0,1/1,2: replica 1 is in more than one group'],
    [['--silent', '4@1'], '--silent names replica 4, but replicas are 0..3'],
    [['--crash', '4@1'], '--crash names replica 4, but replicas are 0..3'],
    [['--partition', '1-2:0/4'], '--partition names replica 4, but replicas are 0..3'],
    [['--crash', '99999999999999999999@1'], '--crash 99999999999999999999@1: replica ids are 0..30 at most'],
    [['--crash', '0@1.2.3'], '--crash 0@1.2.3: times must be seconds ≥ 0 and ≤ 3600'],
    [['--silent', '0@4000'], '--silent 0@4000: times must be seconds ≥ 0 and ≤ 3600'],
    [['--partition', '1-99999:0/1'], '--partition 1-99999:0/1: times must be seconds ≥ 0 and ≤ 3600'],
  ])('%j', (args, message) => expectUsageError(args, message));
});

describe('pancydb sim: numbers are bounded, finite and of the right kind', () => {
  it.each([
    [['-n', '10000'], '-n must be at least 1 and at most 31, got 10000'],
    [['-n', '34'], '-n must be at least 1 and at most 31, got 34'],
    [['-n', '6'], '-n must be 3f+1 for some f >= 1 (4, 7, 10, ... 31), got 6'],
    [['--clients', '1000000000'], '--clients must be at least 1 and at most 10000, got 1000000000'],
    [['--clients', '2.5'], '--clients needs a whole number ≥ 1 and ≤ 10000, got 2.5'],
    [['--clients', '0'], '--clients must be at least 1 and at most 10000, got 0'],
    [['--duration', '1e12'], '--duration needs a number > 0 and ≤ 3600 (simulated seconds), got 1e12'],
    [['--duration', 'NaN'], '--duration needs a number > 0 and ≤ 3600 (simulated seconds), got NaN'],
    [['--duration', 'Infinity'], '--duration needs a number > 0 and ≤ 3600 (simulated seconds), got Infinity'],
    [['--duration', '0'], '--duration needs a number > 0'],
    [['--work-until', '-1'], '--work-until needs a number ≥ 0 and ≤ 3600'],
    [['--profile', 'ci', '--work-until', '50'], '--work-until 50 is after the end of the run (8 s)'],
    [['--duration', '5', '--work-until', '6'], '--work-until 6 is after the end of the run (5 s)'],
    [['--jitter', '-1'], '--jitter needs a number ≥ 0 and ≤ 60000 (ms), got -1'],
    [['--jitter', '1e9'], '--jitter needs a number ≥ 0 and ≤ 60000 (ms), got 1e9'],
    [['--reorder', '2'], '--reorder needs a probability between 0 and 1, got 2'],
    [['--duplicate', '-0.1'], '--duplicate needs a probability between 0 and 1, got -0.1'],
    [['--duplicate', 'NaN'], '--duplicate needs a probability between 0 and 1, got NaN'],
    [['--batch', '0'], '--batch must be at least 1 and at most 1000000, got 0'],
    [['--batch', '1e9'], '--batch needs a whole number ≥ 1 and ≤ 1000000, got 1e9'],
    [['--robust-primary', '0'], '--robust-primary must be at least 1 and at most 100, got 0'],
    [['--robust-primary', '101'], '--robust-primary must be at least 1 and at most 100, got 101'],
    [['--workers', '0'], '--workers must be at least 1 and at most 256, got 0'],
    [['--workers', '100000'], '--workers must be at least 1 and at most 256, got 100000'],
    [['-R', '0'], '-R must be at least 1 and at most 1000000, got 0'],
    [['-R', '2000000000'], '-R must be at least 1 and at most 1000000, got 2000000000'],
    [['--auth', 'bogus'], '--auth: expected one of signed, mac, got "bogus"'],
    [['--auth', 'MAC'], '--auth: expected one of signed, mac, got "MAC"'],
    [['--auth'], '--auth needs a value'],
  ])('%j', (args, message) => expectUsageError(args, message));

  it.each([
    [{ f: 1000 }, 'f: must be a whole number ≥ 1 and ≤ 10, got 1000'],
    [{ auth: 'bogus' }, 'auth: must be "signed" or "mac", got "bogus"'],
    [{ workload: { kind: 'lockseq', clients: 2, durationS: 1, byzantineClients: { count: 1e6, kinds: ['replay'], ratePerS: 5 } } }, 'workload.byzantineClients.count: must be a whole number ≥ 1 and ≤ 1000, got 1000000'],
    [{ workload: { kind: 'lockseq', clients: 2, durationS: 1, byzantineClients: { count: 1, kinds: ['replay'], ratePerS: 1e9 } } }, 'workload.byzantineClients.ratePerS: must be a number > 0 and ≤ 10000, got 1000000000'],
    [{ workload: { kind: 'lockseq', clients: 1e9, durationS: 1 } }, 'workload.clients: must be a whole number ≥ 1 and ≤ 10000, got 1000000000'],
    [{ workload: { kind: 'lockseq', clients: 2, durationS: 1e12 } }, 'workload.durationS: must be a number > 0 and ≤ 3600, got 1000000000000'],
    [{ workload: { kind: 'random', clients: 2, durationS: 1, keys: 1e9 } }, 'workload.keys: must be a whole number ≥ 1 and ≤ 100000, got 1000000000'],
    [{ workload: { kind: 'lockseq', clients: null, durationS: 1 } }, 'workload.clients: must be a whole number ≥ 1 and ≤ 10000, got null'],
    [{ durationS: 1e12 }, 'durationS: must be a number > 0 and ≤ 3600, got 1000000000000'],
    [{ workload: { kind: 'lockseq', clients: 2, durationS: 3600 }, expect: { liveAfterS: 0, completeWithinS: 10 } }, 'durationS: missing, and workload.durationS plus the tail (3610 s) is above 3600'],
    [{ seeds: 1e9 }, 'seeds: must be a whole number ≥ 1 and ≤ 1000000, got 1000000000'],
    [{ expect: { liveAfterS: 1e9, completeWithinS: 1 } }, 'expect.liveAfterS: must be a number ≥ 0 and ≤ 3600'],
    [{ network: { jitterMs: 1e9 } }, 'network.jitterMs: must be a number ≥ 0 and ≤ 60000, got 1000000000'],
    [{ network: { crashes: [{ replica: 0, atS: 1e9 }] } }, 'network.crashes.0.atS: must be a number ≥ 0 and ≤ 3600'],
    [{ parameters: { viewChangeTimeoutMs: 1e12 } }, 'parameters.viewChangeTimeoutMs: must be a whole number ≥ 1 and ≤ 1000000'],
  ])('scenario %j', async (changes, message) => {
    const path = scenarioFile(changes);
    await expectUsageError(['--scenario', path], `${path}: ${message}`);
  });
});

describe('pancydb sim: a broken adversary is reported in one line naming it and its replica', () => {
  it.each([
    ['create-throws', 'faulty.2.adversary: adversary "broken" at replica 2: create() threw: no such key material'],
    ['create-no-step', 'faulty.2.adversary: adversary "broken" at replica 2: create() must return an object with a step(input) method'],
  ])('%s: exit 2 when the scenario loads, before any seed runs', (name, message) => expectUsageError(['--scenario', `${STRICT}/${name}.json`], `${STRICT}/${name}.json: ${message}`));

  it.each([
    ['step-throws', 'step() threw at 0.500 s: adversary bug at step'],
    ['step-garbage', 'step() at 0.500 s returned undefined, not a list of outputs'],
    ['step-bad-output', 'step() at 0.500 s returned a bad output at index 0: kind must be one of send, broadcast, drop, event, persist, checkpoint, got "teleport"'],
  ])('%s: exit 2 with one line, the seed and its replay, no stack trace', async (name, message) => {
    const path = `${STRICT}/${name}.json`;
    const result = await run(['sim', '--scenario', path, '-R', '1']);
    expect(result.status).toBe(2);
    expect(result.err).toEqual([`pancydb: seed 1: adversary "broken" at replica 2: ${message}; replay: npx pancydb sim --scenario ${path} -S 1 -R 1 -V`]);
  });

  it('step-throws on worker threads: the same one line', async () => {
    const path = `${STRICT}/step-throws.json`;
    const result = await run(['sim', '--scenario', path, '-R', '2', '--workers', '2']);
    expect(result.status).toBe(2);
    expect(result.err.at(-1)).toMatch(/^pancydb: seed [12]: adversary "broken" at replica 2: step\(\) threw at 0\.500 s: adversary bug at step; replay: npx pancydb sim --scenario \S+ -S [12] -R 1 -V$/);
    expect(result.err.join('\n')).not.toContain('    at ');
  });
});

describe('pancydb sim --shrink: the target is checked before any seed runs', () => {
  it.each([
    [['--shrink', '/no/such/directory/x.json'], '--shrink /no/such/directory/x.json: no directory /no/such/directory to write it in'],
    [['--shrink', tmpdir()], `--shrink ${tmpdir()}: is a directory`],
    [['--shrink', '--json'], '--shrink needs a value, got the option --json'],
  ])('%j', (args, message) => expectUsageError(['--scenario', `${SCENARIOS}/shrinkable.json`, '-S', '1', '-R', '1', ...args], message));

  it('a directory nobody can create files in, root included', async () => {
    await expectUsageError(['--scenario', `${SCENARIOS}/shrinkable.json`, '--shrink', '/proc/x.json'], '--shrink /proc/x.json: cannot write in /proc');
  });
});

describe('pancydb sim: seeds', () => {
  it.each([
    [['-S', '99999999999999999999'], '-S needs a whole number ≥ 0 and ≤ 9007199254740991 (Number.MAX_SAFE_INTEGER), got 99999999999999999999'],
    [['-S', '-1'], '-S needs a whole number ≥ 0 and ≤ 9007199254740991 (Number.MAX_SAFE_INTEGER), got -1'],
    [['-S', '9007199254740991', '-R', '2'], '-S 9007199254740991 with 2 seeds goes past 9007199254740991 (Number.MAX_SAFE_INTEGER)'],
  ])('%j', (args, message) => expectUsageError(args, message));
});

describe('pancydb sim --json: stdout is one JSON object per line, nothing else', () => {
  it('a passing run: every stdout line parses, the PASS line is on stderr', async () => {
    const result = await run(['sim', '-S', '1', '-R', '2', '--profile', 'ci', '--duration', '1', '--json', '--workers', '1']);
    expect(result.status).toBe(0);
    expect(result.out.map((line) => JSON.parse(line).seed)).toEqual([1, 2]);
    expect(result.err).toEqual(['PASS seeds=2 failures=0']);
  });

  it('a failing scenario run with -V and -p: header, trace, databases, violations, FAIL and replay all on stderr', async () => {
    const result = await run(['sim', '--scenario', silentPrimary, '-S', '3', '-R', '1', '--partition', '1-5:0,1/2,3', '--duration', '5', '--json', '-V', '-p']);
    expect(result.status).toBe(1);
    expect(result.out).toHaveLength(1);
    expect(JSON.parse(result.out[0]!).violations.length).toBeGreaterThan(0);
    expect(result.err[0]).toMatch(/^scenario silent-primary /);
    expect(result.err.some((line) => / PREPARE v=0 /.test(line))).toBe(true);
    expect(result.err.some((line) => line.startsWith('  replica 1 database'))).toBe(true);
    expect(result.err.slice(-2)).toEqual(['FAIL seeds=1 failures=1 first=3', expect.stringMatching(/^replay: npx pancydb sim --scenario /)]);
  });
});

describe('pancydb sim: a network that delivers nothing is not a run', () => {
  it.each([
    [['-l', '1'], '-l needs a probability ≥ 0 and below 1 (1 would lose every message, so nothing could commit), got 1'],
  ])('%j', (args, message) => expectUsageError(args, message));

  it('scenario network.loss of 1', async () => {
    const path = scenarioFile({ network: { loss: 1 } });
    await expectUsageError(['--scenario', path], `${path}: network.loss: must be a probability ≥ 0 and below 1 (1 would lose every message), got 1`);
  });

  it('a run whose clients had work but committed nothing says so in its line', async () => {
    // No side of the partition holds 2f+1 replicas for the whole run.
    const result = await run(['sim', '--profile', 'ci', '--duration', '1', '--partition', '0-1:0,1/2,3']);
    expect(result.out[0]).toMatch(/^seed 1: .* 0 ops committed .*; ok; WARNING: clients had work but no operation committed$/);
  });

  it('a run that commits is not warned about', async () => {
    const result = await run(['sim', '--profile', 'ci', '--duration', '1']);
    expect(result.out[0]).not.toContain('WARNING');
  });
});

describe('pancydb sim: other flags that accepted nonsense', () => {
  it.each([
    [['-S', '1', '-S', '2'], '-S is given twice (1 and 2); give it once'],
    [['--profile', 'ci', '--profile', 'full'], '--profile is given twice'],
    [['-l', '--json'], '-l needs a value, got the option --json'],
    [['--scenario'], '--scenario needs a value'],
    [['--workload', 'random', '--mix', 'get=0,put=0'], '--mix: operation mix: "get=0,put=0" gives no operation a positive weight'],
    [['--workload', 'random', '--mix', 'read=1'], '--mix: operation mix: unknown operation "read"'],
    [['--workload', 'random', '--mix', 'get=-1'], '--mix: operation mix: weight of get must be a non-negative number'],
    [['--json=1'], 'unknown option --json=1'],
  ])('%j', (args, message) => expectUsageError(args, message));

  it('--help states the bounds', async () => {
    const help = (await run(['sim', '--help'])).out.join('\n');
    for (const bound of ['at most 31', 'at most 10000', 'at most 3600', 'at most 1000000', 'Number.MAX_SAFE_INTEGER', 'below 1', 'at most 256', 'f ≤ 10']) expect(help).toContain(bound);
  });
});
