// A sequential specification for the WGL search (wgl.ts), in the style of Porcupine's
// Model: the object's states, and for each operation whether an (input, output) pair
// is a legal step from a state and which state follows.
//
// Unknown outcome: step(state, input, undefined) is asked only for operations whose
// client never learned the result. It must return ok: true with the state the system
// would be in had the operation executed there (a write whose precondition fails has
// no effect). "Never executed at all" needs no model support: the search may leave
// such an operation out. Models must be deterministic: when a known output is legal,
// the state that follows is the one step(state, input, undefined) gives. Shrinking an
// offending set (wgl-explain.ts) relies on it.
import type { History, HistoryOperation } from './history.ts';

export interface StepResult<State> {
  readonly ok: boolean;
  readonly state: State;
}

export interface Model<State, Input, Output> {
  readonly name: string;
  init(): State;
  step(state: State, input: Input, output: Output | undefined): StepResult<State>;
  /**
   * Operations that never change the state. One with an unknown outcome tells nothing
   * and constrains nothing, so the checker drops it before searching.
   */
  isReadOnly?(input: Input): boolean;
  /**
   * Independent sub-histories (P-compositionality, Horn & Kroening, FORTE 2015): the
   * history is linearizable iff every part is. Only sound when the parts share no state.
   */
  partition?(history: History<Input, Output>): History<Input, Output>[];
  /** Equal states must hash equally; the search memoizes (linearized set, state) pairs. */
  hash(state: State): number;
  equal(a: State, b: State): boolean;
  describeOperation?(input: Input, output: Output | undefined): string;
  describeState?(state: State): string;
}

/** A read whose outcome is unknown neither changed nor revealed anything: leave it out. */
export function dropUnknownReads<S, I, O>(history: History<I, O>, model: Model<S, I, O>): HistoryOperation<I, O>[] {
  const isReadOnly = model.isReadOnly;
  if (isReadOnly === undefined) return [...history];
  return history.filter((operation) => operation.returnMs !== undefined || !isReadOnly.call(model, operation.input));
}
