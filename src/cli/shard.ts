// Sharding a sweep across machines (`--shard I/K`): which seeds of a sweep belong to shard I
// of K. The seeds decide everything a run does, so machines that agree on the command line
// need nothing else to agree on: each runs its slice and `pancydb merge` joins the files.
//
// The rule: contiguous ranges. Shard I of K takes the seed offsets
// [floor(I·N/K), floor((I+1)·N/K)) of a sweep of N seeds. Why not round-robin (offset mod K)?
// Seeds are independent and identically distributed, so neither balances better (the sizes
// differ by at most one either way); but a contiguous slice is itself a plain `-S A -R B`
// sweep, so any shard can be rerun or replayed on its own with the ordinary flags, and the
// merged table is the shards' tables one after the other, in shard order.
//
// I is 0-based, 0 ≤ I < K, as a Kubernetes Indexed Job's JOB_COMPLETION_INDEX is.
//
// A hunt (`pancydb hunt --shard I/K`) is sliced the other way: shard I runs the schedule
// indexes I, I+K, I+2K, … (strided). A hunt bounded by a time budget has no N to cut into
// ranges, and it stops at its first failure, so what matters is the lowest failing index;
// with strides every shard climbs through the low indexes at the same pace, the indexes run
// by all shards together have no holes below the slowest shard's reach, and the K shards
// of `--schedules N` reach each index below N exactly once. See strideLength.
//
//   const shard = parseShard('--shard', '1/3');   // { index: 1, count: 3 }
//   checkShardFits('--shard', shard, 7);          // K ≤ N: no shard is empty
//   shardRange(shard, 7);                         // { offset: 2, seeds: 2 }: seeds S+2, S+3
import { MAX_SEEDS } from '../scenario/bounds.ts';
import { UsageError } from './usage-error.ts';

export interface Shard {
  /** 0-based: 0 ≤ index < count. */
  readonly index: number;
  readonly count: number;
}

/** A slice of a sweep: seed offsets offset..offset+seeds-1 from the sweep's first seed. */
export interface ShardRange {
  readonly offset: number;
  readonly seeds: number;
}

/** "I/K" as given to `flag`; K is at most MAX_SEEDS (a shard holds at least one seed). */
export function parseShard(flag: string, text: string | undefined): Shard {
  const match = /^(\d{1,16})\/(\d{1,16})$/.exec(text ?? '');
  const usage = `${flag} needs I/K with 0 ≤ I < K ≤ ${MAX_SEEDS}, I 0-based as a Kubernetes JOB_COMPLETION_INDEX (such as 0/4), got ${text ?? 'nothing'}`;
  if (match === null) throw new UsageError(usage);
  const index = Number(match[1]);
  const count = Number(match[2]);
  if (count < 1 || count > MAX_SEEDS || index >= count) throw new UsageError(usage);
  return { index, count };
}

/** Every shard must hold a seed: K shards need at least K seeds. */
export function checkShardFits(flag: string, shard: Shard, seeds: number): void {
  if (shard.count > seeds) {
    throw new UsageError(`${flag} ${shard.index}/${shard.count}: ${shard.count} shards need at least ${shard.count} seeds, and the sweep has ${seeds} (-R); give fewer shards or more seeds`);
  }
}

/** Shard I of K of a sweep of `seeds` seeds: offsets [floor(I·N/K), floor((I+1)·N/K)). */
export function shardRange(shard: Shard, seeds: number): ShardRange {
  // N ≤ 10^6 and K ≤ 10^6, so I·N stays far below 2^53: the floors are exact.
  const start = Math.floor((shard.index * seeds) / shard.count);
  const end = Math.floor(((shard.index + 1) * seeds) / shard.count);
  return { offset: start, seeds: end - start };
}

/**
 * How many schedule indexes below `schedules` shard I of K runs: those ≡ I mod K, i.e.
 * ceil((N − I) / K). @example strideLength({ index: 1, count: 3 }, 10) // 3: indexes 1, 4, 7
 */
export function strideLength(shard: Shard, schedules: number): number {
  return Math.ceil((schedules - shard.index) / shard.count);
}
