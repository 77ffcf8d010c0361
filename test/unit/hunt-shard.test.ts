// Sharding a hunt (`pancydb hunt --shard I/K`, src/cli/hunt-shard.ts) and merging the
// shards (`pancydb merge`, src/cli/merge-hunt.ts): K strided shards of `--schedules N`,
// merged, find the same schedule and print the same lines as one machine, and files that
// do not make one whole hunt are refused with exit 2 naming the file.
//
// The protocol is broken on purpose ('cas-as-put', set from code: src/core/flaws.ts) so
// that schedules fail within a few runs; with hunt seed 1, schedules 1, 3 and 5 fail and
// 0 and 2 do not (asserted below, so a change to the drawer that moves them fails here
// loudly rather than making the test vacuous). Shrinking is off: it is not what is tested.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseHuntArgs, runHunt } from '../../src/cli/hunt.ts';
import { checkHuntShardFile, HUNT_SHARD_FORMAT, type HuntShardFile } from '../../src/cli/hunt-shard-file.ts';
import { main } from '../../src/cli/main.ts';
import { mergeHunt } from '../../src/cli/merge-hunt.ts';
import type { Output } from '../../src/cli/sim-seed.ts';
import { brokenProtocolReplay, hunt, scheduleRunSeed } from '../../src/hunt/index.ts';
import { silentPrimaryScenario } from '../support/silent-primary.ts';

const FLAWS = new Set(['cas-as-put'] as const);

interface Printed {
  readonly status: number;
  readonly out: string[];
  readonly err: string[];
}

function capture(): { output: Output; out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return { output: { out: (line) => out.push(line), err: (line) => err.push(line) }, out, err };
}

/** `pancydb hunt ARGS` in this thread (workers 0), with the flaws only code can set. */
async function huntHere(args: string[], flaws?: ReadonlySet<'cas-as-put'>): Promise<Printed> {
  const { output, out, err } = capture();
  const status = await runHunt({ ...parseHuntArgs(args), workers: 0 }, output, { flaws, shrink: false });
  return { status, out, err };
}

async function run(args: string[]): Promise<Printed> {
  const { output, out, err } = capture();
  return { status: await main(args, output), out, err };
}

/** Shards 0..K-1 of `args`, each to its own results file. */
async function shards(directory: string, args: string[], count: number, flaws?: ReadonlySet<'cas-as-put'>): Promise<string[]> {
  const files: string[] = [];
  for (let index = 0; index < count; index++) {
    const file = join(directory, `shard-${index}.json`);
    const result = await huntHere([...args, '--shard', `${index}/${count}`, '--out', file], flaws);
    expect(result.status).toBe(0);
    expect(result.out.at(-1)).toMatch(new RegExp(`^shard ${index}/${count}: .*; results in ${file}; `));
    files.push(file);
  }
  return files;
}

const read = (file: string) => JSON.parse(readFileSync(file, 'utf8')) as HuntShardFile;
/** The one line that differs between one machine and a merge: wall time (one machine's, or the shards' summed). */
const withoutTime = (lines: readonly string[]) => lines.filter((line) => !line.startsWith('  searched in '));

