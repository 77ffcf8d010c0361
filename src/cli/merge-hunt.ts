// `pancydb merge` of `pancydb hunt --shard I/K` files: prints what `pancydb hunt` prints on
// one machine. Shard I ran the indexes I, I+K, … up to its lowest failing one, so the
// lowest failing index over all shards is the lowest failing index of the whole hunt: any
// failing index j lies in shard j mod K, whose own lowest is at most j. With --schedules N
// that is what one machine reports (its pool reports the lowest, src/hunt/pool.ts); with a
// budget the shards may have stopped at different heights, and the merge says so when
// schedules below the finding were not all run.
//
// "Covered" is only the gapless prefix 0..M-1 of indexes that some shard ran: shard I ran
// its stride up to I + prefixRun·K (exclusive), so M is the least of those (at most N).
//
// The winning shard's scenario comes from a file made elsewhere, so its "replay checked"
// is not taken on trust: merge runs the written file's replay itself, as the hunt does
// (hunt.ts replayFires), and prints the replay command as checked only if its own run broke
// the property. hunt-shard-file.ts has already refused adversaries given as module paths,
// so that run imports no code from the file.
import { rm, writeFile } from 'node:fs/promises';
import type { ScenarioJson } from '../hunt/index.ts';
import { replayFires } from './hunt.ts';
import { huntHeader, nothingFoundLine, replayLines, scenarioText } from './hunt-lines.ts';
import { settingsOf, type HuntShardFile } from './hunt-shard-file.ts';
import { checkOutputFile } from './output-file.ts';
import { printable } from './shard-file.ts';
import { loadSimCommand, type Output } from './sim-seed.ts';
import { UsageError } from './usage-error.ts';

/** Whether the scenario written at `path` breaks `property` on `runSeed`: hunt.ts replayFires, or (tests) a protocol broken on purpose. */
export type ReplayCheck = (path: string, runSeed: number, property: string) => Promise<boolean>;

/** The gapless prefix 0..M-1 of schedule indexes that the shards ran between them: M. */
export function coveredSchedules(shards: readonly HuntShardFile[]): number {
  const { shards: count, schedules } = shards[0]!.hunt;
  // A reduce, not Math.min(...): a million shards would overflow the argument list.
  const reach = shards.reduce((least, { shard }) => Math.min(least, shard.index + shard.prefixRun * count), Infinity);
  return schedules === null ? reach : Math.min(reach, schedules);
}

/**
 * `entries`: all K shards of one hunt, checked, with the paths they were read from (merge.ts).
 * Writes the winning scenario to `out` (default: where one machine would) and checks its
 * replay with `replay`.
 */
export async function mergeHunt(entries: readonly { readonly path: string; readonly file: HuntShardFile }[], out: string | undefined, output: Output, replay: ReplayCheck = replayFires): Promise<number> {
  const shards = entries.map(({ file }) => file);
  const { hunt } = shards[0]!;
  const path = out ?? `hunt-${hunt.seed}.json`;
  checkOutputFile('--out', path);
  const covered = coveredSchedules(shards);
  const winning = entries.reduce<(typeof entries)[number] | undefined>((lowest, entry) => (entry.file.finding !== null && (lowest === undefined || entry.file.finding.index < lowest.file.finding!.index) ? entry : lowest), undefined);
  const winner = winning?.file.finding ?? undefined;
  const source = winning?.path;
  // Before anything is printed: the scenario must load as `pancydb sim` loads it (its adversaries' options too).
  if (winner !== undefined) await writeLoadable(path, winner.scenario, source!);
  output.out(huntHeader(settingsOf(hunt)));
  if (winner === undefined) {
    const run = shards.reduce((sum, { shard }) => sum + shard.schedulesRun, 0);
    const seconds = shards.reduce((sum, { shard }) => sum + shard.searchMs, 0) / 1000;
    output.out(nothingFoundLine(covered, hunt.seed));
    output.out(`  searched in ${hunt.shards} shards: ${run} schedules in ${seconds.toFixed(1)} s of shard time; counted above: the schedules below the first one a shard did not reach`);
    return 0;
  }
  for (const line of winner.lines) output.out(line);
  // The shard checked this replay too, but its word comes in a file: only this run counts.
  const checked = await replay(path, winner.runSeed, winner.property);
  for (const line of replayLines(path, winner.property, winner.runSeed, checked, hunt.seed)) output.out(line);
  if (winner.replayChecked && !checked) output.out(`  note: ${source!} says its replay broke ${winner.property}; run here, it did not (an altered file, or another version of pancydb)`);
  if (covered < winner.index) {
    output.out(`  note: the shards' budgets ran out at different heights and only the schedules below ${covered} all ran, so one below ${winner.index} may fail too (a hunt with --schedules ${winner.index} and no --budget would tell)`);
  }
  return 1;
}

/** Writes `scenario` to `path` and loads it as the replay command will; a scenario that does not load is the shard file's fault (exit 2, naming it), and is removed. */
async function writeLoadable(path: string, scenario: ScenarioJson, source: string): Promise<void> {
  await writeFile(path, scenarioText(scenario));
  try {
    await loadSimCommand(['--scenario', path, '-R', '1']);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    await rm(path, { force: true });
    throw new UsageError(`${source}: not a pancydb hunt --shard results file (finding.scenario does not load: ${printable(error.message)})`);
  }
}
