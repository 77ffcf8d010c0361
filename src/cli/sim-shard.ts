// `pancydb sim --shard I/K --out FILE`: the sim side of sharding. The flags are checked
// before any work; the command is narrowed to its slice (src/cli/shard.ts); each seed's
// report and printed lines are collected and written to FILE (src/cli/shard-file.ts) for
// `pancydb merge`, which gives the whole sweep's verdict.
import { createHash } from 'node:crypto';
import { readFile, rename, writeFile } from 'node:fs/promises';
import type { SeedReport } from '../sim/run.ts';
import { checkOutputFile } from './output-file.ts';
import { checkShardFits, shardRange } from './shard.ts';
import { SHARD_FORMAT, type ShardFile, type ShardSeed, type SweepIdentity } from './shard-file.ts';
import type { SimCommand } from './sim-options.ts';
import type { LoadedSimCommand, Output } from './sim-seed.ts';
import { UsageError } from './usage-error.ts';

/** Flags that print or write what a shard file cannot carry (traces, databases, one seed's files). */
const NOT_WITH_SHARD: readonly [keyof SimCommand, string][] = [
  ['verbose', '-V'],
  ['printDatabase', '-p'],
  ['shrinkTo', '--shrink'],
  ['evidenceTo', '--evidence'],
  ['htmlTo', '--html'],
  ['recordTo', '--record'],
];

/** --shard and --out come together; checked before the scenario loads, so a typo costs nothing. */
export function checkShardFlags(command: SimCommand): void {
  if (command.shard === undefined && command.shardTo === undefined) return;
  if (command.shardTo === undefined) throw new UsageError('--shard needs --out FILE: the shard\'s results go there, for pancydb merge');
  if (command.shard === undefined) throw new UsageError('--out needs --shard I/K (--shard 0/1 for a sweep in one piece)');
  for (const [field, flag] of NOT_WITH_SHARD) {
    const value = command[field];
    if (value !== undefined && value !== false) throw new UsageError(`--shard cannot be combined with ${flag}: a shard file holds reports and lines, and ${flag} is for a run on one machine`);
  }
  checkOutputFile('--out', command.shardTo);
}

/** What sim prints for the whole sweep, computed from the whole command before it is narrowed. */
export interface WholeSweep {
  readonly header: string | null;
  readonly rerun: string;
}

export interface OpenShard {
  /** The command narrowed to the slice: -S and -R of the shard's seeds. */
  readonly command: LoadedSimCommand;
  add(report: SeedReport, lines: readonly string[], replay: string | undefined): void;
  /** Writes the file and says so; the verdict belongs to merge, so the status is 0. */
  finish(violating: readonly number[], output: Output): Promise<number>;
}

export async function openShard(whole: LoadedSimCommand, printed: WholeSweep): Promise<OpenShard> {
  const shard = whole.shard!;
  const path = whole.shardTo!;
  checkShardFits('--shard', shard, whole.seeds);
  const range = shardRange(shard, whole.seeds);
  const command: LoadedSimCommand = { ...whole, firstSeed: whole.firstSeed + range.offset, seeds: range.seeds };
  const sweep: SweepIdentity = {
    command: printed.rerun,
    scenarioSha256: whole.scenarioPath === undefined ? null : createHash('sha256').update(await readFile(whole.scenarioPath)).digest('hex'),
    firstSeed: whole.firstSeed,
    seeds: whole.seeds,
    shards: shard.count,
    expectsViolation: whole.scenario.expect.kind === 'violation',
    header: printed.header,
  };
  const results: ShardSeed[] = [];
  return {
    command,
    add: (report, lines, replay) => results.push({ report, lines: [...lines], ...(replay === undefined ? {} : { replay }) }),
    finish: async (violating, output) => {
      const file: ShardFile = { format: SHARD_FORMAT, sweep, shard: { index: shard.index, firstSeed: command.firstSeed, seeds: command.seeds }, results };
      // Whole or not at all: a pod killed mid-write (and run again) leaves no torn file to merge.
      const partial = `${path}.partial-${process.pid}`;
      await writeFile(partial, `${JSON.stringify(file)}\n`);
      await rename(partial, path);
      const last = command.firstSeed + command.seeds - 1;
      const failing = violating.length === 0 ? '0 failing' : `${violating.length} failing (first ${violating[0]})`;
      output.out(`shard ${shard.index}/${shard.count}: seeds ${command.firstSeed}..${last}, ${failing}; results in ${path}; the sweep's verdict: pancydb merge`);
      return 0;
    },
  };
}
