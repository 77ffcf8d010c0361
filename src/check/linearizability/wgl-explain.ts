// Why a history is not linearizable, as a small set of operations.
//
// The search's deepest partial linearization stops at a stuck operation: the first
// (by return time) that no extension could linearize. The offending set starts as the
// operations around it and is then shrunk greedily by a monotone relaxation: forget
// one operation's outcome (it may then have happened at any time after its call, or
// never). Any linearization of the original is one of the relaxed history, so a
// relaxed history that is still not linearizable proves the original is not; what
// remains is a set of known outcomes that cannot all hold, each one needed.
//
// Shrinking starts from a window: of the operations called before the stuck one
// returned, the WINDOW_SIZE that return last, every older outcome forgotten at once
// (shrinking a whole long history one by one would cost a search each); when that
// window alone does not show the violation (within budget), the answer is the stuck
// operation, the operations concurrent with it, and the last ones linearized before it.
import { concurrent, withUnknownOutcome, type HistoryOperation } from './history.ts';
import { dropUnknownReads, type Model } from './model.ts';
import { searchLinearization, type SearchOutcome } from './wgl-search.ts';

export interface Explanation<I, O> {
  readonly offending: readonly HistoryOperation<I, O>[];
  readonly minimal: boolean;
  readonly detail: string;
}

const WINDOW_SIZE = 24;
const CONTEXT_LINEARIZED = 2;

export function explainViolation<S, I, O>(
  operations: readonly HistoryOperation<I, O>[],
  model: Model<S, I, O>,
  outcome: SearchOutcome,
  trialStepBudget: number,
): Explanation<I, O> {
  const deepest = new Set(outcome.deepest.map((index) => operations[index]!.id));
  const stuck = firstStuck(operations, deepest);
  const describe = (operation: HistoryOperation<I, O>): string => describeOperation(model, operation);
  const header = `${model.name}: not linearizable; ${outcome.deepest.length} operations linearize, then ${describe(stuck)} cannot`;
  const shrunk = trialStepBudget > 0 ? shrink(operations, model, stuck, trialStepBudget) : undefined;
  if (shrunk !== undefined) {
    const { offending, minimal } = shrunk;
    return { offending, minimal, detail: `${header}; these cannot all hold: ${offending.map(describe).join(', ')}` };
  }
  const lastLinearized = outcome.deepest.slice(-CONTEXT_LINEARIZED).map((index) => operations[index]!);
  const around = operations.filter((operation) => operation === stuck || concurrent(operation, stuck) || lastLinearized.includes(operation));
  return { offending: around, minimal: false, detail: `${header}; around it: ${around.map(describe).join(', ')}` };
}

function firstStuck<I, O>(operations: readonly HistoryOperation<I, O>[], linearized: ReadonlySet<number>): HistoryOperation<I, O> {
  let stuck: HistoryOperation<I, O> | undefined;
  for (const operation of operations) {
    if (operation.returnMs === undefined || linearized.has(operation.id)) continue;
    if (stuck === undefined || operation.returnMs < stuck.returnMs!) stuck = operation;
  }
  if (stuck === undefined) throw new Error('explainViolation: no stuck operation in a history reported not linearizable');
  return stuck;
}

/**
 * The shrunk offending set, or undefined when the window alone does not show the
 * violation. Minimal unless some trial ran out of steps (its operation was kept).
 */
function shrink<S, I, O>(
  operations: readonly HistoryOperation<I, O>[],
  model: Model<S, I, O>,
  stuck: HistoryOperation<I, O>,
  trialStepBudget: number,
): { offending: HistoryOperation<I, O>[]; minimal: boolean } | undefined {
  const stuckReturnMs = stuck.returnMs!;
  const window = operations
    .filter((operation) => operation.returnMs !== undefined && operation.callMs <= stuckReturnMs)
    .sort((a, b) => b.returnMs! - a.returnMs! || b.callMs - a.callMs)
    .slice(0, WINDOW_SIZE);
  const kept = new Set(window.map((operation) => operation.id));
  kept.add(stuck.id);
  let minimal = true;
  const stillViolated = (): boolean => {
    const relaxed = operations.map((operation) => (kept.has(operation.id) ? operation : withUnknownOutcome(operation)));
    const verdict = searchLinearization(dropUnknownReads(relaxed, model), model, trialStepBudget).verdict;
    if (verdict === 'unknown') minimal = false;
    return verdict === 'not-linearizable';
  };
  if (!stillViolated()) return undefined;
  minimal = true;
  // Oldest first: operations far from the stuck one are the likeliest to be irrelevant.
  for (const candidate of [...window].reverse()) {
    kept.delete(candidate.id);
    if (!stillViolated()) kept.add(candidate.id);
  }
  return { offending: operations.filter((operation) => kept.has(operation.id)), minimal };
}

function describeOperation<S, I, O>(model: Model<S, I, O>, operation: HistoryOperation<I, O>): string {
  const what = model.describeOperation?.(operation.input, operation.output) ?? JSON.stringify([operation.input, operation.output]);
  const returned = operation.returnMs === undefined ? '?' : String(operation.returnMs);
  return `#${operation.id} c${operation.client} ${what} [${operation.callMs}, ${returned}]`;
}
