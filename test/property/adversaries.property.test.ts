// Safety under any mix of at most f Byzantine replicas (OSDI'99 §2, §4): fast-check picks
// the seed, which replicas are faulty, which built-in adversary each runs, and the
// network's loss, jitter, duplication and reordering. Whatever it picks, the correct
// replicas agree, execute each request once, and clients see a linearizable history.
// Liveness is not claimed here: a random pick may leave too few correct replicas talking.
import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { AdversaryDefinition } from '../../src/adversary/adversary.ts';
import type { FaultySpec } from '../../src/adversary/host.ts';
import { DEFAULT_NETWORK } from '../../src/sim/network.ts';
import { lockseqWorkloadOf } from '../../src/sim/profiles.ts';
import { runSeed } from '../../src/sim/run.ts';

const ADVERSARY_DIR = new URL('../../adversaries/', import.meta.url);
const names = readdirSync(ADVERSARY_DIR).filter((file) => file.endsWith('.ts')).map((file) => file.slice(0, -3)).sort();
const definitions = new Map<string, AdversaryDefinition>();
for (const name of names) {
  definitions.set(name, ((await import(new URL(`${name}.ts`, ADVERSARY_DIR).href)) as { default: AdversaryDefinition }).default);
}

const pick = fc.record({
  seed: fc.integer({ min: 1, max: 1_000_000 }),
  n: fc.constantFrom(4, 4, 7),
  faulty: fc.array(fc.constantFrom(...names), { minLength: 1, maxLength: 2 }),
  ids: fc.shuffledSubarray([0, 1, 2, 3, 4, 5, 6]),
  loss: fc.constantFrom(0, 0, 0.02, 0.1),
  jitterMs: fc.integer({ min: 0, max: 3 }),
  duplicate: fc.constantFrom(0, 0.02),
  reorder: fc.constantFrom(0, 0.05),
});

describe('any at most f built-in adversaries, any network', () => {
  it('built-ins found', () => {
    expect(names).toContain('silent');
    expect(names.length).toBeGreaterThanOrEqual(2);
  });

  it('safety always holds (fast-check over seed, faulty set, adversary kinds, network)', () => {
    fc.assert(
      fc.property(pick, (choice) => {
        const f = (choice.n - 1) / 3;
        const ids = choice.ids.filter((id) => id < choice.n).slice(0, f);
        const faulty = new Map<number, FaultySpec>(ids.map((id, index) => [id, { definition: definitions.get(choice.faulty[index % choice.faulty.length]!)!, options: {} }]));
        const { report } = runSeed({
          seed: choice.seed,
          n: choice.n,
          durationMs: 3000,
          workload: lockseqWorkloadOf('ci', 3),
          network: { ...DEFAULT_NETWORK, loss: choice.loss, jitterMs: choice.jitterMs, duplicate: choice.duplicate, reorder: choice.reorder },
          faulty,
        });
        const described = [...faulty].map(([id, spec]) => `${id}:${spec.definition.name}`).join(' ');
        expect(report.violations, `seed ${choice.seed} n=${choice.n} faulty ${described}`).toEqual([]);
      }),
      { numRuns: 30, seed: 20261124 },
    );
  });
});
