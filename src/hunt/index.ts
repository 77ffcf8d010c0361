// `pancydb hunt` as a library: a seeded randomized search for a schedule, with at most f
// faulty replicas, under which some checker fires (issue 12). Each schedule is a scenario
// drawn by draw.ts and run with every checker of `pancydb sim` on (agreement, state
// agreement, exactly-once, validity, reply integrity, lockseq, memory bounds,
// linearizability, signed-twice), and liveness where the schedule ends in a quiet tail
// (quiet-tail.ts): during its fault windows a schedule promises no bound, but after them
// the network is partially synchronous and the tail's bound holds. The first failing
// schedule is shrunk (shrink.ts) and checked to fail again from its JSON text, exactly as
// written.
//
// `shard` runs one strided slice of the indexes (src/cli/hunt-shard.ts says why strided):
// `pancydb merge` joins the slices into what one hunt would have found.
//
// `flaws` (src/core/flaws.ts) is for benches and tests that measure the hunter on broken
// protocols; the command line never sets it.
import type { ProtocolFlaw } from '../core/flaws.ts';
import { drawSchedule, scheduleRunSeed, type ScenarioJson } from './draw.ts';
import { defaultHuntWorkers, searchInWorkers, type SearchResult, type Stride } from './pool.ts';
import { runSchedule, type Finding } from './run-schedule.ts';
import { MAX_SHRINK_RUNS, shrinkSchedule } from './shrink.ts';

export interface HuntOptions {
  readonly seed: number;
  /** Schedules to run at most (indexes 0..N-1; a shard runs its own of those); unbounded (until the budget) when absent. */
  readonly schedules?: number | undefined;
  /** Shard I of K (0-based I): only the indexes ≡ I mod K. The whole hunt when absent. */
  readonly shard?: { readonly index: number; readonly count: number } | undefined;
  /** Wall-clock budget in ms for the search (shrinking comes after it); unbounded when absent. */
  readonly budgetMs?: number | undefined;
  /** Worker threads; 0 runs in this thread (tests). Default: one per core. */
  readonly workers?: number | undefined;
  /** 4 or 7 replicas; drawn per schedule when absent. */
  readonly n?: 4 | 7 | undefined;
  readonly flaws?: ReadonlySet<ProtocolFlaw> | undefined;
  /** Shrink a failing schedule (default true). */
  readonly shrink?: boolean | undefined;
  /** Most runs the shrink may spend (default MAX_SHRINK_RUNS). */
  readonly maxShrinkRuns?: number | undefined;
  /** After each schedule: how many have run and the ms since the search began. */
  readonly onProgress?: ((done: number, elapsedMs: number) => void) | undefined;
}

export interface HuntFinding {
  /** The schedule's index, and the run seed its replay needs (`-S`). */
  readonly index: number;
  readonly runSeed: number;
  /** The first property the drawn schedule broke, as first found. */
  readonly found: Finding;
  readonly drawn: ScenarioJson;
  /** The shrunk schedule (the drawn one when not shrunk), and what it breaks: the same property. */
  readonly scenario: ScenarioJson;
  readonly finding: Finding;
  readonly shrinkSteps: readonly string[];
}

export interface HuntResult {
  readonly schedulesRun: number;
  /**
   * How many of the first indexes of the stride (0, 1, …; a shard's I, I+K, …) all ran:
   * up to and with the finding, or, with none, every one run (the pool runs a gapless
   * prefix, pool.ts). With a finding, schedulesRun may be more: higher ones that finished.
   */
  readonly prefixRun: number;
  readonly searchMs: number;
  readonly finding: HuntFinding | undefined;
}

export { drawSchedule, scheduleRunSeed, type ScenarioJson } from './draw.ts';
export type { Finding } from './run-schedule.ts';
export { MAX_SHRINK_RUNS };

/**
 * @example const { finding } = await hunt({ seed: 1, schedules: 200, flaws: new Set(['commit-on-2f']) });
 */
