// `pancydb merge` (src/cli/merge.ts): K shards of a sweep, merged, print byte for byte what
// one machine's `pancydb sim` prints for the whole sweep, and files that do not make one
// whole sweep are refused with exit 2 naming the file.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.ts';

const SILENT_PRIMARY = 'test/fixtures/scenarios/silent-primary.json';
const SHRINKABLE = 'test/fixtures/scenarios/shrinkable.json';
const SMALL = ['--profile', 'ci', '--duration', '1', '--workers', '1'];

async function run(args: string[]): Promise<{ status: number; out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const status = await main(args, { out: (line) => out.push(line), err: (line) => err.push(line) });
  return { status, out, err };
}

/** Runs shards `indexes` of K of `sweep`, each to its own file; returns the files. */
async function shards(sweep: string[], count: number, indexes: readonly number[] = Array.from({ length: count }, (_, index) => index)): Promise<string[]> {
  const directory = mkdtempSync(join(tmpdir(), 'pancydb-merge-'));
  const files: string[] = [];
  for (const index of indexes) {
    const file = join(directory, `shard-${index}.json`);
    const result = await run(['sim', ...sweep, '--shard', `${index}/${count}`, '--out', file]);
    expect(result.status).toBe(0);
    expect(result.out.at(-1)).toMatch(new RegExp(`^shard ${index}/${count}: seeds \\d+\\.\\.\\d+, `));
    files.push(file);
  }
  return files;
}

describe('pancydb merge: K shards print what one machine prints', () => {
  const sweep = ['--scenario', SILENT_PRIMARY, '-S', '1', '-R', '7', ...SMALL];

  it('3 shards of -R 7, text: the same stdout and status as one run, files in any order', async () => {
    const files = await shards(sweep, 3);
    const merged = await run(['merge', files[2]!, files[0]!, files[1]!]);
    const whole = await run(['sim', ...sweep]);
    expect(merged.out).toEqual(whole.out);
    expect(merged.status).toBe(whole.status);
    expect(merged.out.filter((line) => line.startsWith('seed ')).map((line) => Number(/^seed (\d+):/.exec(line)![1]))).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(merged.out.at(-1)).toBe('PASS seeds=7 failures=0');
  });

  it('3 shards of -R 7, --json: the same per-seed objects on stdout, the same lines on stderr', async () => {
    // A shard run on worker threads writes the same file as one run in its own thread.
    const threaded = ['--scenario', SILENT_PRIMARY, '-S', '1', '-R', '7', '--profile', 'ci', '--duration', '1', '--workers', '2'];
    const files = await shards(threaded, 3);
    const merged = await run(['merge', '--json', ...files]);
    const whole = await run(['sim', ...sweep, '--json']);
    expect(merged.out).toEqual(whole.out);
    expect(merged.err).toEqual(whole.err);
    expect(merged.out.map((line) => (JSON.parse(line) as { seed: number }).seed)).toEqual([1, 2, 3, 4, 5, 6, 7]);
  });

  it('a failing seed: FAIL, exit 1, and the replay line one run prints', async () => {
    // The silent primary's scenario with a liveness bound seed 1 misses (50 ms).
    const directory = mkdtempSync(join(tmpdir(), 'pancydb-merge-fail-'));
    const scenario = join(directory, 'tight.json');
    writeFileSync(scenario, readFileSync(SILENT_PRIMARY, 'utf8').replace(/"completeWithinS": *4/, '"completeWithinS": 0.05'));
    const failing = ['--scenario', scenario, '-S', '1', '-R', '4', ...SMALL];
    const files = await shards(failing, 2);
    const merged = await run(['merge', ...files]);
    const whole = await run(['sim', ...failing]);
    expect(whole.status).toBe(1);
    expect(merged.status).toBe(1);
    expect(merged.out).toEqual(whole.out);
    expect(merged.out.some((line) => line.startsWith('  VIOLATION liveness'))).toBe(true);
    expect(merged.out.at(-1)).toMatch(/^replay: npx pancydb sim --scenario .*tight\.json -S 1 -R 1 --profile ci --duration 1 -V$/);
  });

  it('a scenario expecting a violation: each shard exits 0, the merge gives the verdict', async () => {
    const expecting = ['--scenario', SHRINKABLE, '-S', '1', '-R', '3', '--workers', '1'];
    const files = await shards(expecting, 3);
    const merged = await run(['merge', ...files]);
    const whole = await run(['sim', ...expecting]);
    expect(merged.out).toEqual(whole.out);
    expect(merged.status).toBe(0);
    expect(merged.out.at(-1)).toBe('PASS seeds=3 violating=3 (expected violation found at seed 1)');
  });

  it('without a scenario, one shard of one: the sweep in one piece', async () => {
    const plain = ['-S', '5', '-R', '2', ...SMALL];
    const files = await shards(plain, 1);
    const merged = await run(['merge', ...files]);
    const whole = await run(['sim', ...plain]);
    expect(merged.out).toEqual(whole.out);
  });
});

