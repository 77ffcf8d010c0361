// `pancydb merge FILE...`: joins the results files of `pancydb sim --shard I/K --out FILE`
// and prints exactly what one machine's `pancydb sim` would have printed for the whole
// sweep: the header, each seed's lines (or with --json its report) in seed order, then
// PASS or FAIL and the replay command. Shards are contiguous slices (src/cli/shard.ts), so
// the table is the shards' tables one after the other. Files of different sweeps, the same
// shard twice, or a missing shard are refused: a partial table would print a PASS that
// covers seeds nobody ran. The files of `pancydb hunt --shard I/K` are joined the same way,
// by merge-hunt.ts; which kind a file is, its format says, and the kinds do not mix.
import { resolve } from 'node:path';
import { HUNT_SHARD_FORMAT, checkHuntShardFile, type HuntShardFile } from './hunt-shard-file.ts';
import { mergeHunt } from './merge-hunt.ts';
import { checkShardFile, readResultsJson, type ShardFile } from './shard-file.ts';
import { printVerdict, type Output } from './sim.ts';
import { UsageError } from './usage-error.ts';

export const MERGE_HELP = `Usage: pancydb merge [--json] FILE...
       pancydb merge [--out FILE] FILE...

Joins the results files that \`pancydb sim ... --shard I/K --out FILE\` wrote, one per
shard, and prints what \`pancydb sim ...\` on one machine prints for the whole sweep: the
scenario header, each seed's line in seed order, the violations, PASS or FAIL and the
command that replays the first failing seed. The files may come in any order.

Given the files of \`pancydb hunt ... --shard I/K --out FILE\`, prints what the hunt
prints on one machine: the lowest failing schedule over all shards, written to --out
(default hunt-<seed>.json) with its replay command, or, if no shard found one, how many
schedules were covered: 0..M-1, every schedule below the first one a shard did not reach.

  --json       (sim) each seed's report as one JSON object a line on stdout, in seed
               order; the header, PASS/FAIL line and replay command go to stderr (as sim --json)
  --out FILE   (hunt) where the failing schedule goes (default hunt-<seed>.json)
  -h, --help   this text

Refused (exit 2, naming the file): a file that is not a shard file, sim and hunt files
together, files of different sweeps or hunts (another command line, scenario file
content, -S, -R, --seed, --schedules, --budget, -n or K), the same shard twice, and
missing shards (merge names them: rerun those). See docs/sharding.md.

Exit status: 0 all seeds passed (for a scenario expecting a violation: some seed found
one) or the hunt found nothing, 1 a seed failed (or none found the expected violation)
or the hunt found a schedule, 2 usage error, 70 internal error (a bug in pancydb, never
a verdict).

Examples:
  for i in 0 1 2; do npx pancydb sim -R 300 --profile ci --shard $i/3 --out shard-$i.json; done
  npx pancydb merge shard-*.json
  for i in 0 1; do npx pancydb hunt --seed 3 --schedules 40 --shard $i/2 --out hunt-$i.json; done
  npx pancydb merge hunt-0.json hunt-1.json`;

/** At most this many files: one per shard, and a sweep has at most 1000000 seeds. */
const MAX_FILES = 1_000_000;

interface Entry<File> {
  readonly path: string;
  readonly file: File;
}

