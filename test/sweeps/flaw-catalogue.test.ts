// The catalogue of broken PBFT variants for `pancydb hunt` (issue 12): each flaw of
// src/core/flaws.ts that is observable with at most f faulty replicas is caught here by a
// real checker, on a fault setup built from what a randomized search draws from (loss,
// duplicates, slow links, partitions, a shipped adversary, or a Byzantine replica telling
// one plain lie, test/sweeps/flaw-adversaries.ts), never a schedule written for the flaw.
// Within a fixed seed budget the broken protocol must fire the property, and on the very
// same seeds the protocol as the paper gives it must pass every checker.
// Two need a schedule written out, each in its own file: restart-estimate-on-2f
// (test/unit/flaw-restart-estimate.test.ts) and p-not-latest (test/unit/flaw-p-not-latest.test.ts).
// new-view-author-not-checked is not observable with at most f faulty replicas
// (src/core/flaws.ts says why).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import twin from '../../adversaries/twin.ts';
import silent from '../../adversaries/silent.ts';
import type { FaultySpec } from '../../src/adversary/host.ts';
import type { Property } from '../../src/check/violation.ts';
import { NOT_OBSERVABLE_FLAWS, PROTOCOL_FLAWS, type ProtocolFlaw } from '../../src/core/flaws.ts';
import { DEFAULT_NETWORK, type NetworkOptions, type SlowLink } from '../../src/sim/network.ts';
import { lockseqWorkloadOf } from '../../src/sim/profiles.ts';
import { runSeed, type RunOptions } from '../../src/sim/run.ts';
import { BROKEN_PROTOCOL_CATCHES } from '../support/scenario-sweep.ts';
import { clientTableLiar, oEquivocator, stableCheckpointLiar, stateProofTrimmer } from './flaw-adversaries.ts';

interface CatalogueCase {
  readonly flaw: ProtocolFlaw;
  readonly property: Property;
  /** The fault setup, in words (the test's name). */
  readonly setup: string;
  /** Seeds 1..budget: some seed must fire `property` with the flaw, and none may fail without it. */
  readonly budget: number;
  run(seed: number): RunOptions;
}

/** n = 4, 3 lockseq clients (`ci` sizes) for `workMs`, then time to settle. */
function run(seed: number, overrides: Partial<Omit<RunOptions, 'network'>> & { readonly workMs?: number; readonly network?: Partial<NetworkOptions> } = {}): RunOptions {
  const { workMs = 4_000, network, ...rest } = overrides;
  return { seed, n: 4, durationMs: workMs + 2_000, workloadDurationMs: workMs, workload: lockseqWorkloadOf('ci', 3), ...rest, network: { ...DEFAULT_NETWORK, ...network } };
}

const faultyAt = (id: number, spec: FaultySpec) => new Map<number, FaultySpec>([[id, spec]]);
/** Checkpoints every 4 batches (L = 8), so that short runs make many stable checkpoints. */
const OFTEN = { checkpointInterval: 4, logWindow: 8 };
/** Every replica-to-replica message `delayMs` late (one slow link into each replica). */
const slowEverywhere = (delayMs: number): SlowLink[] => [0, 1, 2, 3].map((id) => ({ fromMs: 0, untilMs: Infinity, to: [id], delayMs }));