export async function hunt(options: HuntOptions): Promise<HuntResult> {
  const startedMs = performance.now();
  const schedules = options.schedules ?? Number.MAX_SAFE_INTEGER;
  const deadlineMs = options.budgetMs === undefined ? Infinity : startedMs + options.budgetMs;
  const onDone = (done: number) => options.onProgress?.(done, performance.now() - startedMs);
  const workers = options.workers ?? defaultHuntWorkers();
  const { shard } = options;
  if (shard !== undefined && !(Number.isSafeInteger(shard.index) && Number.isSafeInteger(shard.count) && shard.index >= 0 && shard.index < shard.count)) {
    throw new RangeError(`hunt: shard needs whole numbers 0 ≤ index < count, got ${shard.index}/${shard.count}`);
  }
  const stride: Stride = shard === undefined ? { first: 0, step: 1 } : { first: shard.index, step: shard.count };
  const search: SearchResult =
    workers === 0
      ? await searchHere(options, schedules, stride, deadlineMs, onDone)
      : await searchInWorkers({ huntSeed: options.seed, n: options.n, flaws: [...(options.flaws ?? [])] }, { schedules, stride, deadlineMs, workers, onDone });
  const searchMs = performance.now() - startedMs;
  if (search.failed === undefined) return { schedulesRun: search.done, prefixRun: search.done, searchMs, finding: undefined };
  const { index, findings } = search.failed;
  const drawn = drawOf(options, index);
  const runSeed = scheduleRunSeed(options.seed, index);
  const found = findings[0]!;
  const shrunk = options.shrink === false || found.property === 'exception' ? undefined : await shrinkSchedule(drawn, runSeed, found, options.flaws, options.maxShrinkRuns);
  const scenario = shrunk === undefined ? drawn : tidy(shrunk.scenario);
  return {
    schedulesRun: search.done,
    prefixRun: (index - stride.first) / stride.step + 1,
    searchMs,
    finding: { index, runSeed, found, drawn, scenario, finding: shrunk?.finding ?? found, shrinkSteps: shrunk?.steps ?? [] },
  };
}

/** What only code sets (benches and tests, never the command line): a protocol broken on purpose, shrinking off or bounded. */
export type HuntExtras = Pick<HuntOptions, 'flaws' | 'shrink' | 'maxShrinkRuns'>;

/**
 * For a hunt on a protocol broken on purpose, the replay check that runs the written schedule
 * on that broken protocol (`pancydb sim` runs only the protocol as specified); undefined otherwise.
 */
export function brokenProtocolReplay(extras: HuntExtras): ((text: string, runSeed: number, property: Finding['property']) => Promise<boolean>) | undefined {
  const { flaws } = extras;
  return flaws === undefined ? undefined : async (text, runSeed, property) => await replayFires(text, runSeed, property, flaws);
}

/** Whether `text`, a written schedule, still breaks `property` on `runSeed`: the check before a replay command is printed. */
export async function replayFires(text: string, runSeed: number, property: Finding['property'], flaws?: ReadonlySet<ProtocolFlaw>): Promise<boolean> {
  const findings = await runSchedule(JSON.parse(text) as ScenarioJson, runSeed, flaws);
  return findings.some((finding) => finding.property === property);
}

/** Without the network fields the shrinker zeroed or emptied: the defaults they equal, so the file reads shorter and runs the same. */
function tidy(scenario: ScenarioJson): ScenarioJson {
  const network = scenario['network'] as Record<string, unknown> | undefined;
  if (network === undefined) return scenario;
  const kept = Object.entries(network).filter(([, value]) => value !== 0 && !(Array.isArray(value) && value.length === 0));
  return { ...scenario, network: Object.fromEntries(kept) };
}

function drawOf(options: HuntOptions, index: number): ScenarioJson {
  return drawSchedule(options.seed, index, options.n === undefined ? {} : { n: options.n });
}

/** The search in this thread, one schedule after another. */
async function searchHere(options: HuntOptions, schedules: number, stride: Stride, deadlineMs: number, onDone: (done: number) => void): Promise<SearchResult> {
  let done = 0;
  for (let index = stride.first; index < schedules && performance.now() < deadlineMs; index += stride.step) {
    let findings: Finding[];
    try {
      findings = await runSchedule(drawOf(options, index), scheduleRunSeed(options.seed, index), options.flaws);
    } catch (error) {
      findings = [{ property: 'exception', detail: error instanceof Error ? (error.stack ?? error.message) : String(error) }];
    }
    onDone(++done);
    if (findings.length > 0) return { done, failed: { index, findings } };
  }
  return { done, failed: undefined };
}