describe('pancydb hunt --shard I/K, merged: what one machine prints', () => {
  it("'cas-as-put', --schedules 12, 3 shards: the lowest failing schedule (1, in shard 1), its lines and the same file as one run", async () => {
    const directory = mkdtempSync(join(tmpdir(), 'hunt-shard-'));
    const args = ['--seed', '1', '--schedules', '12'];
    const whole = join(directory, 'whole.json');
    const one = await huntHere([...args, '--out', whole], FLAWS);
    expect(one.status).toBe(1);
    expect(one.out[1]).toMatch(/^FOUND (linearizability|lockseq) in schedule 1 \(run seed \d+\): /);
    const files = await shards(directory, args, 3, FLAWS);
    // Every shard found one (3, 1 and 11: each the lowest of its stride), so the merge has to pick.
    expect(files.map((file) => read(file).finding?.index)).toEqual([3, 1, 11]);
    expect(files.map((file) => read(file).shard.prefixRun)).toEqual([2, 1, 4]);
    expect(read(files[1]!).finding!.runSeed).toBe(scheduleRunSeed(1, 1));
    expect(JSON.parse(readFileSync(join(directory, 'found-shard-1.json'), 'utf8'))).toEqual(read(files[1]!).finding!.scenario);

    // The merge checks the replay itself, here on the same broken protocol (merge's own check is code-only, as the hunt's).
    const mergedPath = join(directory, 'merged.json');
    const { output, out, err } = capture();
    const checked = [files[2]!, files[0]!, files[1]!].map((path) => ({ path, file: checkHuntShardFile(path, read(path)) })).sort((a, b) => a.file.shard.index - b.file.shard.index);
    const broken = brokenProtocolReplay({ flaws: FLAWS })!;
    const status = await mergeHunt(checked, mergedPath, output, async (path, seed, property) => await broken(readFileSync(path, 'utf8'), seed, property as 'linearizability'));
    expect(err).toEqual([]);
    expect(status).toBe(1);
    expect(out).toEqual(one.out.map((line) => line.replaceAll(whole, mergedPath)));
    expect(readFileSync(mergedPath, 'utf8')).toBe(readFileSync(whole, 'utf8'));

    // `pancydb merge` runs the protocol as specified, on which the schedule does not fail: the shard's "checked" is not believed.
    const specified = await run(['merge', '--out', mergedPath, files[2]!, files[0]!, files[1]!]);
    expect(specified.status).toBe(1);
    expect(specified.out.slice(0, 3)).toEqual(out.slice(0, 3));
    expect(specified.out.some((line) => line.startsWith('  npx pancydb sim --scenario'))).toBe(false);
    expect(specified.out).toContain(`wrote ${mergedPath}, but its replay did not break ${read(files[1]!).finding!.property} again: please report this with the hunt's seed 1`);
    expect(specified.out.at(-1)).toBe(`  note: ${files[1]!} says its replay broke ${read(files[1]!).finding!.property}; run here, it did not (an altered file, or another version of pancydb)`);
  });

  it('the protocol as specified, --schedules 4, 3 shards (strides 0 3, 1, 2): nothing found, 4 schedules covered, as one run', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'hunt-shard-clean-'));
    const args = ['--seed', '2', '--schedules', '4', '-n', '4'];
    const one = await huntHere([...args, '--out', join(directory, 'whole.json')]);
    expect(one.status).toBe(0);
    const files = await shards(directory, args, 3);
    expect(files.map((file) => read(file).shard.prefixRun)).toEqual([2, 1, 1]);
    const merged = await run(['merge', ...files]);
    expect(merged.status).toBe(0);
    expect(withoutTime(merged.out)).toEqual(withoutTime(one.out));
    expect(merged.out).toContain('nothing found: 4 schedules (0..3), seed 2');
    expect(merged.out.at(-1)).toMatch(/^ {2}searched in 3 shards: 4 schedules in [\d.]+ s of shard time; /);
  });

  it('a shard on worker threads runs its stride as in one thread: shard 0/3 finds schedule 3 after 0', async () => {
    const options = { seed: 1, schedules: 12, shard: { index: 0, count: 3 }, flaws: FLAWS, shrink: false } as const;
    const here = await hunt({ ...options, workers: 0 });
    const threads = await hunt({ ...options, workers: 2 });
    expect(here.finding?.index).toBe(3);
    expect(here.prefixRun).toBe(2);
    expect(threads.finding?.index).toBe(3);
    expect(threads.finding?.found).toEqual(here.finding?.found);
    expect(threads.prefixRun).toBe(2);
  });
});

/** A scenario whose replay breaks liveness on every run seed used here. */
const TIGHT = silentPrimaryScenario('tight', 0.05);

