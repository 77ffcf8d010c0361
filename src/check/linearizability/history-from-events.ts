// Jepsen-style histories are event logs: a process invokes, later it completes or
// gives up. This turns such a log into HistoryOperations, using each event's
// position in the log as its time (the log order is the real-time order).
import type { HistoryOperation } from './history.ts';

export type ClientEvent<I, O> =
  | { readonly kind: 'call'; readonly client: number; readonly input: I }
  /** The operation completed with this output (Jepsen :ok, or a definite :fail). */
  | { readonly kind: 'return'; readonly client: number; readonly output: O }
  /** The client stopped waiting: outcome unknown (Jepsen :info, a timed-out read). */
  | { readonly kind: 'give-up'; readonly client: number };

/**
 * A call never followed by a return or give-up also has an unknown outcome.
 * @example
 * historyFromEvents([{ kind: 'call', client: 0, input: 'r' }, { kind: 'return', client: 0, output: 1 }]);
 * // [{ id: 0, client: 0, callMs: 0, returnMs: 1, input: 'r', output: 1 }]
 */
export function historyFromEvents<I, O>(events: readonly ClientEvent<I, O>[]): HistoryOperation<I, O>[] {
  const operations: HistoryOperation<I, O>[] = [];
  const open = new Map<number, number>();
  events.forEach((event, time) => {
    const index = open.get(event.client);
    if (event.kind === 'call') {
      if (index !== undefined) throw new Error(`historyFromEvents: event ${time}: client ${event.client} called with an operation open`);
      open.set(event.client, operations.length);
      operations.push({ id: operations.length, client: event.client, callMs: time, returnMs: undefined, input: event.input, output: undefined });
      return;
    }
    if (index === undefined) throw new Error(`historyFromEvents: event ${time}: client ${event.client} ${event.kind} with no operation open`);
    open.delete(event.client);
    if (event.kind === 'return') operations[index] = { ...operations[index]!, returnMs: time, output: event.output };
  });
  return operations;
}
