// `pancydb merge FILE...`: joins the results files of `pancydb sim --shard I/K --out FILE`
// and prints exactly what one machine's `pancydb sim` would have printed for the whole
// sweep: the header, each seed's lines (or with --json its report) in seed order, then
// PASS or FAIL and the replay command. Shards are contiguous slices (src/cli/shard.ts), so
// the table is the shards' tables one after the other. Files of different sweeps, the same
// shard twice, or a missing shard are refused: a partial table would print a PASS that
// covers seeds nobody ran.
import type { ShardFile } from './shard-file.ts';
import { readShardFile } from './shard-file.ts';
import { printVerdict, type Output } from './sim.ts';
import { UsageError } from './usage-error.ts';

export const MERGE_HELP = `Usage: pancydb merge [--json] FILE...

Joins the results files that \`pancydb sim ... --shard I/K --out FILE\` wrote, one per
shard, and prints what \`pancydb sim ...\` on one machine prints for the whole sweep: the
scenario header, each seed's line in seed order, the violations, PASS or FAIL and the
command that replays the first failing seed. The files may come in any order.

  --json       each seed's report as one JSON object a line on stdout, in seed order;
               the header, PASS/FAIL line and replay command go to stderr (as sim --json)
  -h, --help   this text

Refused (exit 2, naming the file): a file that is not a shard file, files of different
sweeps (another command line, scenario file content, -S, -R or K), the same shard twice,
and missing shards (merge names them: rerun those). See docs/sharding.md.

Exit status: 0 all seeds passed (for a scenario expecting a violation: some seed found
one), 1 a seed failed (or none found the expected violation), 2 usage error.

Example:
  for i in 0 1 2; do npx pancydb sim -R 300 --profile ci --shard $i/3 --out shard-$i.json; done
  npx pancydb merge shard-*.json`;

/** At most this many files: one per shard, and a sweep has at most 1000000 seeds. */
const MAX_FILES = 1_000_000;

export async function runMergeCommand(args: readonly string[], output: Output): Promise<number> {
  const paths: string[] = [];
  let json = false;
  for (const arg of args) {
    if (arg === '-h' || arg === '--help') {
      output.out(MERGE_HELP);
      return 0;
    }
    if (arg === '--json') json = true;
    else if (arg.startsWith('-') && arg !== '-') throw new UsageError(`unknown option ${arg} (see pancydb merge --help)`);
    else paths.push(arg);
  }
  if (paths.length === 0) throw new UsageError('merge needs the shard files to join (FILE...)');
  if (paths.length > MAX_FILES) throw new UsageError(`merge takes at most ${MAX_FILES} files, one per shard, got ${paths.length}`);
  const shards = await readSweep(paths);
  printSweep(shards, json, output);
  const first = shards[0]!.sweep;
  const violating = shards.flatMap((shard) => shard.results.filter((result) => result.report.violations.length > 0).map((result) => result.report.seed));
  const replays = new Map(shards.flatMap((shard) => shard.results.map((result) => [result.report.seed, result.replay] as const)));
  const text: Output = json ? { ...output, out: output.err } : output;
  return printVerdict({ seeds: first.seeds, expectsViolation: first.expectsViolation, rerun: first.command, replay: (seed) => replays.get(seed) ?? '' }, violating, text);
}

/** Every file read and checked; the shards of one sweep, each once, all present, in shard order. */
async function readSweep(paths: readonly string[]): Promise<ShardFile[]> {
  const byIndex = new Map<number, { readonly path: string; readonly file: ShardFile }>();
  let reference: { readonly path: string; readonly identity: string } | undefined;
  for (const path of paths) {
    const file = await readShardFile(path);
    // Key order is fixed by the writer, and a file from another writer must match it too.
    const identity = JSON.stringify(file.sweep);
    reference ??= { path, identity };
    if (identity !== reference.identity) throw new UsageError(`${path}: a shard of another sweep than ${reference.path} (${differences(reference.identity, identity)}); merge the shards of one command line`);
    const twin = byIndex.get(file.shard.index);
    if (twin !== undefined) throw new UsageError(`${path}: shard ${file.shard.index}/${file.sweep.shards} again (also in ${twin.path}); give each shard once`);
    byIndex.set(file.shard.index, { path, file });
  }
  const { shards } = JSON.parse(reference!.identity) as { shards: number };
  if (byIndex.size < shards) {
    const missing = Array.from({ length: shards }, (_, index) => index).filter((index) => !byIndex.has(index));
    const listed = missing.length > 10 ? `${missing.slice(0, 10).join(', ')} and ${missing.length - 10} more` : missing.join(', ');
    throw new UsageError(`shards ${listed} of ${shards} missing (from the sweep of ${reference!.path}); run them, then merge all ${shards}`);
  }
  return [...byIndex.values()].sort((a, b) => a.file.shard.index - b.file.shard.index).map(({ file }) => file);
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