/** A shard file as `pancydb hunt` writes it, for a hunt of seed 5 in 2 shards; `finding` at `index` if given, a liveness failure of TIGHT. */
function handMade(options: { index: number; prefixRun: number; budgetS?: number; schedules?: number; found?: number }): Record<string, unknown> {
  const budgetS = options.budgetS ?? null;
  const schedules = options.schedules ?? null;
  const flags = [`--seed 5`, ...(budgetS === null ? [] : [`--budget ${budgetS}`]), ...(schedules === null ? [] : [`--schedules ${schedules}`])];
  const found = options.found;
  const runSeed = found === undefined ? 0 : scheduleRunSeed(5, found);
  return {
    format: HUNT_SHARD_FORMAT,
    hunt: { command: `pancydb hunt ${flags.join(' ')}`, seed: 5, n: null, budgetS, schedules, shards: 2 },
    shard: { index: options.index, prefixRun: options.prefixRun, schedulesRun: options.prefixRun, searchMs: 1000 },
    finding:
      found === undefined
        ? null
        : {
            index: found,
            runSeed,
            property: 'liveness',
            lines: [`FOUND liveness in schedule ${found} (run seed ${runSeed}): client 0 op #7 put "g15/v000" called at 988 ms, due by 1038 ms`, '  schedule: n=4, faulty 0=silent, 2 lockseq clients'],
            scenario: { ...TIGHT, name: `hunt-5-${found}` },
            replayChecked: true,
            scenarioFile: 'found-shard.json',
          },
  };
}

function writeAll(files: Record<string, unknown>): Record<string, string> {
  const directory = mkdtempSync(join(tmpdir(), 'hunt-merge-'));
  return Object.fromEntries(
    Object.entries(files).map(([name, json]) => {
      const path = join(directory, `${name}.json`);
      writeFileSync(path, typeof json === 'string' ? json : JSON.stringify(json));
      return [name, path];
    }),
  );
}

describe('pancydb merge of hunt shards with a budget: covered is the gapless prefix', () => {
  it('shard 0 reached 6 (ran 0 2 4), shard 1 reached 5 (ran 1 3): nothing found, 5 schedules covered', async () => {
    const paths = writeAll({ zero: handMade({ index: 0, prefixRun: 3, budgetS: 60 }), one: handMade({ index: 1, prefixRun: 2, budgetS: 60 }) });
    const merged = await run(['merge', paths['zero']!, paths['one']!]);
    expect(merged.status).toBe(0);
    expect(merged.out.slice(0, 2)).toEqual(['pancydb hunt: seed 5, n 4 or 7, budget 60 s', 'nothing found: 5 schedules (0..4), seed 5']);
  });

  it('a finding at 7 while shard 0 only reached 6: the finding, and a note that schedule 6 never ran', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'hunt-merge-out-'));
    const paths = writeAll({ zero: handMade({ index: 0, prefixRun: 3, budgetS: 60 }), one: handMade({ index: 1, prefixRun: 4, budgetS: 60, found: 7 }) });
    const out = join(directory, 'found.json');
    const merged = await run(['merge', '--out', out, paths['zero']!, paths['one']!]);
    expect(merged.status).toBe(1);
    expect(merged.out[1]).toMatch(/^FOUND liveness in schedule 7 /);
    expect(merged.out).toContain(`wrote ${out}; replay (checked: it breaks liveness):`);
    expect(merged.out).toContain(`  npx pancydb sim --scenario ${out} -S ${scheduleRunSeed(5, 7)} -R 1`);
    expect(merged.out.at(-1)).toContain('only the schedules below 6 all ran, so one below 7 may fail too');
    expect(JSON.parse(readFileSync(out, 'utf8'))).toEqual({ ...TIGHT, name: 'hunt-5-7' });
  });

  it('with --schedules the lowest finding over the shards wins and no note is needed', async () => {
    const paths = writeAll({ zero: handMade({ index: 0, prefixRun: 2, schedules: 10, found: 2 }), one: handMade({ index: 1, prefixRun: 5, schedules: 10 }) });
    const merged = await run(['merge', '--out', join(mkdtempSync(join(tmpdir(), 'hunt-merge-n-')), 'f.json'), paths['one']!, paths['zero']!]);
    expect(merged.status).toBe(1);
    expect(merged.out[1]).toMatch(/^FOUND liveness in schedule 2 /);
    expect(merged.out.some((line) => line.includes('note:'))).toBe(false);
  });
});

/** Shard 1's finding at schedule 1 with a second line hidden in its FOUND line. */
function smuggled(): Record<string, unknown> {
  const file = handMade({ index: 1, prefixRun: 1, schedules: 10, found: 1 });
  const finding = file['finding'] as { lines: string[] };
  return { ...file, finding: { ...finding, lines: [`${finding.lines[0]!}\nnothing found: 10 schedules (0..9), seed 5`, finding.lines[1]!] } };
}

