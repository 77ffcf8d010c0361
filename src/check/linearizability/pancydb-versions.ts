// The Pancydb version checker: linearizability of a Pancydb client history in about
// O(n log n), for runs far too long for the general search (wgl.ts).
//
// Pancydb hands out versions from one database-wide counter, one per successful
// write, so every successful put and cas carries its own position in the total order
// of writes. The checker trusts nothing else: it
//   1. rejects outputs Pancydb can return in no state at all (pancydb-outputs.ts);
//   2. checks (i) unique versions and (ii) real-time order of versions
//      (pancydb-write-order.ts);
//   3. checks (iii) and (iv) wherever an output names a version: that version was
//      written to that key with that value, was current at some instant of the
//      operation's interval, and was replaced once, by whatever reports it as its
//      previousVersion (pancydb-references.ts);
//   4. then, if all that holds, decides exactly with a sweep that builds a
//      linearization (pancydb-sweep.ts): it also covers what has no witness, namely
//      reads of absent keys and which gap version each remove took.
// Steps 1-3 are sound, each violation is real and names few operations; step 4 is
// sound and complete, and agrees with the WGL search on the pancydb model (the
// property test in test/property/linearizability-pancydb.property.test.ts).
//
// Removes: a successful remove consumes a version but reports version 0 and the
// version it removed (previousVersion). Its version is therefore one of the gaps, the
// versions no successful put or cas reported; previousVersion ties it into its key's
// chain (after the write it undid, before the next write to the key, which must report
// previousVersion 0). The sweep chooses which gap each remove took.
//
// Unknown outcomes: a get of unknown outcome is dropped; a put, cas or remove of
// unknown outcome may fill a gap (at any instant after its call, if its precondition
// holds there) or never take effect. A version some output names that no successful
// put/cas reported must have been taken by such a write, to that key with that value.
import { assertWellFormedHistory } from './history.ts';
import { classify } from './pancydb-classify.ts';
import { impossibleOutput } from './pancydb-outputs.ts';
import { checkReferences } from './pancydb-references.ts';
import { sweepVersions } from './pancydb-sweep.ts';
import { describePancydbOperation, violation, type PancydbHistory, type PancydbViolation } from './pancydb-violation.ts';
import { checkWriteOrder } from './pancydb-write-order.ts';

export interface PancydbVersionCheckOptions {
  /** Sweep steps before giving up with 'unknown'; default 50 million (about 1 s a million). */
  readonly stepBudget?: number;
  /** Violations reported at most; default 20. */
  readonly maxViolations?: number;
}

export interface PancydbVersionCheckResult {
  readonly verdict: 'linearizable' | 'not-linearizable' | 'unknown';
  /** Empty unless 'not-linearizable'; each names the operations involved. */
  readonly violations: readonly PancydbViolation[];
  readonly steps: number;
}

const DEFAULT_STEP_BUDGET = 50_000_000;
const DEFAULT_MAX_VIOLATIONS = 20;

/**
 * @example
 * const result = checkPancydbVersions(cluster.history.operations);
 * if (result.verdict === 'not-linearizable') for (const v of result.violations) console.log(v.kind, v.detail);
 */
export function checkPancydbVersions(history: PancydbHistory, options: PancydbVersionCheckOptions = {}): PancydbVersionCheckResult {
  assertWellFormedHistory(history, 'checkPancydbVersions: history');
  const stepBudget = options.stepBudget ?? DEFAULT_STEP_BUDGET;
  const maxViolations = options.maxViolations ?? DEFAULT_MAX_VIOLATIONS;
  if (!(stepBudget > 0)) throw new Error(`checkPancydbVersions: options.stepBudget must be positive, got ${stepBudget}`);
  if (!(maxViolations >= 1)) throw new Error(`checkPancydbVersions: options.maxViolations must be >= 1, got ${maxViolations}`);
  const report = (violations: PancydbViolation[], steps: number): PancydbVersionCheckResult => ({
    verdict: 'not-linearizable',
    violations: violations.slice(0, maxViolations),
    steps,
  });

  const malformed: PancydbViolation[] = [];
  for (const operation of history) {
    const problem = operation.output === undefined ? undefined : impossibleOutput(operation.input, operation.output);
    if (problem !== undefined) malformed.push(violation('impossible-output', `${describePancydbOperation(operation)}: ${problem}`, [operation]));
  }
  if (malformed.length > 0) return report(malformed, history.length);

  const classified = classify(history);
  const versionedWrites = classified.operations.filter((_, index) => classified.roles[index] === 'versioned');
  const witnessed = [...checkWriteOrder(versionedWrites), ...checkReferences(classified)];
  if (witnessed.length > 0) return report(witnessed, history.length);

  const sweep = sweepVersions(classified, stepBudget);
  if (sweep.verdict === 'not-linearizable') return report([sweep.violation!], sweep.steps);
  return { verdict: sweep.verdict, violations: [], steps: sweep.steps };
}
