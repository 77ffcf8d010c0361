// A workload drives one simulated client: it decides what operation to submit next
// and when, from the results of the previous ones. It is a pure state machine over
// simulated time; the cluster driver submits the operations through a PBFT client.
import type { Operation, OperationResult } from '../../core/operations.ts';

export type WorkloadStep =
  | { readonly kind: 'submit'; readonly afterMs: number; readonly operation: Operation }
  | { readonly kind: 'stop' };

export interface ClientWorkload {
  /** First step, at simulated time `nowMs`. */
  start(nowMs: number): WorkloadStep;
  /** Next step once the previously submitted operation completed with `result`. */
  onResult(nowMs: number, result: OperationResult): WorkloadStep;
}
