// view-change-liar (adversaries/view-change-liar.ts): lies in VIEW-CHANGE and NEW-VIEW
// must be dropped by every correct replica (OSDI'99 §4.4), and a lying new primary voted
// out (§4.5.2), with safety intact and progress after the view changes.
import { describe, expect, it } from 'vitest';
import liar from '../../adversaries/view-change-liar.ts';
import silent from '../../adversaries/silent.ts';
import { observeNotes } from '../../src/adversary/adversary.ts';
import type { FaultySpec } from '../../src/adversary/host.ts';
import type { NetworkOptions } from '../../src/sim/network.ts';
import type { RunOptions, SeedRun } from '../../src/sim/run.ts';
import { adversaryRun, LIGHTLY_LOSSY } from '../support/adversary-run.ts';
import { describeViolations } from '../support/simulate.ts';

type Lie = 'fabricated-p' | 'partial-p' | 'wrong-o' | 'short-v' | 'all';

/** Primary 0 is cut off from 2 s to 4 s, so backups move to view 1, whose primary is the liar. */
const CUT_OFF_PRIMARY: Partial<NetworkOptions> = { partitions: [{ fromMs: 2_000, untilMs: 4_000, groups: [[0], [1, 2, 3]] }] };
/** Measured worst case over 140 seeds of the shipped scenario: 3.46 s (two view changes, T then 2T). */
const COMPLETE_WITHIN_MS = 5_000;

interface LiarRun {
  readonly run: SeedRun;
  /** Times of the liar's notes: when it told a lie in NEW-VIEW, and every lie. */
  readonly newViewLiesAtMs: number[];
  readonly lies: number;
}

/** The adversary tests' common run (test/support/adversary-run.ts), 14 s long, with replica 1 lying; by default primary 0 is cut off. */
function lyingRun(seed: number, lie: Lie, options: { n?: number; network?: Partial<NetworkOptions>; faulty?: ReadonlyMap<number, FaultySpec>; liveness?: RunOptions['liveness'] } = {}): LiarRun {
  const newViewLiesAtMs: number[] = [];
  let lies = 0;
  const definition = observeNotes(liar, (_, line, nowMs) => {
    lies++;
    if (line.startsWith('NEW-VIEW')) newViewLiesAtMs.push(nowMs);
  });
  const faulty = new Map<number, FaultySpec>([...(options.faulty ?? []), [1, { definition, options: { lie } }]]);
  const run = adversaryRun({
    seed,
    ...(options.n === undefined ? {} : { n: options.n }),
    durationMs: 14_000,
    network: { ...LIGHTLY_LOSSY, ...(options.network ?? CUT_OFF_PRIMARY) },
    faulty,
    ...(options.liveness === undefined ? {} : { liveness: options.liveness }),
  });
  return { run, newViewLiesAtMs, lies };
}

/** Requests called after the first lying NEW-VIEW that completed: progress in the views that followed. */
function completedAfter(run: SeedRun, atMs: number): number {
  return run.context.history.operations.filter((operation) => operation.callMs > atMs && operation.returnMs !== undefined).length;
}

describe('view-change-liar', () => {
  it('n=4, f=1, every lie: dropped, the liar voted out of view 1, progress continues, every request completes within 5 s (10 seeds)', () => {
    for (let seed = 1; seed <= 10; seed++) {
      const { run, newViewLiesAtMs, lies } = lyingRun(seed, 'all', { liveness: { liveAfterMs: 0, completeWithinMs: COMPLETE_WITHIN_MS } });
      expect(describeViolations(run)).toEqual([]);
      const { drops } = run.report;
      expect(drops['bad-view-change'] ?? 0, `seed ${seed}`).toBeGreaterThan(0);
      expect(drops['bad-new-view'] ?? 0, `seed ${seed}`).toBeGreaterThan(0);
      expect(lies, `seed ${seed}`).toBeGreaterThan(0);
      expect(newViewLiesAtMs.length, `seed ${seed}: the liar got to send a NEW-VIEW`).toBeGreaterThan(0);
      expect(run.report.finalView, `seed ${seed}`).toBeGreaterThanOrEqual(2);
      expect(completedAfter(run, newViewLiesAtMs[0]!), `seed ${seed}`).toBeGreaterThan(20);
    }
  });

  it.each([
    ['fabricated-p', 'bad-view-change'],
    ['partial-p', 'bad-view-change'],
    ['wrong-o', 'bad-new-view'],
    ['short-v', 'bad-new-view'],
  ] as const)("lie '%s' alone: correct replicas drop it as %s and move on to view 2 (3 seeds)", (lie, reason) => {
    for (let seed = 20; seed < 23; seed++) {
      const { run, newViewLiesAtMs } = lyingRun(seed, lie);
      expect(describeViolations(run)).toEqual([]);
      expect(run.report.drops[reason] ?? 0, `seed ${seed}`).toBeGreaterThan(0);
      // Lies in P reach V too: the liar puts its own lying VIEW-CHANGE into its NEW-VIEW.
      expect(run.report.drops['bad-new-view'] ?? 0, `seed ${seed}`).toBeGreaterThan(0);
      expect(newViewLiesAtMs.length, `seed ${seed}`).toBeGreaterThan(0);
      expect(run.report.finalView, `seed ${seed}`).toBe(2);
      expect(completedAfter(run, newViewLiesAtMs[0]!), `seed ${seed}`).toBeGreaterThan(20);
    }
  });

  it('n=7, f=2: primary 0 silent from 2 s and the liar primary of view 1; view 2 takes over, every request completes within 5 s (3 seeds)', () => {
    const silentPrimary = new Map<number, FaultySpec>([[0, { definition: silent, options: { fromS: 2 } }]]);
    for (let seed = 30; seed < 33; seed++) {
      const { run, newViewLiesAtMs } = lyingRun(seed, 'all', { n: 7, network: {}, faulty: silentPrimary, liveness: { liveAfterMs: 0, completeWithinMs: COMPLETE_WITHIN_MS } });
      expect(describeViolations(run)).toEqual([]);
      expect(run.report.drops['bad-view-change'] ?? 0, `seed ${seed}`).toBeGreaterThan(0);
      expect(run.report.drops['bad-new-view'] ?? 0, `seed ${seed}`).toBeGreaterThan(0);
      expect(run.report.finalView, `seed ${seed}`).toBe(2);
      expect(completedAfter(run, newViewLiesAtMs[0]!), `seed ${seed}`).toBeGreaterThan(20);
    }
  });

  it('unprompted lying VIEW-CHANGEs alone change nothing: no view change, every one dropped (2 seeds)', () => {
    for (let seed = 40; seed < 42; seed++) {
      const { run, lies } = lyingRun(seed, 'fabricated-p', { network: {} });
      expect(describeViolations(run)).toEqual([]);
      expect(lies, `seed ${seed}`).toBeGreaterThanOrEqual(10);
      // Each of the ~13 unprompted VIEW-CHANGEs reaches 3 replicas and is dropped by each.
      expect(run.report.drops['bad-view-change'] ?? 0, `seed ${seed}`).toBeGreaterThanOrEqual(3 * 10);
      expect(run.report.finalView, `seed ${seed}`).toBe(0);
    }
  });
});