export async function runMergeCommand(args: readonly string[], output: Output): Promise<number> {
  const paths: string[] = [];
  let json = false;
  let out: string | undefined;
  for (let index = 0; index < args.length; index++) {
    const arg = args[index]!;
    if (arg === '-h' || arg === '--help') {
      output.out(MERGE_HELP);
      return 0;
    }
    if (arg === '--json') json = true;
    else if (arg === '--out') {
      if (out !== undefined) throw new UsageError('--out is given twice');
      out = args[++index];
      if (out === undefined || out === '') throw new UsageError('--out needs a file name');
    } else if (arg.startsWith('-') && arg !== '-') throw new UsageError(`unknown option ${arg} (see pancydb merge --help)`);
    else paths.push(arg);
  }
  if (paths.length === 0) throw new UsageError('merge needs the shard files to join (FILE...)');
  if (paths.length > MAX_FILES) throw new UsageError(`merge takes at most ${MAX_FILES} files, one per shard, got ${paths.length}`);
  // One at a time: a million files opened at once would run out of file descriptors.
  const read: { readonly path: string; readonly json: unknown }[] = [];
  for (const path of paths) read.push({ path, json: await readResultsJson(path) });
  // The kinds first: a hunt file among sim files is named as such, not as a bad sim file.
  const hunting = isHuntFile(read[0]!.json);
  const stranger = read.find(({ json: file }) => isHuntFile(file) !== hunting);
  if (stranger !== undefined) {
    const kinds = hunting ? ['not a pancydb hunt --shard results file', 'is one'] : ['a pancydb hunt --shard results file', 'is a pancydb sim --shard one'];
    throw new UsageError(`${stranger.path}: ${kinds[0]!}, and ${read[0]!.path} ${kinds[1]!}; merge the shards of one command`);
  }
  if (hunting) {
    if (json) throw new UsageError('--json is for the files of pancydb sim --shard; these are pancydb hunt --shard files');
    if (out !== undefined && paths.some((path) => resolve(path) === resolve(out!))) throw new UsageError(`--out ${out} is one of the files to merge; the failing schedule goes to a file of its own`);
    const hunts = read.map(({ path, json: file }) => ({ path, file: checkHuntShardFile(path, file) }));
    return await mergeHunt(wholeSet(hunts, (file) => file.hunt, 'hunt'), out, output);
  }
  if (out !== undefined) throw new UsageError('--out is for the files of pancydb hunt --shard; sim shards write no file when merged');
  const sims = read.map(({ path, json: file }) => ({ path, file: checkShardFile(path, file) }));
  const shards = wholeSet(sims, (file) => file.sweep, 'sweep').map(({ file }) => file);
  printSweep(shards, json, output);
  const first = shards[0]!.sweep;
  const violating = shards.flatMap((shard) => shard.results.filter((result) => result.report.violations.length > 0).map((result) => result.report.seed));
  const replays = new Map(shards.flatMap((shard) => shard.results.map((result) => [result.report.seed, result.replay] as const)));
  const text: Output = json ? { ...output, out: output.err } : output;
  return printVerdict({ seeds: first.seeds, expectsViolation: first.expectsViolation, rerun: first.command, replay: (seed) => replays.get(seed) ?? '' }, violating, text);
}

const isHuntFile = (json: unknown): boolean => typeof json === 'object' && json !== null && (json as { format?: unknown }).format === HUNT_SHARD_FORMAT;

/** The checked files of one sweep or hunt (`identity` equal in all) with their paths, each shard once, all K present, in shard order. */
function wholeSet<File extends ShardFile | HuntShardFile>(entries: readonly Entry<File>[], identityOf: (file: File) => { readonly shards: number }, noun: 'sweep' | 'hunt'): Entry<File>[] {
  const byIndex = new Map<number, Entry<File>>();
  const reference = { path: entries[0]!.path, identity: JSON.stringify(identityOf(entries[0]!.file)) };
  for (const entry of entries) {
    const { path, file } = entry;
    // Key order is fixed by the writer, and a file from another writer must match it too.
    const identity = JSON.stringify(identityOf(file));
    if (identity !== reference.identity) throw new UsageError(`${path}: a shard of another ${noun} than ${reference.path} (${differences(reference.identity, identity)}); merge the shards of one command line`);
    const twin = byIndex.get(file.shard.index);
    if (twin !== undefined) throw new UsageError(`${path}: shard ${file.shard.index}/${identityOf(file).shards} again (also in ${twin.path}); give each shard once`);
    byIndex.set(file.shard.index, entry);
  }
  const { shards } = identityOf(entries[0]!.file);
  if (byIndex.size < shards) {
    const missing = Array.from({ length: shards }, (_, index) => index).filter((index) => !byIndex.has(index));
    const listed = missing.length > 10 ? `${missing.slice(0, 10).join(', ')} and ${missing.length - 10} more` : missing.join(', ');
    throw new UsageError(`shards ${listed} of ${shards} missing (from the ${noun} of ${reference.path}); run them, then merge all ${shards}`);
  }
  return [...byIndex.values()].sort((a, b) => a.file.shard.index - b.file.shard.index);
}

/** Which fields of the sweep differ, to say why two files do not belong together. */
function differences(a: string, b: string): string {
  const left = JSON.parse(a) as Record<string, unknown>;
  const right = JSON.parse(b) as Record<string, unknown>;
  const names = Object.keys(left).filter((name) => JSON.stringify(left[name]) !== JSON.stringify(right[name]));
  const describe = (name: string) => (name === 'header' || name === 'command' ? name : `${name} ${String(left[name])} vs ${String(right[name])}`);
  return names.length === 0 ? 'fields differ' : `differs in ${names.map(describe).join(', ')}`;
}

/** As sim prints: the header first (stderr with --json), then each seed in seed order. */
function printSweep(shards: readonly ShardFile[], json: boolean, output: Output): void {
  const header = shards[0]!.sweep.header;
  if (header !== null && json) output.err(header);
  else if (header !== null) output.out(header);
  for (const shard of shards) {
    for (const result of shard.results) {
      if (!json) for (const line of result.lines) output.out(line);
      else output.out(JSON.stringify(result.report));
    }
  }
}
