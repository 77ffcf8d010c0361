// Liveness, as a scenario states it (PBFT guarantees liveness only under weak synchrony,
// OSDI'99 §4.5): once the network faults are over (`liveAfterMs`), every request a
// correct client submits completes within `completeWithinMs`. A request still open when
// the run ends counts only if its deadline has passed by then.
import type { PancydbHistory } from './linearizability/index.ts';
import type { Violation } from './violation.ts';

export interface LivenessExpectation {
  readonly liveAfterMs: number;
  readonly completeWithinMs: number;
}

/** At most this many late requests are reported per run; the first is what matters. */
const MAX_REPORTED = 5;

export function checkLiveness(history: PancydbHistory, expectation: LivenessExpectation, endMs: number): Violation[] {
  const violations: Violation[] = [];
  let late = 0;
  for (const operation of history) {
    if (operation.callMs < expectation.liveAfterMs) continue;
    const deadlineMs = operation.callMs + expectation.completeWithinMs;
    const tookMs = operation.returnMs === undefined ? undefined : operation.returnMs - operation.callMs;
    const overdue = tookMs === undefined ? deadlineMs <= endMs : tookMs > expectation.completeWithinMs;
    if (!overdue) continue;
    late++;
    if (violations.length >= MAX_REPORTED) continue;
    const outcome = tookMs === undefined ? `still open at the end (${endMs} ms)` : `took ${tookMs} ms`;
    violations.push({
      property: 'liveness',
      detail: `client ${operation.client} op #${operation.id} ${operation.input.type} ${JSON.stringify(operation.input.key)} called at ${operation.callMs} ms ${outcome}, bound ${expectation.completeWithinMs} ms after ${expectation.liveAfterMs} ms`,
      replicas: [],
      atMs: Math.min(deadlineMs, endMs),
    });
  }
  if (late > MAX_REPORTED) {
    violations.push({ property: 'liveness', detail: `${late - MAX_REPORTED} more late requests`, replicas: [], atMs: endMs });
  }
  return violations;
}