describe('pancydb merge refuses hunt shards that are not one whole hunt (exit 2, naming the file)', () => {
  const zero = handMade({ index: 0, prefixRun: 5, schedules: 10 });
  const one = handMade({ index: 1, prefixRun: 5, schedules: 10 });
  const edit = (json: Record<string, unknown>, part: string, changes: Record<string, unknown>) => ({ ...json, [part]: { ...(json[part] as object), ...changes } });

  it.each([
    ['another seed', { other: edit(one, 'hunt', { seed: 6, command: 'pancydb hunt --seed 6 --schedules 10' }) }, 'a shard of another hunt than', 'seed 5 vs 6'],
    ['another --schedules', { other: edit(edit(one, 'hunt', { schedules: 12, command: 'pancydb hunt --seed 5 --schedules 12' }), 'shard', { prefixRun: 6, schedulesRun: 6 }) }, 'a shard of another hunt than', 'schedules 10 vs 12'],
    ['a sim shard file among hunt files', { other: { format: 'pancydb-shard/v1' } }, 'not a pancydb hunt --shard results file, and', ''],
    ['the same shard twice', { other: zero }, 'shard 0/2 again', ''],
    ['a command that does not match its settings', { other: edit(one, 'hunt', { command: 'pancydb hunt --seed 5 --schedules 10 -n 7' }) }, 'hunt.command does not match its settings', ''],
    ['a run seed the hunt seed does not give', { other: { ...handMade({ index: 1, prefixRun: 2, schedules: 10, found: 3 }), finding: { ...(handMade({ index: 1, prefixRun: 2, schedules: 10, found: 3 })['finding'] as object), runSeed: 1 } } }, 'finding.runSeed', ''],
    ['a finding outside the shard\'s stride', { other: handMade({ index: 1, prefixRun: 2, schedules: 10, found: 4 }) }, 'finding.index: not a schedule of shard 1/2', ''],
    ['a line break smuggled into a line', { other: smuggled() }, 'finding.lines', ''],
    ['a shard that stopped early without a budget or a finding', { other: edit(one, 'shard', { prefixRun: 4, schedulesRun: 4 }) }, 'shard.prefixRun: 5 schedules expected', ''],
    ['a scenario nested too deep to write', { other: `${JSON.stringify(handMade({ index: 1, prefixRun: 1, schedules: 10, found: 1 })).replace(JSON.stringify({ ...TIGHT, name: 'hunt-5-1' }), `{"a":${'['.repeat(200_000)}${']'.repeat(200_000)}}`)}` }, 'finding.scenario', ''],
    ['more shards than schedules', { other: edit(one, 'hunt', { shards: 11 }) }, 'hunt.shards', ''],
  ])('%s', async (_, files, message, detail) => {
    const paths = writeAll({ zero, ...files });
    const result = await run(['merge', paths['zero']!, paths['other']!]);
    expect(result.status).toBe(2);
    expect(result.err[0]).toContain(paths['other']);
    expect(result.err[0]).toContain(message);
    expect(result.err[0]).toContain(detail);
    expect(result.out).toEqual([]);
  });

  it('a missing shard, --json, --out onto a shard file, and a hunt file after a sim file', async () => {
    const paths = writeAll({ zero, sim: { format: 'pancydb-shard/v1' } });
    const missing = await run(['merge', paths['zero']!]);
    expect(missing.status).toBe(2);
    expect(missing.err[0]).toContain(`shards 1 of 2 missing (from the hunt of ${paths['zero']})`);
    const json = await run(['merge', '--json', paths['zero']!]);
    expect(json.status).toBe(2);
    expect(json.err[0]).toContain('--json is for the files of pancydb sim --shard');
    const overwrite = await run(['merge', '--out', paths['zero']!, paths['zero']!]);
    expect(overwrite.status).toBe(2);
    expect(overwrite.err[0]).toContain(`--out ${paths['zero']} is one of the files to merge`);
    const mixed = await run(['merge', paths['sim']!, paths['zero']!]);
    expect(mixed.status).toBe(2);
    expect(mixed.err[0]).toContain(`${paths['zero']}: a pancydb hunt --shard results file, and ${paths['sim']} is a pancydb sim --shard one`);
  });
});
