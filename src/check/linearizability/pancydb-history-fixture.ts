// Test and bench fixture, not a checker: concurrent Pancydb histories that are
// linearizable by construction. Each planned operation gets a call interval on its
// client's timeline and a linearization point inside it; the operations then run
// against the real store (createPancydb) in the order of their points, so the outputs
// are what some legal execution returned. An operation planned with an unknown
// outcome may take effect at a point up to UNKNOWN_REACH times its duration after
// its call (the client gave up, the request lingered), or not at all.
import { createPancydb } from '../../core/pancydb.ts';
import type { Operation, OperationResult } from '../../core/operations.ts';
import type { HistoryOperation } from './history.ts';

export interface PlannedOperation {
  readonly client: number;
  readonly operation: Operation;
  /** Pause after the client's previous operation returned (or was abandoned). */
  readonly thinkMs: number;
  readonly durationMs: number;
  /** Where in [0, 1] of its reach the operation takes effect. */
  readonly pointFraction: number;
  /** 'lost': never executed; 'late': executed, client never saw the result. */
  readonly outcome: 'known' | 'lost' | 'late';
}

const UNKNOWN_REACH = 3;

export function buildPancydbHistory(plan: readonly PlannedOperation[]): HistoryOperation<Operation, OperationResult>[] {
  const clock = new Map<number, number>();
  const timed = plan.map((planned, id) => {
    const callMs = (clock.get(planned.client) ?? 0) + planned.thinkMs;
    const returnMs = callMs + planned.durationMs;
    clock.set(planned.client, returnMs);
    const reach = planned.outcome === 'known' ? planned.durationMs : planned.durationMs * UNKNOWN_REACH;
    return { id, planned, callMs, returnMs, pointMs: callMs + planned.pointFraction * reach };
  });
  const db = createPancydb();
  const outputs = new Map<number, OperationResult>();
  const executed = timed.filter((entry) => entry.planned.outcome !== 'lost').sort((a, b) => a.pointMs - b.pointMs || a.id - b.id);
  for (const entry of executed) outputs.set(entry.id, db.execute(entry.planned.operation));
  return timed.map(({ id, planned, callMs, returnMs }) => {
    const known = planned.outcome === 'known';
    return {
      id,
      client: planned.client,
      callMs,
      returnMs: known ? returnMs : undefined,
      input: planned.operation,
      output: known ? outputs.get(id) : undefined,
    };
  });
}

/** A seeded PRNG (mulberry32) for plans outside fast-check, e.g. the bench. */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = Math.imul(state ^ (state >>> 15), state | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
