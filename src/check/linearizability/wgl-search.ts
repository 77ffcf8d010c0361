// The search at the heart of the general checker: Wing & Gong's backtracking search
// (J. Parallel Distrib. Comput. 1993) with Lowe's memoization ("Testing for
// linearizability", CCPE 2017, §4), organised as in Porcupine.
//
// Calls and returns sit in one doubly linked list in time order (calls before
// returns at equal times, so equal times are concurrent). An operation may be
// linearized next iff its call comes before the first return still in the list: no
// pending operation returned before it was called. Linearizing lifts the call and its
// return out of the list (dancing links), backtracking puts them back. Reaching a
// return means every candidate before it failed: backtrack.
//
// Memoization: a (linearized set, model state) pair seen before cannot lead anywhere
// new, because what remains to do depends only on that pair.
//
// Unknown outcomes: their return sits at +infinity, so they never block anything, and
// the search succeeds as soon as every operation with a known outcome is linearized:
// the rest are left out, which is one of their allowed fates.
import { HashedBitset, combineHashes } from './bitset.ts';
import type { HistoryOperation } from './history.ts';
import type { Model } from './model.ts';

export type SearchVerdict = 'linearizable' | 'not-linearizable' | 'unknown';

export interface SearchOutcome {
  readonly verdict: SearchVerdict;
  readonly steps: number;
  /** Indices (into the searched operations) of the deepest partial linearization, in order. */
  readonly deepest: readonly number[];
}

interface EventList {
  readonly next: Int32Array;
  readonly prev: Int32Array;
  /** Operation index of each entry; entry 0 is the head sentinel. */
  readonly operation: Int32Array;
  readonly isCall: Uint8Array;
  /** For a call entry, its return entry. */
  readonly match: Int32Array;
}

const NONE = -1;
const HEAD = 0;

export function searchLinearization<S, I, O>(
  operations: readonly HistoryOperation<I, O>[],
  model: Model<S, I, O>,
  stepBudget: number,
): SearchOutcome {
  const list = buildEventList(operations);
  const linearized = new HashedBitset(operations.length);
  const cache = new Map<number, { words: Uint32Array; state: S }[]>();
  const stack: { entry: number; state: S }[] = [];
  let definiteRemaining = operations.filter((operation) => operation.returnMs !== undefined).length;
  let state = model.init();
  let steps = 0;
  let deepest: number[] = [];
  let entry = list.next[HEAD]!;

  while (definiteRemaining > 0) {
    if (list.isCall[entry] === 1) {
      const index = list.operation[entry]!;
      const operation = operations[index]!;
      if (steps >= stepBudget) return { verdict: 'unknown', steps, deepest };
      steps += 1;
      const result = model.step(state, operation.input, operation.output);
      if (result.ok) {
        linearized.add(index);
        if (remember(cache, linearized, result.state, model)) {
          stack.push({ entry, state });
          state = result.state;
          lift(list, entry);
          if (operation.returnMs !== undefined) definiteRemaining -= 1;
          // A new deepest partial linearization: at most one copy per operation.
          if (stack.length > deepest.length) deepest = stack.map((frame) => list.operation[frame.entry]!);
          entry = list.next[HEAD]!;
          continue;
        }
        linearized.delete(index);
      }
      entry = list.next[entry]!;
    } else {
      const frame = stack.pop();
      if (frame === undefined) return { verdict: 'not-linearizable', steps, deepest };
      const index = list.operation[frame.entry]!;
      linearized.delete(index);
      if (operations[index]!.returnMs !== undefined) definiteRemaining += 1;
      state = frame.state;
      unlift(list, frame.entry);
      entry = list.next[frame.entry]!;
    }
  }
  return { verdict: 'linearizable', steps, deepest };
}

/** Adds (linearized, state) to the cache; false if it was already there. */
function remember<S, I, O>(
  cache: Map<number, { words: Uint32Array; state: S }[]>,
  linearized: HashedBitset,
  state: S,
  model: Model<S, I, O>,
): boolean {
  const key = combineHashes(linearized.hash, model.hash(state));
  let bucket = cache.get(key);
  if (bucket === undefined) {
    bucket = [];
    cache.set(key, bucket);
  }
  for (const seen of bucket) if (linearized.equalWords(seen.words) && model.equal(seen.state, state)) return false;
  bucket.push({ words: linearized.words.slice(), state });
  return true;
}

function buildEventList<I, O>(operations: readonly HistoryOperation<I, O>[]): EventList {
  const events: { time: number; isCall: number; operation: number }[] = [];
  operations.forEach((operation, index) => {
    events.push({ time: operation.callMs, isCall: 1, operation: index });
    events.push({ time: operation.returnMs ?? Number.POSITIVE_INFINITY, isCall: 0, operation: index });
  });
  // Calls before returns at equal times: equal times are concurrent (history.ts).
  events.sort((a, b) => a.time - b.time || b.isCall - a.isCall || a.operation - b.operation);
  const size = events.length + 1;
  const list: EventList = {
    next: new Int32Array(size),
    prev: new Int32Array(size),
    operation: new Int32Array(size).fill(NONE),
    isCall: new Uint8Array(size),
    match: new Int32Array(size).fill(NONE),
  };
  const callEntryOf = new Int32Array(operations.length);
  events.forEach((event, position) => {
    const entry = position + 1;
    list.operation[entry] = event.operation;
    list.isCall[entry] = event.isCall;
    list.prev[entry] = entry - 1;
    list.next[entry] = entry + 1 < size ? entry + 1 : NONE;
    if (event.isCall === 1) callEntryOf[event.operation] = entry;
    else list.match[callEntryOf[event.operation]!] = entry;
  });
  list.next[HEAD] = size > 1 ? 1 : NONE;
  return list;
}

/** Removes a call entry and its return entry from the list. */
function lift(list: EventList, callEntry: number): void {
  const returnEntry = list.match[callEntry]!;
  unlink(list, callEntry);
  unlink(list, returnEntry);
}

/** Exactly undoes `lift`: relink in reverse order (Knuth's dancing links). */
function unlift(list: EventList, callEntry: number): void {
  relink(list, list.match[callEntry]!);
  relink(list, callEntry);
}

function unlink(list: EventList, entry: number): void {
  const before = list.prev[entry]!;
  const after = list.next[entry]!;
  list.next[before] = after;
  if (after !== NONE) list.prev[after] = before;
}

function relink(list: EventList, entry: number): void {
  const before = list.prev[entry]!;
  const after = list.next[entry]!;
  list.next[before] = entry;
  if (after !== NONE) list.prev[after] = entry;
}
