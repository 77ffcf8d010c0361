// Every checker can fail, end to end (issue "The harness cannot pass vacuously"). For each
// property a real simulated run with one deliberately broken rule (src/core/flaws.ts), or
// one fault beyond what PBFT tolerates, must be reported by the real checker pipeline
// (src/sim/run.ts) under that property's name; and the same seeds with the protocol as the
// paper gives it, and the fault within what PBFT tolerates, must pass. A blind checker
// fails the first half; a checker that cries wolf fails the second.
import { describe, expect, it } from 'vitest';
import { defineAdversary, mapSends, type AdversaryOutput } from '../../src/adversary/adversary.ts';
import type { FaultySpec } from '../../src/adversary/host.ts';
import type { Property } from '../../src/check/violation.ts';
import type { ProtocolFlaw } from '../../src/core/flaws.ts';
import type { PrePrepare, Signed } from '../../src/core/messages.ts';
import { loadScenario } from '../../src/scenario/load.ts';
import { scenarioRunOptions } from '../../src/scenario/run-options.ts';
import { DEFAULT_NETWORK } from '../../src/sim/network.ts';
import { lockseqWorkloadOf } from '../../src/sim/profiles.ts';
import { runSeed, type RunOptions } from '../../src/sim/run.ts';
import { SCENARIO_DIR } from '../support/scenario-sweep.ts';

/** What one case runs: the broken run and its sound twin differ only in `flaws` or `broken`. */
interface FiringCase {
  readonly property: Property;
  /** What is broken, in words (the test's name). */
  readonly what: string;
  readonly seeds: readonly number[];
  /** The sound run of a seed. */
  sound(seed: number): Promise<RunOptions> | RunOptions;
  /** The broken run of the same seed. */
  broken(sound: RunOptions): RunOptions;
}

const withFlaw = (flaw: ProtocolFlaw) => (sound: RunOptions): RunOptions => ({ ...sound, flaws: new Set([flaw]) });

/** n = 4, the `ci` lockseq workload of 4 clients for 3 s, 1 s to settle. */
function baseRun(seed: number, overrides: Partial<RunOptions> = {}): RunOptions {
  return { seed, n: 4, durationMs: 4_000, workloadDurationMs: 3_000, workload: lockseqWorkloadOf('ci', 4), network: DEFAULT_NETWORK, ...overrides };
}

async function scenarioRun(file: string, seed: number): Promise<RunOptions> {
  return scenarioRunOptions(await loadScenario(`${SCENARIO_DIR}${file}`), seed);
}

/**
 * A Byzantine primary that proposes every batch twice: the honest PRE-PREPARE, then one
 * for the same (v, n) with the batch reversed (or the null request), to every backup. A
 * correct backup must ignore the second (§4.2); with 'pre-prepare-overwritten' it votes again.
 */
const doubleProposer = defineAdversary({
  name: 'double-proposer',
  faultModel: 'Byzantine primary: a second, different PRE-PREPARE for every (v, n), sent to every backup after the first',
  attacks: 'a backup accepts one PRE-PREPARE per (v, n) (OSDI\'99 §4.2)',
  options: {},
  create(api) {
    const rewrite = (signed: Signed, to: Parameters<Parameters<typeof mapSends>[1]>[1]): AdversaryOutput[] => {
      const first: AdversaryOutput = to === 'all' ? { kind: 'broadcast', signed } : { kind: 'send', to, signed };
      if (signed.message.type !== 'pre-prepare' || to !== 'all') return [first];
      const { view, seq, batch } = (signed as Signed<PrePrepare>).message;
      if (batch.length === 0) return [first];
      const other = api.prePrepare(view, seq, batch.length >= 2 ? [...batch].reverse() : []);
      return [first, { kind: 'broadcast', signed: other, delayMs: 1 }];
    };
    return { step: (input) => mapSends(api.step(input), rewrite) };
  },
});

/**
 * `silent` replicas lose everything they send from 2.6 s of a 6 s run, with liveAfterS 3 and
 * completeWithinS 2: two of n = 4 is beyond f = 1, one is within it. The cluster stops
 * before liveAfterS and every client is stuck in a request it called before then, so no
 * request is called after liveAfterS: the shape that used to pass (the 13 s of 30 s run,
 * scaled down; test/unit/liveness-checker.test.ts has it at full size).
 */
