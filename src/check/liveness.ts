// Liveness, as a scenario states it (PBFT guarantees liveness only under weak synchrony,
// OSDI'99 §4.5): once the network faults are over (`liveAfterMs`), every request a
// correct client is waiting for completes within `completeWithinMs`.
//
// Which requests are due, and by when:
// - called at or after liveAfterMs: by callMs + completeWithinMs;
// - called before liveAfterMs and still open then: by liveAfterMs + completeWithinMs. A
//   workload client issues one request at a time, so a client stuck since before
//   liveAfterMs never gets to call again; skipping its open request would let a cluster
//   that stopped before liveAfterMs pass with no request due at all;
// - returned before liveAfterMs: not due (the faults were still on).
// A request still open when the run ends counts once its deadline has passed by then.
// And whatever the bound: a run in which no correct client's request completes after
// liveAfterMs while one waits through the live window made no progress at all, which is
// a violation even when the bound is longer than what is left of the run.
// Byzantine clients' requests (ids from `correctClients` on) are owed nothing.
import type { PancydbHistory } from './linearizability/index.ts';
import type { Violation } from './violation.ts';

export interface LivenessExpectation {
  readonly liveAfterMs: number;
  readonly completeWithinMs: number;
}

export interface LivenessOptions {
  /** Correct clients are 0..correctClients-1; later ids are Byzantine. Default: every client is correct. */
  readonly correctClients?: number;
}

/** At most this many late requests are reported per run; the first is what matters. */
const MAX_REPORTED = 5;

type Operation = PancydbHistory[number];

/**
 * @example
 * checkLiveness(simulation.history.operations, { liveAfterMs: 15_000, completeWithinMs: 10_000 }, 30_000, { correctClients: 8 });
 */
export function checkLiveness(history: PancydbHistory, expectation: LivenessExpectation, endMs: number, options: LivenessOptions = {}): Violation[] {
  const correct = history.filter((operation) => options.correctClients === undefined || operation.client < options.correctClients);
  const violations: Violation[] = [];
  const stall = noProgress(correct, expectation, endMs);
  if (stall !== undefined) violations.push(stall);
  let late = 0;
  for (const operation of correct) {
    const deadlineMs = deadlineOf(operation, expectation);
    if (deadlineMs === undefined) continue;
    const overdue = operation.returnMs === undefined ? deadlineMs <= endMs : operation.returnMs > deadlineMs;
    if (!overdue) continue;
    late++;
    if (late > MAX_REPORTED) continue;
    violations.push({ property: 'liveness', detail: describeLate(operation, expectation, deadlineMs, endMs), replicas: [], atMs: Math.min(deadlineMs, endMs) });
  }
  if (late > MAX_REPORTED) {
    violations.push({ property: 'liveness', detail: `${late - MAX_REPORTED} more late requests`, replicas: [], atMs: endMs });
  }
  return violations;
}

/** When the request must have completed, or undefined if the bound does not cover it. */
function deadlineOf(operation: Operation, expectation: LivenessExpectation): number | undefined {
  const { liveAfterMs, completeWithinMs } = expectation;
  if (operation.callMs >= liveAfterMs) return operation.callMs + completeWithinMs;
  if (operation.returnMs !== undefined && operation.returnMs <= liveAfterMs) return undefined;
  return liveAfterMs + completeWithinMs;
}

function describeLate(operation: Operation, expectation: LivenessExpectation, deadlineMs: number, endMs: number): string {
  const outcome = operation.returnMs === undefined ? `still open at the end (${endMs} ms)` : `returned at ${operation.returnMs} ms`;
  const since = operation.callMs < expectation.liveAfterMs ? `, open at ${expectation.liveAfterMs} ms` : '';
  return `client ${operation.client} op #${operation.id} ${operation.input.type} ${JSON.stringify(operation.input.key)} called at ${operation.callMs} ms${since}, due by ${deadlineMs} ms, ${outcome} (bound ${expectation.completeWithinMs} ms after ${expectation.liveAfterMs} ms)`;
}

/**
 * No correct request completed after liveAfterMs, yet one waited: open at liveAfterMs, or
 * waiting through at least half of the window from liveAfterMs to the end (a client
 * between requests at liveAfterMs calls again within its think time).
 */
function noProgress(correct: readonly Operation[], expectation: LivenessExpectation, endMs: number): Violation | undefined {
  const { liveAfterMs } = expectation;
  if (endMs <= liveAfterMs) return undefined;
  if (correct.some((operation) => operation.returnMs !== undefined && operation.returnMs > liveAfterMs)) return undefined;
  const windowMs = endMs - liveAfterMs;
  const waiting = correct.find((operation) => {
    if (operation.returnMs !== undefined) return false;
    return operation.callMs <= liveAfterMs || endMs - operation.callMs >= windowMs / 2;
  });
  if (waiting === undefined) return undefined;
  return {
    property: 'liveness',
    detail: `no correct client's request completed from ${liveAfterMs} ms to the end (${endMs} ms), while client ${waiting.client} waited for op #${waiting.id} ${waiting.input.type} ${JSON.stringify(waiting.input.key)} called at ${waiting.callMs} ms`,
    replicas: [],
    atMs: endMs,
  };
}
