// Sharding a sweep (`--shard I/K`, src/cli/shard.ts): shard I of K takes a contiguous slice,
// the K slices partition the seeds in order, and a bad --shard is a usage error naming it.
// A hunt's shard I takes the strided indexes I, I+K, …, which partition 0..N-1 too.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.ts';
import { checkShardFits, parseShard, shardRange, strideLength } from '../../src/cli/shard.ts';
import { UsageError } from '../../src/cli/usage-error.ts';

async function run(args: string[]): Promise<{ status: number; out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const status = await main(args, { out: (line) => out.push(line), err: (line) => err.push(line) });
  return { status, out, err };
}

describe('shard selection: contiguous slices', () => {
  it('K shards of N seeds cover every seed offset exactly once, in order, sizes within one', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 5000 }).chain((seeds) => fc.tuple(fc.constant(seeds), fc.integer({ min: 1, max: seeds }))),
        ([seeds, count]) => {
          const ranges = Array.from({ length: count }, (_, index) => shardRange({ index, count }, seeds));
          const offsets = ranges.flatMap((range) => Array.from({ length: range.seeds }, (_, step) => range.offset + step));
          expect(offsets).toEqual(Array.from({ length: seeds }, (_, offset) => offset));
          const sizes = ranges.map((range) => range.seeds);
          expect(Math.min(...sizes)).toBeGreaterThanOrEqual(1);
          expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('holds at the bounds: 1000000 seeds in 999999 and 1000000 shards', () => {
    const seeds = 1_000_000;
    expect(shardRange({ index: 999_998, count: 999_999 }, seeds)).toEqual({ offset: 999_998, seeds: 2 });
    expect(shardRange({ index: 999_999, count: 1_000_000 }, seeds)).toEqual({ offset: 999_999, seeds: 1 });
    expect(shardRange({ index: 0, count: 1 }, seeds)).toEqual({ offset: 0, seeds });
  });

  it('-R 7 in 3 shards: seeds 1..2, 3..4, 5..7', () => {
    expect([0, 1, 2].map((index) => shardRange({ index, count: 3 }, 7))).toEqual([
      { offset: 0, seeds: 2 },
      { offset: 2, seeds: 2 },
      { offset: 4, seeds: 3 },
    ]);
  });
});

describe('hunt shards: strides (strideLength)', () => {
  it('K strides of N schedules (indexes ≡ I mod K) take each index below N exactly once, and each at least one when K ≤ N', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 2000 }).chain((schedules) => fc.tuple(fc.constant(schedules), fc.integer({ min: 1, max: schedules }))),
        ([schedules, count]) => {
          const indexes = Array.from({ length: count }, (_, index) => Array.from({ length: strideLength({ index, count }, schedules) }, (_, step) => index + step * count));
          expect(indexes.flat().sort((a, b) => a - b)).toEqual(Array.from({ length: schedules }, (_, index) => index));
          expect(Math.min(...indexes.map((stride) => stride.length))).toBeGreaterThanOrEqual(1);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('10 schedules in 3 shards: 0 3 6 9, 1 4 7, 2 5 8', () => {
    expect([0, 1, 2].map((index) => strideLength({ index, count: 3 }, 10))).toEqual([4, 3, 3]);
  });
});

describe('parseShard', () => {
  it('reads I/K, 0-based', () => {
    expect(parseShard('--shard', '0/1')).toEqual({ index: 0, count: 1 });
    expect(parseShard('--shard', '2/3')).toEqual({ index: 2, count: 3 });
  });

  it.each(['3/3', '0/0', 'a/b', '-1/2', '1/2/3', '', '1', '/2', '1/', ' 0/2', '0/1000001', '99999999999999999/2'])('refuses %j naming --shard', (text) => {
    expect(() => parseShard('--shard', text)).toThrow(UsageError);
    expect(() => parseShard('--shard', text)).toThrow(/^--shard needs I\/K/);
  });

  it('refuses more shards than seeds', () => {
    expect(() => checkShardFits('--shard', { index: 1, count: 2 }, 1)).toThrow(/--shard 1\/2: 2 shards need at least 2 seeds/);
    expect(() => checkShardFits('--shard', { index: 1, count: 2 }, 2)).not.toThrow();
  });
});

describe('pancydb sim --shard: usage errors exit 2 naming the flag', () => {
  const sim = ['sim', '--profile', 'ci', '--duration', '1', '--workers', '1'];
  it.each([
    [['-R', '3', '--shard', '3/3', '--out', '/tmp/pancydb-shard-usage.json'], '--shard needs I/K'],
    [['-R', '3', '--shard', '0/0', '--out', '/tmp/pancydb-shard-usage.json'], '--shard needs I/K'],
    [['-R', '3', '--shard', 'a/b', '--out', '/tmp/pancydb-shard-usage.json'], '--shard needs I/K'],
    [['-R', '1', '--shard', '1/2', '--out', '/tmp/pancydb-shard-usage.json'], '--shard 1/2: 2 shards need at least 2 seeds'],
    [['--shard', '0/2', '--out', '/tmp/pancydb-shard-usage.json'], '--shard 0/2: 2 shards need at least 2 seeds'],
    [['-R', '3', '--shard', '0/3'], '--shard needs --out FILE'],
    [['-R', '3', '--out', '/tmp/pancydb-shard-usage.json'], '--out needs --shard I/K'],
    [['-R', '3', '--shard', '0/3', '--out', '/tmp/pancydb-shard-usage.json', '-V'], '--shard cannot be combined with -V'],
    [['-R', '3', '--shard', '0/3', '--out', '/nonexistent-dir/shard.json'], '--out /nonexistent-dir/shard.json: no directory'],
    [['-R', '3', '--shard', '0/3', '--shard', '1/3', '--out', '/tmp/pancydb-shard-usage.json'], '--shard is given twice'],
  ])('%j', async (args, message) => {
    const result = await run([...sim, ...args]);
    expect(result.status).toBe(2);
    expect(result.err[0]).toContain(message);
    expect(result.out).toEqual([]);
  });
});
