// `pancydb hunt --shard I/K --out FILE`: the hunt side of sharding. Shard I runs the
// schedule indexes I, I+K, I+2K, … (strided, src/cli/shard.ts says why), stops at its
// lowest failing one as a whole hunt does, and writes its results to FILE
// (hunt-shard-file.ts) for `pancydb merge`, which prints what one machine's hunt prints.
//
// A failing schedule is written, and its replay checked, as a whole hunt does it, to
// found-FILE beside FILE (so a shard's finding can be replayed before the other shards are
// done), and its text goes into FILE too: FILE alone is what a job runner has to collect,
// and the merge writes the winning shard's scenario where one machine would have.
import { rename, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { HuntResult, ScenarioJson } from '../hunt/index.ts';
import type { HuntSettings } from './hunt-lines.ts';
import { huntCommandLine, schedulesText } from './hunt-lines.ts';
import { HUNT_SHARD_FORMAT, type HuntIdentity, type HuntShardFile } from './hunt-shard-file.ts';
import type { Shard } from './shard.ts';
import type { Output } from './sim-seed.ts';

/** Where a shard writing its results to `out` writes the scenario it found: found-<name> beside it, outside a shard-*.json glob. */
export function foundScenarioPath(out: string): string {
  return join(dirname(out), `found-${basename(out)}`);
}

/** `shard 1/3: schedules 1, 4, 7, …` (up to N-1 with --schedules N). */
export function shardHeader(shard: Shard, schedules: number | undefined): string {
  const first = [0, 1, 2].map((step) => shard.index + step * shard.count).filter((index) => schedules === undefined || index < schedules);
  const more = schedules === undefined || shard.index + 3 * shard.count < schedules;
  return `shard ${shard.index}/${shard.count}: schedules ${first.join(', ')}${more ? ', …' : ''}`;
}

/** What became of the schedule a hunt found: the lines printed for it, the scenario written, whether its replay broke the property again. */
export interface WrittenFinding {
  readonly lines: readonly string[];
  readonly scenario: ScenarioJson;
  readonly checked: boolean;
  readonly path: string;
}

/** Writes the shard's results file and says so; the verdict belongs to merge, so the status is 0 (as a sim shard's). */
export async function finishHuntShard(settings: HuntSettings, shard: Shard, out: string, result: HuntResult, written: WrittenFinding | undefined, output: Output): Promise<number> {
  const hunt: HuntIdentity = {
    command: huntCommandLine(settings),
    seed: settings.seed,
    n: settings.n ?? null,
    budgetS: settings.budgetS ?? null,
    schedules: settings.schedules ?? null,
    shards: shard.count,
  };
  const { finding } = result;
  if ((finding === undefined) !== (written === undefined)) throw new Error('a hunt shard\'s finding and its written scenario come together');
  const file: HuntShardFile = {
    format: HUNT_SHARD_FORMAT,
    hunt,
    shard: { index: shard.index, prefixRun: result.prefixRun, schedulesRun: result.schedulesRun, searchMs: Math.round(result.searchMs) },
    finding:
      finding === undefined || written === undefined
        ? null
        : { index: finding.index, runSeed: finding.runSeed, property: finding.found.property, lines: written.lines, scenario: written.scenario, replayChecked: written.checked, scenarioFile: written.path },
  };
  // Whole or not at all: a pod killed mid-write (and run again) leaves no torn file to merge.
  const partial = `${out}.partial-${process.pid}`;
  await writeFile(partial, `${JSON.stringify(file)}\n`);
  await rename(partial, out);
  const what = finding === undefined ? `nothing found in ${schedulesText(result.prefixRun)}` : `schedule ${finding.index} breaks ${finding.found.property}`;
  output.out(`shard ${shard.index}/${shard.count}: ${what} (${(result.searchMs / 1000).toFixed(1)} s); results in ${out}; the hunt's verdict: pancydb merge`);
  return 0;
}
