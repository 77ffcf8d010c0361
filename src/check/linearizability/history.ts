// A concurrent history as clients saw it: each operation with its call and return
// time, input and output. This is the one format both linearizability checkers read
// (the general WGL search in wgl.ts and the Pancydb version checker in
// pancydb-versions.ts); it is structurally the simulator's client history, declared
// here again because a checker must not share code with what it checks.
//
// Real-time order (Herlihy & Wing, TOPLAS 1990, §2): a precedes b iff a returned
// strictly before b was called. Equal times count as concurrent, so a checker never
// invents an order that the clock did not show; the price is that two operations one
// millisecond apart are ordered but two in the same millisecond are not.
//
// Unknown outcome (returnMs undefined: the client gave up, the run ended, Jepsen
// :info): the operation may have taken effect at any time after its call, or not at
// all. Both checkers treat its return time as +infinity and allow it to be omitted.

export interface HistoryOperation<I, O> {
  readonly id: number;
  readonly client: number;
  readonly callMs: number;
  /** undefined: unknown outcome (the run ended, or the client gave up). */
  readonly returnMs: number | undefined;
  readonly input: I;
  /** undefined exactly when returnMs is undefined. */
  readonly output: O | undefined;
}

export type History<I, O> = readonly HistoryOperation<I, O>[];

/** True iff `a` returned strictly before `b` was called. */
export function precedes<I, O>(a: HistoryOperation<I, O>, b: HistoryOperation<I, O>): boolean {
  return a.returnMs !== undefined && a.returnMs < b.callMs;
}

/** True iff the two operations' intervals overlap (neither precedes the other). */
export function concurrent<I, O>(a: HistoryOperation<I, O>, b: HistoryOperation<I, O>): boolean {
  return !precedes(a, b) && !precedes(b, a);
}

/**
 * Throws, naming `argument`, unless every operation has a unique integer id, a finite
 * call time, a return time that is undefined or not before its call, and an output
 * exactly when it has a return time.
 * @example
 * assertWellFormedHistory([{ id: 0, client: 1, callMs: 0, returnMs: 2, input: 'r', output: 1 }], 'history');
 */
export function assertWellFormedHistory<I, O>(history: History<I, O>, argument: string): void {
  if (!Array.isArray(history)) throw new Error(`${argument} must be an array of operations`);
  const ids = new Set<number>();
  history.forEach((operation, index) => {
    const where = `${argument}[${index}] (id ${String(operation.id)})`;
    if (!Number.isSafeInteger(operation.id)) throw new Error(`${where}: id must be an integer`);
    if (ids.has(operation.id)) throw new Error(`${where}: duplicate id`);
    ids.add(operation.id);
    if (!Number.isFinite(operation.callMs)) throw new Error(`${where}: callMs must be finite, got ${operation.callMs}`);
    const { returnMs } = operation;
    if (returnMs !== undefined && !(Number.isFinite(returnMs) && returnMs >= operation.callMs)) {
      throw new Error(`${where}: returnMs must be undefined or a finite time >= callMs ${operation.callMs}, got ${returnMs}`);
    }
    if ((returnMs === undefined) !== (operation.output === undefined)) {
      throw new Error(`${where}: output must be present exactly when returnMs is (unknown outcome has neither)`);
    }
  });
}

/** A copy of `operation` with its outcome forgotten: it may or may not have happened. */
export function withUnknownOutcome<I, O>(operation: HistoryOperation<I, O>): HistoryOperation<I, O> {
  return { ...operation, returnMs: undefined, output: undefined };
}
