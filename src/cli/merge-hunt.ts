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
import { writeFile } from 'node:fs/promises';
import { huntHeader, nothingFoundLine, replayLines, scenarioText } from './hunt-lines.ts';
import { settingsOf, type HuntShardFile } from './hunt-shard-file.ts';
import { checkOutputFile } from './output-file.ts';
import type { Output } from './sim-seed.ts';

/** The gapless prefix 0..M-1 of schedule indexes that the shards ran between them: M. */
export function coveredSchedules(shards: readonly HuntShardFile[]): number {
  const { shards: count, schedules } = shards[0]!.hunt;
  // A reduce, not Math.min(...): a million shards would overflow the argument list.
  const reach = shards.reduce((least, { shard }) => Math.min(least, shard.index + shard.prefixRun * count), Infinity);
  return schedules === null ? reach : Math.min(reach, schedules);
}

/** `shards`: all K shards of one hunt, checked (merge.ts). Writes the winning scenario to `out` (default: where one machine would). */
export async function mergeHunt(shards: readonly HuntShardFile[], out: string | undefined, output: Output): Promise<number> {
  const { hunt } = shards[0]!;
  const path = out ?? `hunt-${hunt.seed}.json`;
  checkOutputFile('--out', path);
  output.out(huntHeader(settingsOf(hunt)));
  const covered = coveredSchedules(shards);
  const findings = shards.flatMap(({ finding }) => (finding === null ? [] : [finding]));
  const winner = findings.reduce<(typeof findings)[number] | undefined>((lowest, finding) => (lowest === undefined || finding.index < lowest.index ? finding : lowest), undefined);
  if (winner === undefined) {
    const run = shards.reduce((sum, { shard }) => sum + shard.schedulesRun, 0);
    const seconds = shards.reduce((sum, { shard }) => sum + shard.searchMs, 0) / 1000;
    output.out(nothingFoundLine(covered, hunt.seed));
    output.out(`  searched in ${hunt.shards} shards: ${run} schedules in ${seconds.toFixed(1)} s of shard time; counted above: the schedules below the first one a shard did not reach`);
    return 0;
  }
  for (const line of winner.lines) output.out(line);
  // The shard checked this scenario's replay before it wrote its file; the merge writes the same bytes and reports that check.
  await writeFile(path, scenarioText(winner.scenario));
  for (const line of replayLines(path, winner.property, winner.runSeed, winner.replayChecked, hunt.seed)) output.out(line);
  if (covered < winner.index) {
    output.out(`  note: the shards' budgets ran out at different heights and only the schedules below ${covered} all ran, so one below ${winner.index} may fail too (a hunt with --schedules ${winner.index} and no --budget would tell)`);
  }
  return 1;
}
