// What clients saw: every operation with its call and return time, input and output, in
// the order calls were made. An operation still outstanding when the run ends has an
// unknown outcome: it may or may not have taken effect. Linearizability checkers read it.
import type { Operation, OperationResult } from '../core/operations.ts';

export interface HistoryOperation<I, O> {
  readonly id: number;
  readonly client: number;
  readonly callMs: number;
  /** undefined: unknown outcome (the run ended, or the client gave up). */
  returnMs: number | undefined;
  readonly input: I;
  output: O | undefined;
}

export type PancydbHistory = readonly HistoryOperation<Operation, OperationResult>[];

export class ClientHistory {
  readonly operations: HistoryOperation<Operation, OperationResult>[] = [];
  private readonly open = new Map<number, HistoryOperation<Operation, OperationResult>>();

  call(client: number, input: Operation, callMs: number): void {
    if (this.open.has(client)) throw new Error(`client ${client} called while an operation is open`);
    const operation = { id: this.operations.length, client, callMs, returnMs: undefined, input, output: undefined };
    this.operations.push(operation);
    this.open.set(client, operation);
  }

  /** An operation of a client outside the workload (a Byzantine one), known only once done. */
  external(client: number, input: Operation, output: OperationResult, callMs: number, returnMs: number): void {
    this.operations.push({ id: this.operations.length, client, callMs, returnMs, input, output });
  }

  complete(client: number, output: OperationResult, returnMs: number): void {
    const operation = this.open.get(client);
    if (operation === undefined) throw new Error(`client ${client} returned with no operation open`);
    operation.returnMs = returnMs;
    operation.output = output;
    this.open.delete(client);
  }
}