const CASES: readonly CatalogueCase[] = [
  {
    flaw: 'execute-out-of-order',
    property: 'state-agreement',
    setup: '1% loss, 1% duplicates, 2 ms jitter, no faulty replica',
    budget: 2,
    run: (seed) => run(seed, { network: { loss: 0.01, duplicate: 0.01, jitterMs: 2 } }),
  },
  {
    flaw: 'votes-counted-per-message',
    property: 'agreement',
    setup: 'n = 7: replicas 0 and 1 run as twins (shipped twin adversary), 10% duplicates',
    budget: 2,
    run: (seed) => run(seed, { n: 7, workMs: 4_000, faulty: new Map([[0, { definition: twin, options: {} }], [1, { definition: twin, options: {} }]]), network: { duplicate: 0.1, reorder: 0.05, jitterMs: 1 } }),
  },
  {
    flaw: 'checkpoint-stable-on-2f',
    property: 'liveness',
    setup: 'the primary silent from 2 s (shipped silent adversary), checkpoints every 4 batches',
    budget: 2,
    run: (seed) => run(seed, { parameters: OFTEN, faulty: faultyAt(0, { definition: silent, options: { fromS: 2 } }), liveness: { liveAfterMs: 0, completeWithinMs: 3_000 } }),
  },
  {
    flaw: 'checkpoint-proof-not-checked',
    property: 'liveness',
    setup: 'replica 3 names a stable checkpoint L beyond its own in VIEW-CHANGE; the primary cut off from 1.5 s to 3 s',
    budget: 3,
    run: (seed) =>
      run(seed, {
        workMs: 6_000,
        parameters: OFTEN,
        faulty: faultyAt(3, { definition: stableCheckpointLiar, options: {} }),
        network: { partitions: [{ fromMs: 1_500, untilMs: 3_000, groups: [[0], [1, 2, 3]] }] },
        liveness: { liveAfterMs: 0, completeWithinMs: 2_500 },
      }),
  },
  {
    flaw: 'client-table-not-in-checkpoint',
    property: 'state-agreement',
    setup: "replica 2's STATE carries raised client timestamps; replica 3 cut off from 1 s to 2.5 s, 5 ms jitter",
    budget: 3,
    run: (seed) =>
      run(seed, {
        parameters: OFTEN,
        faulty: faultyAt(2, { definition: clientTableLiar, options: {} }),
        network: { jitterMs: 5, partitions: [{ fromMs: 1_000, untilMs: 2_500, groups: [[3], [0, 1, 2]] }] },
      }),
  },
  {
    flaw: 'state-proof-on-f-plus-1',
    property: 'liveness',
    setup: "replica 0's STATE carries f+1 CHECKPOINTs of its proof, and it falls silent at 3.1 s; replica 3 cut off from 1 s to 2.5 s",
    budget: 2,
    run: (seed) =>
      run(seed, {
        workMs: 5_000,
        parameters: OFTEN,
        faulty: faultyAt(0, { definition: stateProofTrimmer, options: {} }),
        network: { jitterMs: 5, partitions: [{ fromMs: 1_000, untilMs: 2_500, groups: [[3], [0, 1, 2]] }], silences: [{ replica: 0, fromMs: 3_100, untilMs: Infinity }] },
        liveness: { liveAfterMs: 0, completeWithinMs: 3_000 },
      }),
  },
  {
    flaw: 'o-entry-slot-not-held',
    property: 'signed-twice',
    setup: 'replica 1, primary of view 1, pre-prepares each O entry again as the null request; replica 3 cut off from 1 s to 3.1 s, the primary from 2 s to 5 s',
    budget: 2,
    run: (seed) =>
      run(seed, {
        workMs: 5_000,
        faulty: faultyAt(1, { definition: oEquivocator, options: {} }),
        network: {
          jitterMs: 2,
          partitions: [
            { fromMs: 1_000, untilMs: 3_100, groups: [[3], [0, 1, 2]] },
            { fromMs: 2_000, untilMs: 5_000, groups: [[0], [1, 2, 3]] },
          ],
        },
      }),
  },
  {
    flaw: 'view-change-timeout-not-doubled',
    property: 'liveness',
    setup: 'every replica-to-replica message 1.5 s late (T = 1 s), no faulty replica',
    budget: 1,
    run: (seed) => run(seed, { workMs: 20_000, durationMs: 30_000, workload: lockseqWorkloadOf('ci', 2), network: { slowLinks: slowEverywhere(1_500) }, liveness: { liveAfterMs: 0, completeWithinMs: 25_000 } }),
  },
];

describe('the flaw catalogue: each observable flaw is caught with at most f faulty replicas, and the same seeds pass unbroken', () => {
  it.each(CASES.map((entry) => [entry.flaw, entry.property, entry.setup, entry] as const))('%s: %s fires; %s', (flaw, property, _setup, entry) => {
    const fired: number[] = [];
    const falseAlarms: string[] = [];
    for (let seed = 1; seed <= entry.budget; seed++) {
      const options = entry.run(seed);
      expect(options.faulty?.size ?? 0).toBeLessThanOrEqual((options.n - 1) / 3);
      const broken = runSeed({ ...options, flaws: new Set([flaw]) }).report;
      if (broken.violations.some((violation) => violation.property === property)) fired.push(seed);
      for (const violation of runSeed(options).report.violations) falseAlarms.push(`seed ${seed}: ${violation.property}: ${violation.detail}`);
    }
    expect(fired, `${flaw}: ${property} not reported in seeds 1..${entry.budget}`).not.toEqual([]);
    expect(falseAlarms).toEqual([]);
  });
});

/** Flaws caught by a test of their own, and the file that catches each. */
const CAUGHT_ELSEWHERE: Readonly<Record<string, string>> = {
  'restart-estimate-on-2f': 'test/unit/flaw-restart-estimate.test.ts',
  'p-not-latest': 'test/unit/flaw-p-not-latest.test.ts',
  'no-client-table-check': 'test/sweeps/checkers-fire.test.ts',
  'request-signature-not-checked': 'test/sweeps/checkers-fire.test.ts',
  'log-not-garbage-collected': 'test/sweeps/checkers-fire.test.ts',
  'cas-as-put': 'test/sweeps/checkers-fire.test.ts',
  'pre-prepare-overwritten': 'test/sweeps/checkers-fire.test.ts',
};

describe('the catalogue is complete', () => {
  it('PROTOCOL_FLAWS lists every member of the ProtocolFlaw type once', () => {
    const declared = [...readFileSync(new URL('../../src/core/flaws.ts', import.meta.url), 'utf8').matchAll(/^\s*\| '([a-z0-9-]+)'/gm)].map((match) => match[1]);
    expect([...PROTOCOL_FLAWS].sort()).toEqual(declared.sort());
    expect(new Set(PROTOCOL_FLAWS).size).toBe(PROTOCOL_FLAWS.length);
  });

  it.each([...PROTOCOL_FLAWS])('%s is caught by some test, or said to be unobservable', (flaw) => {
    const file = CAUGHT_ELSEWHERE[flaw];
    const where = [
      ...(NOT_OBSERVABLE_FLAWS.includes(flaw) ? ['not observable'] : []),
      ...(CASES.some((entry) => entry.flaw === flaw) ? ['flaw-catalogue'] : []),
      ...(BROKEN_PROTOCOL_CATCHES.some(([caught]) => caught === flaw) ? ['broken-protocols'] : []),
      ...(file !== undefined && readFileSync(new URL(`../../${file}`, import.meta.url), 'utf8').includes(`'${flaw}'`) ? [file] : []),
    ];
    expect(where, `${flaw} is caught nowhere`).toHaveLength(1);
  });
});
