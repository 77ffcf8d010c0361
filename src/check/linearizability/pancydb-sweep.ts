// The complete part of the version checker: a sweep through the history in time
// order that builds a linearization, with the successful puts and cases pinned to
// their versions. It runs after the cheap checks found nothing, and decides exactly.
//
// The store's history is a sequence of states, one per version. The sweep keeps the
// current version and advances it only when it must ("just in time", as in Lowe's
// JIT linearization, CCPE 2017 §5): when a put/cas returns, its version must have been
// reached; when a remove returns, it must have been placed; when a get or failed
// operation returns, the key must have shown what it saw. Advancing lazily is never
// worse, since a state can only be reached later, never revisited. Every state the
// sweep passes through is offered to the observations open at that moment, so an
// observation may take effect at any instant of its interval.
//
// Versions no put/cas reported (the gaps) were consumed by a remove (reporting
// version 0) or by a write of unknown outcome. Which one filled which gap is the only
// real choice; the sweep tries the likeliest first (pancydb-sweep-candidates.ts) and
// backs up to the last choice when stuck, remembering states that failed (Lowe's
// memoization, here on the sweep's state). With no concurrent removes or unknown
// outcomes there are no choices and the sweep is linear; a step budget bounds the rest.
//
// Precondition (checked by pancydb-versions.ts before calling): every output is one
// Pancydb can return for its input, and no two puts/cases report the same version.
import type { OperationResult } from '../../core/operations.ts';
import type { ClassifiedHistory, Role } from './pancydb-classify.ts';
import { resultIn, sameResult, stateAfter, succeeds, type KeyState } from './pancydb-spec.ts';
import { gapCandidates } from './pancydb-sweep-candidates.ts';
import { SweepIndex, type SweepEvent } from './pancydb-sweep-index.ts';
import { SweepState } from './pancydb-sweep-state.ts';
import { describePancydbOperation as show, violation, type PancydbOperation, type PancydbViolation } from './pancydb-violation.ts';

export interface SweepOutcome {
  readonly verdict: 'linearizable' | 'not-linearizable' | 'unknown';
  readonly steps: number;
  readonly violation?: PancydbViolation;
}

interface Choice {
  readonly mark: number;
  readonly event: number;
  readonly goal: number;
  readonly candidates: readonly number[];
  next: number;
}

const NO_GOAL = -1;

export function sweepVersions(history: ClassifiedHistory, stepBudget: number): SweepOutcome {
  return new Sweep(history).run(stepBudget);
}

class Sweep {
  readonly #operations: readonly PancydbOperation[];
  readonly #roles: readonly Role[];
  readonly #history: ClassifiedHistory;
  readonly #index: SweepIndex;
  readonly #events: readonly SweepEvent[];
  readonly #state: SweepState;
  #deepest: { event: number; violation: PancydbViolation } | undefined;

  constructor(history: ClassifiedHistory) {
    this.#history = history;
    this.#operations = history.operations;
    this.#roles = history.roles;
    this.#index = new SweepIndex(history);
    this.#events = this.#index.events;
    this.#state = new SweepState(history.operations.length);
  }

