// The two linearizability checkers against each other, on small random concurrent
// Pancydb histories: the version checker (pancydb-versions.ts) and the WGL search
// with the pancydb model (wgl.ts + model-pancydb.ts) must give the same verdict.
// Histories come from running a random interleaving against the real store, so they
// are linearizable by construction; corrupted copies (a changed value, version or
// status, two versions swapped, an interval moved so real-time order changes) are
// usually not. Some operations have unknown outcomes: lost, or run late. fast-check
// prints the seed and the shrunk plan of any disagreement.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { withUnknownOutcome, type HistoryOperation } from '../../src/check/linearizability/history.ts';
import { pancydbModel } from '../../src/check/linearizability/model-pancydb.ts';
import { buildPancydbHistory, type PlannedOperation } from '../../src/check/linearizability/pancydb-history-fixture.ts';
import { checkPancydbVersions } from '../../src/check/linearizability/pancydb-versions.ts';
import { checkLinearizability } from '../../src/check/linearizability/wgl.ts';
import type { Operation, OperationResult } from '../../src/core/operations.ts';

type Op = HistoryOperation<Operation, OperationResult>;

const RUNS = 200;

// ---- Plans: few keys, values and versions, so collisions are the rule. ----
const key = fc.constantFrom('a', 'b');
const value = fc.constantFrom('x', 'y', '');
const versionMatch = fc.option(fc.constantFrom(-1, 0, 1, 2, 3), { nil: undefined });
const matching = <T extends object>(operation: T, match: number | undefined): T => (match === undefined ? operation : { ...operation, versionMatch: match });
const operation: fc.Arbitrary<Operation> = fc.oneof(
  key.map((k): Operation => ({ type: 'get', key: k })),
  fc.tuple(key, value, versionMatch).map(([k, v, m]): Operation => matching({ type: 'put', key: k, value: v }, m)),
  fc.tuple(key, value, value, versionMatch).map(([k, e, d, m]): Operation => matching({ type: 'cas', key: k, expected: e, desired: d }, m)),
  fc.tuple(key, versionMatch).map(([k, m]): Operation => matching({ type: 'remove', key: k }, m)),
);
const planned: fc.Arbitrary<PlannedOperation> = fc.record({
  client: fc.integer({ min: 0, max: 3 }),
  operation,
  thinkMs: fc.integer({ min: 0, max: 6 }),
  durationMs: fc.integer({ min: 0, max: 12 }),
  pointFraction: fc.double({ min: 0, max: 1, noNaN: true }),
  outcome: fc.constantFrom<PlannedOperation['outcome']>('known', 'known', 'known', 'known', 'known', 'lost', 'late'),
});
const plan = fc.array(planned, { minLength: 1, maxLength: 12 });

// ---- Corruptions of a history's known outcomes. ----
interface Corruption {
  readonly kind: 'value' | 'version' | 'status' | 'swap-versions' | 'previous-version' | 'shift';
  readonly target: number;
  readonly other: number;
  readonly delta: number;
}
const corruption: fc.Arbitrary<Corruption> = fc.record({
  kind: fc.constantFrom<Corruption['kind']>('value', 'version', 'status', 'swap-versions', 'previous-version', 'shift'),
  target: fc.nat(),
  other: fc.nat(),
  delta: fc.integer({ min: -2, max: 2 }),
});

function corrupt(history: Op[], { kind, target, other, delta }: Corruption): Op[] {
  const known = history.filter((entry) => entry.output !== undefined);
  const victim = known[target % Math.max(1, known.length)];
  const partner = known[other % Math.max(1, known.length)];
  if (victim === undefined || partner === undefined) return history;
  const output = victim.output!;
  const replaced = (patch: Partial<Op>, also?: [Op, Partial<Op>]): Op[] =>
    history.map((entry) => (entry === victim ? { ...entry, ...patch } : entry === also?.[0] ? { ...entry, ...also[1] } : entry));
  const step = delta === 0 ? 1 : delta;
  switch (kind) {
    case 'value':
      return replaced({ output: 'actual' in output ? { ...output, actual: output.actual === 'x' ? 'y' : 'x' } : { ...output, value: output.value === 'x' ? 'y' : 'x' } });
    case 'version':
      return replaced({ output: { ...output, version: Math.max(0, output.version + step) } });
    case 'previous-version':
      return 'actual' in output ? replaced({ output: { ...output, previousVersion: Math.max(0, output.previousVersion + step) } }) : history;
    case 'status': {
      const statuses = ['ok', 'no_match', 'not_found'] as const;
      return replaced({ output: { ...output, status: statuses[(statuses.indexOf(output.status) + 1 + (delta & 1)) % 3]! } });
    }
    case 'swap-versions':
      return replaced({ output: { ...output, version: partner.output!.version } }, [partner, { output: { ...partner.output!, version: output.version } }]);
    case 'shift': {
      // The victim now returns before the partner is called.
      const returnMs = partner.callMs - 1 - Math.abs(delta);
      return replaced({ callMs: returnMs - (victim.returnMs! - victim.callMs), returnMs });
    }
  }
}

function verdicts(history: Op[]): { versions: string; wgl: string } {
  return { versions: checkPancydbVersions(history).verdict, wgl: checkLinearizability(history, pancydbModel).verdict };
}

describe('Pancydb linearizability: version checker and WGL search agree', () => {
  it('histories from a real interleaving are linearizable to both', () => {
    fc.assert(
      fc.property(plan, (steps) => {
        expect(verdicts(buildPancydbHistory(steps))).toEqual({ versions: 'linearizable', wgl: 'linearizable' });
      }),
      { numRuns: RUNS },
    );
  });

  it('corrupted histories get the same verdict from both', () => {
    let rejected = 0;
    fc.assert(
      fc.property(plan, fc.array(corruption, { minLength: 1, maxLength: 2 }), (steps, corruptions) => {
        const history = corruptions.reduce(corrupt, buildPancydbHistory(steps));
        const { versions, wgl } = verdicts(history);
        expect(versions).not.toBe('unknown');
        expect(versions).toBe(wgl);
        if (versions === 'not-linearizable') rejected += 1;
      }),
      { numRuns: RUNS },
    );
    // The corruptions must actually produce violations, or this property proves little.
    expect(rejected).toBeGreaterThan(RUNS / 4);
  });

  it("WGL's minimal offending set is a violation on its own: forget every other outcome and it still fails", () => {
    fc.assert(
      fc.property(plan, corruption, (steps, damage) => {
        const history = corrupt(buildPancydbHistory(steps), damage);
        const result = checkLinearizability(history, pancydbModel);
        fc.pre(result.verdict === 'not-linearizable' && result.minimal);
        const kept = new Set(result.offending.map((entry) => entry.id));
        const alone = history.map((entry) => (kept.has(entry.id) ? entry : withUnknownOutcome(entry)));
        expect(checkLinearizability(alone, pancydbModel).verdict).toBe('not-linearizable');
        expect(checkPancydbVersions(alone).verdict).toBe('not-linearizable');
      }),
      { numRuns: RUNS },
    );
  });
});