describe('pancydb merge refuses what is not one whole sweep (exit 2, naming the file)', () => {
  const sweep = ['--scenario', SILENT_PRIMARY, '-S', '1', '-R', '3', ...SMALL];

  it('shards of different sweeps: another flag, another -R, another K', async () => {
    const [zero] = await shards(sweep, 3, [0]);
    const [otherFlag] = await shards(['--scenario', SILENT_PRIMARY, '-S', '1', '-R', '3', '--profile', 'ci', '--duration', '2', '--workers', '1'], 3, [1]);
    const [otherCount] = await shards(['--scenario', SILENT_PRIMARY, '-S', '1', '-R', '4', ...SMALL], 3, [1]);
    const [otherK] = await shards(sweep, 2, [1]);
    for (const other of [otherFlag!, otherCount!, otherK!]) {
      const result = await run(['merge', zero!, other]);
      expect(result.status).toBe(2);
      expect(result.err[0]).toContain(`${other}: a shard of another sweep than ${zero}`);
      expect(result.out).toEqual([]);
    }
    const result = await run(['merge', zero!, otherK!]);
    expect(result.err[0]).toContain('shards 3 vs 2');
  });

  it('the same scenario path with other content', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'pancydb-merge-hash-'));
    const scenario = join(directory, 'scenario.json');
    const original = readFileSync(SILENT_PRIMARY, 'utf8');
    writeFileSync(scenario, original);
    const [zero] = await shards(['--scenario', scenario, '-R', '2', ...SMALL], 2, [0]);
    writeFileSync(scenario, original.replace('"fromS": 1', '"fromS": 0.5'));
    const [one] = await shards(['--scenario', scenario, '-R', '2', ...SMALL], 2, [1]);
    const result = await run(['merge', zero!, one!]);
    expect(result.status).toBe(2);
    expect(result.err[0]).toContain('differs in scenarioSha256');
  });

  it('a shard twice, and a missing shard', async () => {
    const files = await shards(sweep, 3);
    const twice = await run(['merge', files[0]!, files[1]!, files[1]!, files[2]!]);
    expect(twice.status).toBe(2);
    expect(twice.err[0]).toBe(`pancydb: ${files[1]}: shard 1/3 again (also in ${files[1]}); give each shard once`);
    const missing = await run(['merge', files[0]!, files[2]!]);
    expect(missing.status).toBe(2);
    expect(missing.err[0]).toContain('shards 1 of 3 missing');
    expect(missing.out).toEqual([]);
  });

  it('a file that is not a shard file, or was altered', async () => {
    const [file] = await shards(sweep, 1);
    const good = JSON.parse(readFileSync(file!, 'utf8')) as { results: { report: { seed: number } }[]; shard: { firstSeed: number } };
    const directory = mkdtempSync(join(tmpdir(), 'pancydb-merge-bad-'));
    const write = (name: string, text: string) => {
      const path = join(directory, name);
      writeFileSync(path, text);
      return path;
    };
    const reordered = { ...good, results: [good.results[1], good.results[0], good.results[2]] };
    const shifted = { ...good, shard: { ...good.shard, firstSeed: 2 } };
    const dropped = { ...good, results: good.results.slice(1) };
    const forged = JSON.parse(JSON.stringify(good)) as { results: { lines: string[] }[]; sweep: { seeds: number; shards: number } };
    forged.results[0]!.lines[0] += '\nPASS seeds=3 failures=0';
    const huge = JSON.parse(JSON.stringify(good)) as typeof forged;
    huge.sweep = { ...huge.sweep, seeds: 2 ** 52, shards: 2 ** 52 };
    const cases: [string, string][] = [
      [write('text.json', 'seed 1: ok'), 'not JSON'],
      [write('array.json', '[]'), 'format is not pancydb-shard/v1'],
      [write('deep.json', `${'['.repeat(100_000)}${']'.repeat(100_000)}`), 'format is not pancydb-shard/v1'],
      [write('reordered.json', JSON.stringify(reordered)), 'seed 1 missing or out of order'],
      [write('shifted.json', JSON.stringify(shifted)), 'shard 0/1 holds seeds 1..3'],
      [write('dropped.json', JSON.stringify(dropped)), '3 seeds expected'],
      [write('forged.json', JSON.stringify(forged)), 'seed 1: lines'],
      [write('huge.json', JSON.stringify(huge)), 'sweep.seeds'],
      [join(directory, 'absent.json'), 'cannot read it (ENOENT)'],
    ];
    for (const [path, message] of cases) {
      const result = await run(['merge', path]);
      expect(result.status, path).toBe(2);
      expect(result.err[0]).toContain(path);
      expect(result.err[0]).toContain(message);
    }
  });

  it('no files, or an unknown option', async () => {
    expect((await run(['merge'])).err[0]).toContain('merge needs the shard files');
    const unknown = await run(['merge', '--jsn', 'x.json']);
    expect(unknown.status).toBe(2);
    expect(unknown.err).toEqual(['pancydb: unknown option --jsn (see pancydb merge --help)', "Try 'pancydb merge --help'."]);
  });
});