  run(stepBudget: number): SweepOutcome {
    const state = this.#state;
    const choices: Choice[] = [];
    const failedStates = new Set<string>();
    let event = 0;
    let goal = NO_GOAL;
    for (let steps = 0; ; steps += 1) {
      if (steps >= stepBudget) return { verdict: 'unknown', steps };
      let failure: PancydbViolation | 'repeated' | undefined;
      if (goal === NO_GOAL) {
        if (event === this.#events.length) return { verdict: 'linearizable', steps };
        const { operation, isCall } = this.#events[event]!;
        if (isCall) {
          this.#onCall(operation);
          event += 1;
        } else {
          goal = operation;
        }
        continue;
      }
      if (this.#goalMet(goal)) {
        this.#onReturn(goal);
        goal = NO_GOAL;
        event += 1;
        continue;
      }
      failure = this.#impossible(goal);
      if (failure === undefined) {
        const slot = state.version + 1;
        const versioned = this.#history.versioned.get(slot);
        if (versioned !== undefined) {
          failure = this.#placeVersioned(versioned, goal);
          if (failure === undefined) continue;
        } else {
          const candidates = gapCandidates(this.#index, state, slot, goal, event);
          if (candidates.length === 0) failure = this.#emptyGap(slot, goal);
          else if (candidates.length > 1) {
            const key = state.memoKey(event, goal);
            if (failedStates.has(key)) failure = 'repeated';
            else {
              failedStates.add(key);
              choices.push({ mark: state.mark(), event, goal, candidates, next: 1 });
              state.recording = true;
            }
          }
          if (failure === undefined) {
            this.#placeGap(candidates[0]!, slot);
            continue;
          }
        }
      }
      if (failure !== 'repeated' && (this.#deepest === undefined || event > this.#deepest.event)) this.#deepest = { event, violation: failure };
      const resumed = this.#backtrack(choices);
      if (resumed === undefined) return { verdict: 'not-linearizable', steps, violation: this.#deepest!.violation };
      [event, goal] = resumed;
    }
  }

  /** Restores the latest choice with an untried candidate and places it; undefined if none. */
  #backtrack(choices: Choice[]): [number, number] | undefined {
    for (let choice = choices.at(-1); choice !== undefined; choice = choices.at(-1)) {
      this.#state.undoTo(choice.mark);
      if (choice.next < choice.candidates.length) {
        this.#placeGap(choice.candidates[choice.next]!, this.#state.version + 1);
        choice.next += 1;
        return [choice.event, choice.goal];
      }
      choices.pop();
    }
    this.#state.recording = false;
    return undefined;
  }

  #onCall(index: number): void {
    const state = this.#state;
    state.flag(state.called, index);
    const role = this.#roles[index];
    if (role === 'remove' || role === 'optional') state.add(state.pool, index);
    if (role === 'observation') {
      state.add(state.openObservationsOf(this.#operations[index]!.input.key), index);
      this.#offer(index);
    }
  }

  #onReturn(index: number): void {
    const state = this.#state;
    if (this.#roles[index] === 'observation') {
      state.delete(state.openObservationsOf(this.#operations[index]!.input.key), index);
      state.delete(state.satisfiedOpen, index);
    } else {
      state.delete(state.placedOpen, index);
    }
  }

  #goalMet(index: number): boolean {
    const output = this.#operations[index]!.output!;
    switch (this.#roles[index]) {
      case 'versioned':
        return this.#state.version >= output.version;
      case 'observation':
        return this.#state.satisfied[index] === 1;
      default:
        return this.#state.placed[index] === 1;
    }
  }

  /** A failure if the goal can no longer be met: the state it needs has passed for good. */
  #impossible(index: number): PancydbViolation | undefined {
    const operation = this.#operations[index]!;
    const role = this.#roles[index];
    if (role !== 'observation' && role !== 'remove') return undefined;
    const output = operation.output!;
    const key = operation.input.key;
    const current = this.#state.key(key);
    // Versions of one key only grow (or drop to 0 and grow past their old value), so a
    // version at or below the current one that is not current is gone for good; and a
    // current state that does not give the operation its output never will.
    const wanted = role === 'observation' ? observedState(output) : { value: current.value, version: 'actual' in output ? output.previousVersion : 0 };
    const here = current.version === wanted.version && current.value === wanted.value && (role === 'observation' || !succeeds(current, operation.input));
    const passed = wanted.version > 0 && this.#state.version >= wanted.version && current.version !== wanted.version;
    if (!here && !passed) return undefined;
    const saw = `${key}@${wanted.version}`;
    const why = here ? `${key} is at ${saw}, yet Pancydb would answer ${JSON.stringify(resultIn(current, operation.input, this.#state.version + 1))}` : `${saw} was already replaced`;
    const producer = this.#history.versioned.get(wanted.version);
    return violation('no-linearization', `${show(operation)} cannot take effect during its interval: ${why}`, [
      producer === undefined ? undefined : this.#operations[producer],
      this.#operations[this.#state.writerOf(key)],
      operation,
    ]);
  }

  #placeVersioned(index: number, goal: number): PancydbViolation | undefined {
    const state = this.#state;
    const write = this.#operations[index]!;
    const slot = state.version + 1;
    const waiting = this.#operations[goal]!;
    if (state.called[index] !== 1) {
      // What the waiting operation saw last held at some earlier version: name its writer.
      const holder = this.#operations[state.writerOf(waiting.input.key)];
      return violation('no-linearization', `${show(waiting)} returned, which needs version ${slot} placed first, but that write ${show(write)} was called later`, [holder, waiting, write]);
    }
    const key = write.input.key;
    const current = state.key(key);
    const expected = resultIn(current, write.input, slot);
    if (!sameResult(expected, write.output!)) {
      const holder = this.#operations[state.writerOf(key)];
      return violation('no-linearization', `at version ${slot}, ${key} is ${JSON.stringify(current)}${holder === undefined ? '' : ` (from ${show(holder)})`}, so ${show(write)} would have returned ${JSON.stringify(expected)}`, [holder, write, waiting]);
    }
    this.#apply(key, stateAfter(write.input, slot), index, slot);
    return undefined;
  }

  #placeGap(index: number, slot: number): void {
    const state = this.#state;
    const operation = this.#operations[index]!;
    state.flag(state.placed, index);
    state.delete(state.pool, index);
    state.add(state.placedOpen, index);
    this.#apply(operation.input.key, stateAfter(operation.input, slot), index, slot);
  }

  #apply(key: string, next: KeyState, writer: number, slot: number): void {
    this.#state.setKey(key, next, writer);
    this.#state.setVersion(slot);
    for (const observation of this.#state.openObservationsOf(key)) this.#offer(observation);
  }

  /** Marks the observation satisfied if the current state gives exactly its output. */
  #offer(index: number): void {
    const state = this.#state;
    if (state.satisfied[index] === 1) return;
    const operation = this.#operations[index]!;
    if (!sameResult(resultIn(state.key(operation.input.key), operation.input, state.version + 1), operation.output!)) return;
    state.flag(state.satisfied, index);
    state.add(state.satisfiedOpen, index);
  }

  #emptyGap(slot: number, goal: number): PancydbViolation {
    const waiting = this.#operations[goal]!;
    const nextIndex = this.#index.nextVersionAfter(slot);
    const next = nextIndex === undefined ? undefined : this.#operations[this.#history.versioned.get(nextIndex)!];
    const detail =
      slot <= this.#history.maxVersion
        ? `version ${slot} was consumed (a later version was reported), but no remove or unknown-outcome write could have taken it before ${show(waiting)} returned`
        : `${show(waiting)} returned, but no pending remove or unknown-outcome write can bring about what it needs`;
    return violation('no-linearization', detail, [waiting, next]);
  }
}

/** The key state an observation saw: what a get read, or what a failed write found. */
function observedState(output: OperationResult): KeyState {
  if ('actual' in output) return { value: output.actual, version: output.previousVersion };
  return { value: output.value ?? '', version: output.version };
}