function silencedRun(seed: number, silent: readonly number[]): RunOptions {
  return {
    seed,
    n: 4,
    durationMs: 6_000,
    workload: lockseqWorkloadOf('ci', 2),
    network: { ...DEFAULT_NETWORK, silences: silent.map((replica) => ({ replica, fromMs: 2_600, untilMs: Infinity })) },
    liveness: { liveAfterMs: 3_000, completeWithinMs: 2_000 },
  };
}

const CASES: readonly FiringCase[] = [
  { property: 'agreement', what: 'commit-on-2f, split-brain-commit.json', seeds: [1, 2], sound: (seed) => scenarioRun('split-brain-commit.json', seed), broken: withFlaw('commit-on-2f') },
  { property: 'state-agreement', what: 'no-pre-prepare-digest-check, split-brain-digest.json', seeds: [1, 2], sound: (seed) => scenarioRun('split-brain-digest.json', seed), broken: withFlaw('no-pre-prepare-digest-check') },
  { property: 'reply-integrity', what: 'reply-on-f, forge-replies.json', seeds: [1, 2], sound: (seed) => scenarioRun('forge-replies.json', seed), broken: withFlaw('reply-on-f') },
  {
    property: 'exactly-once',
    what: 'no-client-table-check, a Byzantine client replaying executed requests',
    seeds: [1, 2],
    sound: (seed) => baseRun(seed, { byzantineClients: { count: 1, kinds: ['replay'], ratePerS: 20 } }),
    broken: withFlaw('no-client-table-check'),
  },
  {
    property: 'validity',
    what: 'request-signature-not-checked, a Byzantine client flooding badly signed requests',
    seeds: [1, 2],
    sound: (seed) => baseRun(seed, { byzantineClients: { count: 1, kinds: ['flood-invalid'], ratePerS: 50 } }),
    broken: withFlaw('request-signature-not-checked'),
  },
  {
    property: 'lockseq',
    what: 'cas-as-put: two clients take one lock, 6 clients on 2 lock groups',
    seeds: [1, 2],
    sound: (seed) => baseRun(seed, { workload: { kind: 'lockseq', clients: 6, maxSequenceLength: 10, groups: 2 } }),
    broken: withFlaw('cas-as-put'),
  },
  {
    property: 'linearizability',
    what: 'cas-as-put: a cas succeeds against another value, random workload on 2 keys',
    seeds: [1, 2],
    sound: (seed) => baseRun(seed, { workload: { kind: 'random', clients: 3, keys: 2, mix: { get: 2, put: 1, cas: 3, remove: 1 } } }),
    broken: withFlaw('cas-as-put'),
  },
  {
    property: 'memory-bound',
    what: 'log-not-garbage-collected, checkpoints every 8 batches, L = 16',
    seeds: [1, 2],
    sound: (seed) => baseRun(seed, { parameters: { checkpointInterval: 8, logWindow: 16 } }),
    broken: withFlaw('log-not-garbage-collected'),
  },
  {
    property: 'liveness',
    what: 'two of n = 4 replicas silent from 2.6 s, liveAfterS 3 (one silent replica passes)',
    seeds: [1, 2],
    sound: (seed) => silencedRun(seed, [1]),
    broken: (sound) => silencedRun(sound.seed, [0, 1]),
  },
  {
    property: 'signed-twice',
    what: 'pre-prepare-overwritten, a primary proposing every (v, n) twice',
    seeds: [1, 2],
    sound: (seed) => baseRun(seed, { faulty: new Map<number, FaultySpec>([[0, { definition: doubleProposer, options: {} }]]) }),
    broken: withFlaw('pre-prepare-overwritten'),
  },
];

describe('each checker fires on a real run that breaks its property, and passes the same seeds unbroken', () => {
  it.each(CASES.map((firing) => [firing.property, firing.what, firing] as const))('%s: %s', async (property, _what, firing) => {
    const missed: string[] = [];
    const falseAlarms: string[] = [];
    for (const seed of firing.seeds) {
      const sound = await firing.sound(seed);
      const broken = runSeed(firing.broken(sound)).report;
      const properties = broken.violations.map((violation) => violation.property);
      if (!properties.includes(property)) missed.push(`seed ${seed}: got [${[...new Set(properties)].join(', ')}]`);
      for (const violation of runSeed(sound).report.violations) falseAlarms.push(`seed ${seed}: ${violation.property}: ${violation.detail}`);
    }
    expect(missed, `${property} not reported`).toEqual([]);
    expect(falseAlarms).toEqual([]);
  });
});
