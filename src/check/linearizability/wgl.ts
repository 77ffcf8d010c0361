// The general linearizability checker: WGL search (wgl-search.ts) over each
// independent part of a history (model.partition), with a step budget so that a
// pathological history yields 'unknown' instead of running forever, and a small
// offending set when the answer is no (wgl-explain.ts).
import { assertWellFormedHistory, type History, type HistoryOperation } from './history.ts';
import { dropUnknownReads, type Model } from './model.ts';
import { explainViolation } from './wgl-explain.ts';
import { searchLinearization, type SearchVerdict } from './wgl-search.ts';

export interface LinearizabilityOptions {
  /** Total model steps over all parts before giving up with 'unknown'; default 10 million. */
  readonly stepBudget?: number;
  /** Steps per trial when shrinking the offending set; default 50 000. 0 skips shrinking. */
  readonly explainStepBudget?: number;
}

export interface LinearizabilityResult<I, O> {
  readonly verdict: SearchVerdict;
  /** Model steps spent deciding (not counting the shrinking of the offending set). */
  readonly steps: number;
  readonly partitions: number;
  /**
   * For 'not-linearizable': operations whose known outcomes cannot all hold together.
   * When `minimal`, treating any one of them as of unknown outcome makes the rest
   * linearizable; otherwise it is the stuck operation and the operations around it.
   */
  readonly offending: readonly HistoryOperation<I, O>[];
  readonly minimal: boolean;
  readonly detail: string;
}

const DEFAULT_STEP_BUDGET = 10_000_000;
const DEFAULT_EXPLAIN_STEP_BUDGET = 50_000;
const FIRST_ROUND_STEPS = 20_000;
const ROUND_GROWTH = 4;

/**
 * @example
 * const result = checkLinearizability(history, etcdRegisterModel);
 * if (result.verdict === 'not-linearizable') console.log(result.detail);
 */
export function checkLinearizability<S, I, O>(
  history: History<I, O>,
  model: Model<S, I, O>,
  options: LinearizabilityOptions = {},
): LinearizabilityResult<I, O> {
  assertWellFormedHistory(history, 'checkLinearizability: history');
  const stepBudget = options.stepBudget ?? DEFAULT_STEP_BUDGET;
  const explainStepBudget = options.explainStepBudget ?? DEFAULT_EXPLAIN_STEP_BUDGET;
  if (!(stepBudget > 0)) throw new Error(`checkLinearizability: options.stepBudget must be positive, got ${stepBudget}`);
  if (!(explainStepBudget >= 0)) throw new Error(`checkLinearizability: options.explainStepBudget must be >= 0, got ${explainStepBudget}`);
  const relevant = dropUnknownReads(history, model);
  const parts = model.partition?.(relevant) ?? [relevant];
  // Parts are searched round-robin with a budget that grows each round, as Porcupine
  // runs them in parallel: one part that fails quickly must not wait behind a hard
  // part that is linearizable (or hard to refute). A retried search restarts; the
  // budget quadruples, so restarts cost at most a third more.
  let pending = parts;
  let roundBudget = FIRST_ROUND_STEPS;
  let steps = 0;
  while (pending.length > 0 && steps < stepBudget) {
    const undecided: typeof parts = [];
    for (const part of pending) {
      const outcome = searchLinearization(part, model, Math.min(roundBudget, stepBudget - steps));
      steps += outcome.steps;
      if (outcome.verdict === 'not-linearizable') {
        const explanation = explainViolation(part, model, outcome, explainStepBudget);
        return { verdict: 'not-linearizable', steps, partitions: parts.length, ...explanation };
      }
      if (outcome.verdict === 'unknown') undecided.push(part);
    }
    pending = undecided;
    roundBudget *= ROUND_GROWTH;
  }
  const exhausted = pending.length > 0;
  const verdict = exhausted ? 'unknown' : 'linearizable';
  const detail = verdict === 'unknown' ? `step budget of ${stepBudget} exhausted` : `${model.name}: linearizable`;
  return { verdict, steps, partitions: parts.length, offending: [], minimal: false, detail };
}
